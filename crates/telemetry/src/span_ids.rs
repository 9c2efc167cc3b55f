//! Trace and span ids: random-looking, never zero (W3C's invalid id), and cheap enough to
//! make two per traced request.

use std::collections::hash_map::RandomState;
use std::hash::BuildHasher as _;
use std::sync::atomic::{AtomicU64, Ordering};

/// The golden-ratio step of SplitMix64: adding it walks through every 64-bit value.
const STEP: u64 = 0x9E37_79B9_7F4A_7C15;

/// Hands out ids: a counter that starts at a random point, each value scrambled by
/// SplitMix64's finalizer (a bijection, so no two draws of one source collide).
#[derive(Debug)]
pub(crate) struct IdSource {
    next: AtomicU64,
}

impl IdSource {
    /// A source seeded from the standard library's per-process random keys.
    pub(crate) fn new() -> Self {
        Self {
            next: AtomicU64::new(RandomState::new().hash_one(std::process::id())),
        }
    }

    /// A new 16-byte trace id: one draw, its second half scrambled from the first (the
    /// counter is shared by every thread, so each draw counts).
    pub(crate) fn trace_id(&self) -> [u8; 16] {
        let drawn = self.nonzero();
        let high = scrambled(drawn ^ STEP).to_be_bytes();
        let low = drawn.to_be_bytes();
        let mut id = [0_u8; 16];
        id[..8].copy_from_slice(&high);
        id[8..].copy_from_slice(&low);
        id
    }

    /// A new 8-byte span id.
    pub(crate) fn span_id(&self) -> [u8; 8] {
        self.nonzero().to_be_bytes()
    }

    fn nonzero(&self) -> u64 {
        loop {
            let drawn = self.draw();
            if drawn != 0 {
                return drawn;
            }
        }
    }

    fn draw(&self) -> u64 {
        scrambled(
            self.next
                .fetch_add(STEP, Ordering::Relaxed)
                .wrapping_add(STEP),
        )
    }
}

/// SplitMix64's finalizer: every bit of `value` moves about half the bits of the result.
fn scrambled(mut value: u64) -> u64 {
    value = (value ^ (value >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    value = (value ^ (value >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    value ^ (value >> 31)
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    #[test]
    fn ids_differ_and_are_never_zero() {
        let source = IdSource::new();
        let spans: HashSet<[u8; 8]> = (0..10_000).map(|_| source.span_id()).collect();
        assert_eq!(spans.len(), 10_000);
        assert!(!spans.contains(&[0; 8]));
        let trace = source.trace_id();
        assert_ne!(trace[8..], [0; 8]);
        assert_ne!(IdSource::new().trace_id(), IdSource::new().trace_id());
    }
}
