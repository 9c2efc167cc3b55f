//! How long to wait before retrying an application whose commands failed: exponential, capped,
//! with jitter so many failing apps do not retry in lockstep.

use std::hash::BuildHasher as _;
use std::time::Duration;

/// Exponential backoff with jitter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    /// The wait after the first failure (before jitter).
    pub first: Duration,
    /// The longest wait.
    pub max: Duration,
}

impl Default for Backoff {
    fn default() -> Self {
        Self {
            first: Duration::from_millis(250),
            max: Duration::from_secs(30),
        }
    }
}

impl Backoff {
    /// The wait after `failures` consecutive failures (1 or more), scaled by `jitter` in
    /// `[0, 1)`: between half and all of `first * 2^(failures-1)`, never above `max`.
    pub fn delay(&self, failures: u32, jitter: f64) -> Duration {
        let exponent = failures.saturating_sub(1).min(30);
        let full = self.first.saturating_mul(1u32 << exponent).min(self.max);
        full.mul_f64(0.5 + 0.5 * jitter.clamp(0.0, 1.0))
    }
}

/// A random number in `[0, 1)` for jitter (from the standard library's per-call random
/// hasher keys; not for cryptography).
pub fn jitter() -> f64 {
    let bits = std::collections::hash_map::RandomState::new().hash_one(0u8) >> 11;
    bits as f64 / (1u64 << 53) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doubles_from_first_up_to_max() {
        let backoff = Backoff::default();
        let full = |failures| backoff.delay(failures, 1.0);
        assert_eq!(full(1), Duration::from_millis(250));
        assert_eq!(full(2), Duration::from_millis(500));
        assert_eq!(full(3), Duration::from_secs(1));
        assert_eq!(full(9), Duration::from_secs(30));
        assert_eq!(full(u32::MAX), Duration::from_secs(30));
    }

    #[test]
    fn jitter_takes_off_at_most_half() {
        let backoff = Backoff::default();
        assert_eq!(backoff.delay(2, 0.0), Duration::from_millis(250));
        for _ in 0..100 {
            let value = jitter();
            assert!((0.0..1.0).contains(&value));
            let delay = backoff.delay(2, value);
            assert!(delay >= Duration::from_millis(250) && delay <= Duration::from_millis(500));
        }
    }

    #[test]
    fn jitter_varies() {
        let values: std::collections::BTreeSet<u64> = (0..20).map(|_| jitter().to_bits()).collect();
        assert!(values.len() > 1);
    }
}
