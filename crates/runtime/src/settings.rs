//! The knobs of a [`Runtime`](crate::Runtime), with defaults for serving HTTP components.

use std::path::PathBuf;
use std::time::Duration;

/// How instance memory is allocated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Allocator {
    /// Use the pooling allocator; fall back to on-demand (with a log line) when the machine
    /// cannot reserve the pool's virtual memory.
    PoolingOrFallback,
    /// Always allocate on demand.
    OnDemand,
}

/// Settings for a [`Runtime`](crate::Runtime).
#[derive(Debug, Clone)]
pub struct RuntimeSettings {
    /// Largest linear memory one instance may grow to, in bytes.
    pub memory_limit_bytes: usize,
    /// Longest one invocation (e.g. one HTTP request, body included) may run.
    pub invocation_deadline: Duration,
    /// Instance allocation strategy.
    pub allocator: Allocator,
    /// Most instances alive at once when pooling (the pool's size).
    pub max_instances: u32,
    /// Where compiled artifacts are cached; `None` disables the cache.
    pub cache_dir: Option<PathBuf>,
    /// Map linear memory images copy-on-write instead of copying data segments. Off by default:
    /// for small components, copying is cheaper than the page faults and TLB shootdowns that
    /// copy-on-write mappings cost per instance (see BENCHMARKS.md).
    pub memory_init_cow: bool,
    /// Bytes of each pooled linear memory kept resident (zeroed with memset rather than
    /// returned to the kernel) when an instance is freed.
    pub keep_resident_bytes: usize,
    /// How often the epoch ticks: the granularity of deadlines and of yielding to other work.
    pub epoch_tick: Duration,
}

impl Default for RuntimeSettings {
    fn default() -> Self {
        Self {
            memory_limit_bytes: 256 << 20,
            invocation_deadline: Duration::from_secs(60),
            allocator: Allocator::PoolingOrFallback,
            max_instances: 1000,
            cache_dir: None,
            memory_init_cow: false,
            keep_resident_bytes: 1 << 20,
            epoch_tick: Duration::from_millis(10),
        }
    }
}
