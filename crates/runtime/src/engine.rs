//! The [`Runtime`]: one Wasmtime engine, its compiled-artifact cache and its epoch ticker.

use std::time::Instant;

use wasmtime::component::Component;
use wasmtime::{Config, Enabled, Engine, InstanceAllocationStrategy, PoolingAllocationConfig};

use crate::RuntimeError;
use crate::busy_lane::BusyLane;
use crate::cache::{CacheKey, CompiledCache};
use crate::epoch::EpochTicker;
use crate::limits::InstanceLimits;
use crate::load::{ComponentSource, LoadedComponent, check_preamble};
use crate::settings::{Allocator, RuntimeSettings};

/// The WebAssembly runtime shared by everything a process runs.
#[derive(Debug)]
pub struct Runtime {
    engine: Engine,
    cache: Option<CompiledCache>,
    limits: InstanceLimits,
    allocation: Allocation,
    busy_lane: BusyLane,
    _ticker: EpochTicker,
}

impl Runtime {
    /// Creates the engine from `settings`. With [`Allocator::PoolingOrFallback`] it tries, in
    /// order, the pool with `PAGEMAP_SCAN` resets (Linux 6.7+), the pool with `madvise`
    /// resets, and on-demand allocation, logging why each step down was taken.
    pub fn new(settings: &RuntimeSettings) -> Result<Self, RuntimeError> {
        let (engine, allocation) = match settings.allocator {
            Allocator::OnDemand => (build_engine(settings, None)?, Allocation::OnDemand),
            Allocator::PoolingOrFallback => build_pooled_engine(settings)?,
        };
        let cache = settings
            .cache_dir
            .as_ref()
            .map(CompiledCache::open)
            .transpose()?;
        let ticker = EpochTicker::start(&engine, settings.epoch_tick).map_err(|error| {
            RuntimeError::Engine(format!("cannot start the epoch ticker: {error}"))
        })?;
        let busy_lane = match &settings.busy_lane {
            Some(lane) => BusyLane::start(lane.threads, lane.after).map_err(|error| {
                RuntimeError::Engine(format!(
                    "cannot start the busy lane's threads ({error}); fewer `--busy-threads`, or `--busy-after off` to run without the busy lane"
                ))
            })?,
            None => BusyLane::disabled(),
        };
        Ok(Self {
            engine,
            cache,
            busy_lane,
            limits: InstanceLimits {
                memory_limit_bytes: settings.memory_limit_bytes,
                deadline: settings.invocation_deadline,
            },
            allocation,
            _ticker: ticker,
        })
    }

    /// The Wasmtime engine.
    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// The limits every instance runs under.
    pub fn limits(&self) -> InstanceLimits {
        self.limits
    }

    /// Where invocations that compute past a slice finish (every capability runs its
    /// invocations through it).
    pub fn busy_lane(&self) -> &BusyLane {
        &self.busy_lane
    }

    /// How instances are allocated (after any fallback).
    pub fn allocation(&self) -> Allocation {
        self.allocation
    }

    /// Whether the pooling allocator is in use (false after a fallback).
    pub fn is_pooling(&self) -> bool {
        self.allocation != Allocation::OnDemand
    }

    /// The compiled-artifact cache, when enabled.
    pub fn cache(&self) -> Option<&CompiledCache> {
        self.cache.as_ref()
    }

    /// Loads and compiles a component, or loads its compiled artifact from the cache.
    pub fn load(&self, source: &ComponentSource) -> Result<LoadedComponent, RuntimeError> {
        let name = source.name();
        let bytes = source.read()?;
        check_preamble(&name, &bytes)?;
        let started = Instant::now();
        let key = CacheKey::new(&self.engine, &bytes);

        if let Some(component) = self
            .cache
            .as_ref()
            .and_then(|cache| cache.load(&self.engine, &key))
        {
            return Ok(LoadedComponent {
                name,
                digest: key.digest,
                component,
                load_time: started.elapsed(),
                from_cache: true,
            });
        }

        let component = Component::from_binary(&self.engine, &bytes).map_err(|error| {
            RuntimeError::Invalid {
                name: name.clone(),
                reason: format!("{error:#}"),
            }
        })?;
        if let Some(cache) = &self.cache {
            match component.serialize() {
                Ok(artifact) => cache.store(&key, &artifact),
                Err(error) => tracing::warn!(%error, "could not serialize a compiled component"),
            }
        }
        Ok(LoadedComponent {
            name,
            digest: key.digest,
            component,
            load_time: started.elapsed(),
            from_cache: false,
        })
    }
}

/// How a [`Runtime`] allocates instances, after falling back as far as the machine required.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Allocation {
    /// Pooled slots, reset by scanning for dirtied pages (`PAGEMAP_SCAN`) and zeroing them.
    PoolingPagemapScan,
    /// Pooled slots, reset by returning their pages to the kernel (`madvise`).
    PoolingMadvise,
    /// Memory allocated and freed per instance.
    OnDemand,
}

impl Allocation {
    /// A short name for logs and `-o json`.
    pub fn name(self) -> &'static str {
        match self {
            Self::PoolingPagemapScan => "pooling+pagemap-scan",
            Self::PoolingMadvise => "pooling+madvise",
            Self::OnDemand => "on-demand",
        }
    }
}

fn build_pooled_engine(settings: &RuntimeSettings) -> Result<(Engine, Allocation), RuntimeError> {
    if settings.pagemap_scan {
        match build_engine(settings, Some(pool(settings, true))) {
            Ok(engine) => return Ok((engine, Allocation::PoolingPagemapScan)),
            Err(error) => tracing::info!(
                %error,
                "resetting instance memory by PAGEMAP_SCAN is unavailable (it needs Linux 6.7 \
                 or later); using madvise, which is slower under load"
            ),
        }
    }
    match build_engine(settings, Some(pool(settings, false))) {
        Ok(engine) => Ok((engine, Allocation::PoolingMadvise)),
        Err(error) => {
            tracing::warn!(
                %error,
                "the pooling allocator could not reserve its memory; falling back to on-demand \
                 allocation (slower instantiation). Lower --max-instances or raise the virtual \
                 memory limit (ulimit -v) to use pooling."
            );
            Ok((build_engine(settings, None)?, Allocation::OnDemand))
        }
    }
}

/// The pooling allocator's configuration: slots sized to the per-instance memory limit. With
/// `pagemap_scan`, freed slots keep up to `keep_resident_bytes` of dirtied pages resident and
/// zero just those; without it, every page is returned to the kernel (keeping the low bytes
/// resident without knowing which pages were touched costs more than it saves).
fn pool(settings: &RuntimeSettings, pagemap_scan: bool) -> PoolingAllocationConfig {
    let keep_resident = if pagemap_scan {
        settings.keep_resident_bytes
    } else {
        0
    };
    let mut pool = PoolingAllocationConfig::default();
    let instances = settings.max_instances;
    pool.total_component_instances(instances)
        .total_core_instances(instances.saturating_mul(4))
        .total_memories(instances.saturating_mul(2))
        .total_tables(instances.saturating_mul(4))
        .total_stacks(instances)
        .max_memory_size(settings.memory_limit_bytes)
        .linear_memory_keep_resident(keep_resident)
        .table_keep_resident(keep_resident.min(64 << 10))
        .pagemap_scan(if pagemap_scan {
            Enabled::Yes
        } else {
            Enabled::No
        });
    pool
}

fn build_engine(
    settings: &RuntimeSettings,
    pool: Option<PoolingAllocationConfig>,
) -> Result<Engine, RuntimeError> {
    let mut config = Config::new();
    config
        .wasm_component_model(true)
        .epoch_interruption(true)
        .memory_init_cow(settings.memory_init_cow);
    if let Some(pool) = pool {
        config.allocation_strategy(InstanceAllocationStrategy::Pooling(pool));
    }
    Engine::new(&config).map_err(|error| RuntimeError::Engine(format!("{error:#}")))
}
