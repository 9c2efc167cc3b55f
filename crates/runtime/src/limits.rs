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
    /// A fresh limiter to keep in one store's data.
    pub fn store_limits(&self) -> StoreLimits {
        StoreLimits {
            memory_limit_bytes: self.memory_limit_bytes,
        }
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
