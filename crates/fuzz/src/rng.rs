//! A small seeded generator (SplitMix64): the same seed gives the same inputs, so a finding
//! repeats with `WEFT_FUZZ_SEED`.

/// SplitMix64.
#[derive(Debug, Clone)]
pub(crate) struct Rng(u64);

impl Rng {
    /// A generator starting at `seed`.
    pub(crate) fn new(seed: u64) -> Self {
        Self(seed)
    }

    /// The next 64 random bits.
    pub(crate) fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number below `bound` (0 when `bound` is 0).
    pub(crate) fn below(&mut self, bound: usize) -> usize {
        if bound == 0 {
            return 0;
        }
        (self.next_u64() % bound as u64) as usize
    }

    /// A length up to `max`, small ones far more often (most bugs need few bytes).
    pub(crate) fn length(&mut self, max: usize) -> usize {
        let scale = 1 + self.below(usize::BITS as usize - max.leading_zeros() as usize);
        self.below((1usize << scale).min(max) + 1)
    }

    /// `len` random bytes.
    pub(crate) fn bytes(&mut self, len: usize) -> Vec<u8> {
        (0..len).map(|_| self.next_u64() as u8).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_gives_the_same_numbers() {
        let (mut a, mut b) = (Rng::new(42), Rng::new(42));
        let first: Vec<u64> = (0..8).map(|_| a.next_u64()).collect();
        assert_eq!(first, (0..8).map(|_| b.next_u64()).collect::<Vec<_>>());
        assert_ne!(Rng::new(43).next_u64(), first[0]);
    }

    #[test]
    fn lengths_stay_within_the_maximum_and_favour_small_ones() {
        let mut rng = Rng::new(1);
        let lengths: Vec<usize> = (0..10_000).map(|_| rng.length(4096)).collect();
        assert!(lengths.iter().all(|&len| len <= 4096));
        let small = lengths.iter().filter(|&&len| len <= 64).count();
        assert!(small > 3_000, "{small} of 10000 at most 64 bytes");
        assert!(lengths.iter().any(|&len| len > 1024));
    }
}
