//! Making inputs: random bytes, or a seed changed by a few edits (a flipped bit, a byte set,
//! a run inserted, deleted or repeated, a splice of another seed, a dictionary token).

use crate::rng::Rng;

/// Makes each next input from the seeds and dictionary.
#[derive(Debug)]
pub(crate) struct Mutator<'a> {
    seeds: &'a [Vec<u8>],
    dictionary: &'a [Vec<u8>],
    max_len: usize,
}

/// The most edits one mutated input gets.
const MAX_EDITS: usize = 8;

impl<'a> Mutator<'a> {
    /// A mutator over `seeds` and `dictionary`, making inputs up to `max_len` bytes.
    pub(crate) fn new(seeds: &'a [Vec<u8>], dictionary: &'a [Vec<u8>], max_len: usize) -> Self {
        Self {
            seeds,
            dictionary,
            max_len,
        }
    }

    /// The next input: a mutated seed three times in four when there are seeds, else random
    /// bytes.
    pub(crate) fn next_input(&self, rng: &mut Rng) -> Vec<u8> {
        if self.seeds.is_empty() || rng.below(4) == 0 {
            let len = rng.length(self.max_len);
            return rng.bytes(len);
        }
        let mut input = self.seeds[rng.below(self.seeds.len())].clone();
        for _ in 0..edit_count(rng) {
            self.edit(&mut input, rng);
        }
        input.truncate(self.max_len.max(self.longest_seed()));
        input
    }

    fn longest_seed(&self) -> usize {
        self.seeds.iter().map(Vec::len).max().unwrap_or(0)
    }

    /// One edit of `input`.
    fn edit(&self, input: &mut Vec<u8>, rng: &mut Rng) {
        let at = rng.below(input.len() + 1);
        match rng.below(7) {
            0 if !input.is_empty() => {
                let index = at.min(input.len() - 1);
                input[index] ^= 1 << rng.below(8);
            }
            1 if !input.is_empty() => {
                let index = at.min(input.len() - 1);
                input[index] = interesting_byte(rng);
            }
            2 => {
                let len = rng.length(16);
                let bytes = rng.bytes(len);
                input.splice(at..at, bytes);
            }
            3 => {
                let end = (at + rng.length(64)).min(input.len());
                input.drain(at..end);
            }
            4 => {
                let end = (at + rng.length(64)).min(input.len());
                let run = input[at..end].to_vec();
                input.splice(at..at, run);
            }
            5 if !self.seeds.is_empty() => {
                let other = &self.seeds[rng.below(self.seeds.len())];
                let from = rng.below(other.len() + 1);
                let end = (from + rng.length(256)).min(other.len());
                input.splice(at..at, other[from..end].iter().copied());
            }
            _ if !self.dictionary.is_empty() => {
                let token = &self.dictionary[rng.below(self.dictionary.len())];
                input.splice(at..at, token.iter().copied());
            }
            _ => {
                let len = rng.length(8);
                let bytes = rng.bytes(len);
                input.splice(at..at, bytes);
            }
        }
    }
}

/// How many edits the next input gets: one half the time, two a quarter, … at most
/// [`MAX_EDITS`], so most inputs stay close enough to their seed to get past parsing.
fn edit_count(rng: &mut Rng) -> usize {
    1 + (rng.next_u64().trailing_ones() as usize).min(MAX_EDITS - 1)
}

/// A byte that often matters to parsers: boundaries, quotes, separators, controls.
fn interesting_byte(rng: &mut Rng) -> u8 {
    const BYTES: &[u8] = b"\0\x01\x7f\x80\xff\n\r\t \"'\\:,-{}[]#&*!|>%@`0";
    BYTES[rng.below(BYTES.len())]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mutated_seeds_stay_close_to_their_seed_and_within_bounds() {
        let seeds = vec![b"name: hello\nimage: file://a.wasm\n".to_vec()];
        let dictionary = vec![b": ".to_vec()];
        let mutator = Mutator::new(&seeds, &dictionary, 64);
        let mut rng = Rng::new(3);
        let inputs: Vec<Vec<u8>> = (0..2_000).map(|_| mutator.next_input(&mut rng)).collect();
        assert!(inputs.iter().all(|input| input.len() <= 64));
        let seeded = inputs
            .iter()
            .filter(|input| input.windows(5).any(|window| window == b"hello"))
            .count();
        assert!(seeded > 500, "{seeded} of 2000 still carry the seed");
        assert!(inputs.iter().any(|input| *input != seeds[0]));
    }

    #[test]
    fn without_seeds_inputs_are_random_bytes() {
        let mutator = Mutator::new(&[], &[], 128);
        let mut rng = Rng::new(5);
        let inputs: Vec<Vec<u8>> = (0..500).map(|_| mutator.next_input(&mut rng)).collect();
        assert!(inputs.iter().all(|input| input.len() <= 128));
        assert!(inputs.iter().any(|input| input.len() > 32));
    }
}
