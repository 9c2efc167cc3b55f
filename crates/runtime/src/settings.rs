//! The knobs of a [`Runtime`](crate::Runtime), with defaults for serving HTTP components.

use std::path::PathBuf;
use std::time::Duration;

/// The busy lane's settings (see [`BusyLane`](crate::BusyLane)).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BusyLaneSettings {
    /// How long an invocation may compute on the regular workers before it moves.
    pub after: Duration,
    /// How many low-priority threads run moved invocations.
    pub threads: usize,
}

impl Default for BusyLaneSettings {
    /// Moves after 2 ms, far above what a request to a compiled component computes (tens of
    /// microseconds), onto one thread per core but one (at least one), so long-running guests
    /// never fill the last core that short requests land on (BENCHMARKS.md measures both).
    fn default() -> Self {
        let cores = std::thread::available_parallelism().map_or(1, usize::from);
        Self {
            after: Duration::from_millis(2),
            threads: cores.saturating_sub(1).max(1),
        }
    }
}

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
    /// With `pagemap_scan`, most bytes of dirtied pages per pooled linear memory zeroed in
    /// place (and kept resident) when an instance is freed, rather than returned to the kernel.
    pub keep_resident_bytes: usize,
    /// On Linux 6.7+, find the pages an instance dirtied with the `PAGEMAP_SCAN` ioctl and
    /// reset only those (up to `keep_resident_bytes`), instead of returning whole regions to
    /// the kernel, whose TLB shootdowns dominate per-request cost on multi-core hosts.
    pub pagemap_scan: bool,
    /// How often the epoch ticks: the granularity of deadlines and of yielding to other work.
    pub epoch_tick: Duration,
    /// Where invocations that compute past a slice move (low-priority threads, see
    /// [`BusyLane`](crate::BusyLane)); `None` keeps every invocation where it started.
    pub busy_lane: Option<BusyLaneSettings>,
}

impl Default for RuntimeSettings {
    fn default() -> Self {
        Self {
            memory_limit_bytes: 256 << 20,
            invocation_deadline: Duration::from_secs(10),
            allocator: Allocator::PoolingOrFallback,
            max_instances: 1000,
            cache_dir: None,
            memory_init_cow: false,
            keep_resident_bytes: 4 << 20,
            pagemap_scan: true,
            epoch_tick: Duration::from_millis(10),
            busy_lane: Some(BusyLaneSettings::default()),
        }
    }
}
