//! The fence a host keeps against managers that lost their lease: every manager command
//! carries the fencing revision of the lease its sender held, and a command older than the
//! newest one seen is refused, so a manager that was replaced cannot act any more.

use std::sync::atomic::{AtomicU64, Ordering};

/// The newest fence a host has seen.
#[derive(Debug, Default)]
pub(crate) struct Fence {
    newest: AtomicU64,
}

/// A command from a manager whose lease was taken over.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error(
    "refused a command fenced at {fence} from a manager that lost its lease (the newest fence seen is {newest})"
)]
pub(crate) struct StaleFence {
    /// The command's fence.
    pub(crate) fence: u64,
    /// The newest fence seen.
    pub(crate) newest: u64,
}

impl Fence {
    /// Admits a command fenced at `fence` (and remembers it as the newest if it is), or refuses
    /// it when a newer fence has been seen. Commands with the newest fence are all admitted:
    /// one manager sends many.
    pub(crate) fn admit(&self, fence: u64) -> Result<(), StaleFence> {
        let newest = self.newest.fetch_max(fence, Ordering::SeqCst);
        if fence < newest {
            return Err(StaleFence { fence, newest });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_newer_fence_locks_out_older_managers_but_not_itself() {
        let fence = Fence::default();
        assert_eq!(fence.admit(3), Ok(()));
        assert_eq!(fence.admit(3), Ok(()), "one manager sends many commands");
        assert_eq!(fence.admit(7), Ok(()), "a new lease holder takes over");
        assert_eq!(
            fence.admit(3),
            Err(StaleFence {
                fence: 3,
                newest: 7
            })
        );
        assert_eq!(fence.admit(7), Ok(()));
        let message = fence.admit(5).unwrap_err().to_string();
        assert!(
            message.contains("lost its lease") && message.contains('7'),
            "{message}"
        );
    }

    #[test]
    fn concurrent_managers_never_let_an_old_fence_through_after_a_new_one() {
        let fence = std::sync::Arc::new(Fence::default());
        let threads: Vec<_> = (1..=8u64)
            .map(|n| {
                let fence = std::sync::Arc::clone(&fence);
                std::thread::spawn(move || (n, fence.admit(n).is_ok()))
            })
            .collect();
        let results: Vec<(u64, bool)> = threads.into_iter().map(|t| t.join().unwrap()).collect();
        assert!(results.iter().any(|(n, admitted)| *n == 8 && *admitted));
        assert_eq!(
            fence.admit(1),
            Err(StaleFence {
                fence: 1,
                newest: 8
            })
        );
    }
}
