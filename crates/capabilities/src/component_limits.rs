//! What one component may use on this host beyond the instance limits every store carries:
//! how many of its invocations run at once (a limits policy's `max-concurrency`), and the
//! count of its invocations that hit a limit or trapped, which `app status` shows.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use weft_telemetry::Outcome;

/// How many invocations of a component may run at once. Cheap to clone: clones share the
/// permits.
#[derive(Debug, Clone, Default)]
pub struct Admission(Option<Bound>);

#[derive(Debug, Clone)]
struct Bound {
    permits: Arc<Semaphore>,
    max: u32,
}

/// A component already runs as many invocations as its `max-concurrency` allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("it already runs {max} invocations at once, its max-concurrency")]
pub struct AtCapacity {
    /// The limit.
    pub max: u32,
}

/// Held while an invocation runs; dropping it (and the permit inside) lets the next one in.
#[derive(Debug)]
pub struct Admitted(#[allow(dead_code, reason = "held for its drop")] Option<OwnedSemaphorePermit>);

impl Admission {
    /// No bound: every invocation runs at once.
    pub fn unbounded() -> Self {
        Self(None)
    }

    /// At most `max` invocations at once (at least one).
    pub fn at_most(max: u32) -> Self {
        let max = max.max(1);
        Self(Some(Bound {
            permits: Arc::new(Semaphore::new(max as usize)),
            max,
        }))
    }

    /// The bound, if there is one.
    pub fn max(&self) -> Option<u32> {
        self.0.as_ref().map(|bound| bound.max)
    }

    /// Lets an invocation in now, or says the component is at capacity (HTTP requests and
    /// calls: a caller waiting on a busy component would only hold its own resources longer).
    pub fn try_admit(&self) -> Result<Admitted, AtCapacity> {
        let Some(bound) = &self.0 else {
            return Ok(Admitted(None));
        };
        Arc::clone(&bound.permits)
            .try_acquire_owned()
            .map(|permit| Admitted(Some(permit)))
            .map_err(|_| AtCapacity { max: bound.max })
    }

    /// Lets an invocation in once one of those running ends (messages, which the caller
    /// bounds by the component's timeout: turning one away at once would lose it).
    pub async fn admit(&self) -> Admitted {
        let Some(bound) = &self.0 else {
            return Admitted(None);
        };
        match Arc::clone(&bound.permits).acquire_owned().await {
            Ok(permit) => Admitted(Some(permit)),
            // The semaphore is never closed; were it, running unbounded is the safe side.
            Err(_) => Admitted(None),
        }
    }
}

/// A component's invocations on this host that ended at a limit or in a trap, counted since
/// it started here. Shared by its handler's clones.
#[derive(Debug, Default)]
pub struct LimitHits {
    timeouts: AtomicU64,
    memory: AtomicU64,
    traps: AtomicU64,
    denied: AtomicU64,
}

/// [`LimitHits`] read at one moment.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LimitHitCounts {
    /// Invocations that ran past their time.
    pub timeouts: u64,
    /// Invocations that asked for more memory than their limit.
    pub memory: u64,
    /// Invocations that trapped (a panic, an out-of-bounds access, a stack overflow).
    pub traps: u64,
    /// Invocations turned away at the component's max-concurrency.
    pub denied: u64,
}

impl LimitHits {
    /// Counts an invocation that ended with `outcome` (those that ended well are not counted).
    pub fn record(&self, outcome: Outcome) {
        let counter = match outcome {
            Outcome::Timeout => &self.timeouts,
            Outcome::Memory => &self.memory,
            Outcome::Trap => &self.traps,
            Outcome::Denied => &self.denied,
            Outcome::Ok | Outcome::Error => return,
        };
        counter.fetch_add(1, Ordering::Relaxed);
    }

    /// The counts now.
    pub fn counts(&self) -> LimitHitCounts {
        LimitHitCounts {
            timeouts: self.timeouts.load(Ordering::Relaxed),
            memory: self.memory.load(Ordering::Relaxed),
            traps: self.traps.load(Ordering::Relaxed),
            denied: self.denied.load(Ordering::Relaxed),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unbounded_component_admits_everything() {
        let admission = Admission::unbounded();
        let held: Vec<Admitted> = (0..1000).map(|_| admission.try_admit().unwrap()).collect();
        assert_eq!(held.len(), 1000);
        assert_eq!(admission.max(), None);
    }

    #[test]
    fn a_bounded_component_turns_away_the_one_past_its_limit_until_one_ends() {
        let admission = Admission::at_most(2);
        let first = admission.try_admit().unwrap();
        let _second = admission.clone().try_admit().unwrap();
        assert_eq!(admission.try_admit().unwrap_err(), AtCapacity { max: 2 });
        drop(first);
        assert!(admission.try_admit().is_ok());
    }

    #[tokio::test]
    async fn a_message_waits_for_a_running_invocation_to_end() {
        let admission = Admission::at_most(1);
        let running = admission.try_admit().unwrap();
        let waiting = tokio::spawn({
            let admission = admission.clone();
            async move { admission.admit().await }
        });
        tokio::task::yield_now().await;
        assert!(!waiting.is_finished());
        drop(running);
        let _admitted = waiting.await.unwrap();
        assert!(admission.try_admit().is_err());
    }

    #[test]
    fn limit_hits_count_each_kind_and_not_what_ended_well() {
        let hits = LimitHits::default();
        for outcome in [
            Outcome::Ok,
            Outcome::Error,
            Outcome::Timeout,
            Outcome::Timeout,
            Outcome::Memory,
            Outcome::Trap,
            Outcome::Denied,
        ] {
            hits.record(outcome);
        }
        assert_eq!(
            hits.counts(),
            LimitHitCounts {
                timeouts: 2,
                memory: 1,
                traps: 1,
                denied: 1
            }
        );
    }
}
