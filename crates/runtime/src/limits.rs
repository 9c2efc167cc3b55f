//! Per-instance limits: how much memory an instance may grow to and how long one invocation
//! may run. Every store a capability creates goes through [`prepare_store`].

use std::time::{Duration, Instant};

use wasmtime::{ResourceLimiter, Store, UpdateDeadline};

use crate::failure::{DeadlineExceeded, MemoryLimitExceeded};

/// Most table elements one instance may grow a table to.
const MAX_TABLE_ELEMENTS: usize = 1 << 20;

/// The limits every instance runs under; cheap to copy into each store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InstanceLimits {
    /// Largest linear memory, in bytes.
    pub memory_limit_bytes: usize,
    /// Longest one invocation may run.
    pub deadline: Duration,
}

impl InstanceLimits {
    /// These limits with a component's own in place of the host's: any deadline, and memory
    /// up to the host's largest (the size of a pooled instance's memory slot).
    pub fn with_own(
        self,
        memory_bytes: Option<u64>,
        deadline: Option<Duration>,
    ) -> Result<Self, MemoryAboveHost> {
        let memory_limit_bytes = match memory_bytes {
            None => self.memory_limit_bytes,
            Some(asked) => usize::try_from(asked)
                .ok()
                .filter(|&asked| asked <= self.memory_limit_bytes)
                .ok_or(MemoryAboveHost {
                    asked_bytes: asked,
                    host_bytes: self.memory_limit_bytes,
                })?,
        };
        Ok(Self {
            memory_limit_bytes,
            deadline: deadline.unwrap_or(self.deadline),
        })
    }

    /// A fresh limiter to keep in one store's data.
    pub fn store_limits(&self) -> StoreLimits {
        StoreLimits {
            memory_limit_bytes: self.memory_limit_bytes,
        }
    }
}

/// A component's own memory limit is above the largest memory this host gives an instance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error(
    "its memory limit ({}) is above the largest this host gives an instance ({})",
    mib_text(*asked_bytes),
    mib_text(*host_bytes as u64)
)]
pub struct MemoryAboveHost {
    /// The component's limit, in bytes.
    pub asked_bytes: u64,
    /// The host's largest, in bytes.
    pub host_bytes: usize,
}

/// `bytes` in MiB (`64 MiB`), with a fraction only when it is not whole (`1.50 MiB`).
pub fn mib_text(bytes: u64) -> String {
    if bytes.is_multiple_of(1 << 20) {
        format!("{} MiB", bytes >> 20)
    } else {
        format!("{:.2} MiB", bytes as f64 / f64::from(1 << 20))
    }
}

/// The memory limiter kept inside a store's data. Growing past the limit traps the instance
/// with [`MemoryLimitExceeded`], so the failure names its reason.
#[derive(Debug, Clone)]
pub struct StoreLimits {
    memory_limit_bytes: usize,
}

impl ResourceLimiter for StoreLimits {
    fn memory_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        if desired > self.memory_limit_bytes {
            return Err(wasmtime::Error::new(MemoryLimitExceeded {
                limit_bytes: self.memory_limit_bytes,
                desired_bytes: desired,
            }));
        }
        Ok(true)
    }

    fn table_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        Ok(desired <= MAX_TABLE_ELEMENTS)
    }
}

/// Applies `limits` to a fresh store: installs the memory limiter found by `limiter`, and an
/// epoch callback that yields to the async executor on every tick (so a busy guest never
/// starves other requests) and traps with [`DeadlineExceeded`] once the deadline has passed.
pub fn prepare_store<T: Send + 'static>(
    store: &mut Store<T>,
    limits: &InstanceLimits,
    limiter: fn(&mut T) -> &mut StoreLimits,
) {
    store.limiter(move |data| limiter(data) as &mut dyn ResourceLimiter);
    let budget = limits.deadline;
    let deadline = Instant::now() + budget;
    store.set_epoch_deadline(1);
    store.epoch_deadline_callback(move |_| {
        if Instant::now() >= deadline {
            return Err(wasmtime::Error::new(DeadlineExceeded { deadline: budget }));
        }
        Ok(UpdateDeadline::Yield(1))
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOST: InstanceLimits = InstanceLimits {
        memory_limit_bytes: 256 << 20,
        deadline: Duration::from_secs(10),
    };

    #[test]
    fn a_component_keeps_the_hosts_limits_it_does_not_set() {
        assert_eq!(HOST.with_own(None, None), Ok(HOST));
    }

    #[test]
    fn a_component_may_lower_memory_and_set_any_deadline() {
        let own = HOST
            .with_own(Some(16 << 20), Some(Duration::from_secs(90)))
            .unwrap();
        assert_eq!(own.memory_limit_bytes, 16 << 20);
        assert_eq!(own.deadline, Duration::from_secs(90));
    }

    #[test]
    fn memory_above_the_hosts_largest_is_refused_in_mib() {
        let error = HOST.with_own(Some(512 << 20), None).unwrap_err();
        assert_eq!(
            error.to_string(),
            "its memory limit (512 MiB) is above the largest this host gives an instance (256 MiB)"
        );
        let error = HOST.with_own(Some(300_000_000), None).unwrap_err();
        assert!(error.to_string().contains("(286.10 MiB)"), "{error}");
    }
}
