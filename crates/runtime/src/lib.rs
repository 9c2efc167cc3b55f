//! weft's Wasmtime runtime.
//!
//! One [`Runtime`] owns the Wasmtime [`Engine`](wasmtime::Engine) (component model, async,
//! pooling allocator with an on-demand fallback, epoch interruption), the on-disk cache of
//! compiled artifacts and the epoch ticker. It turns component bytes into a
//! [`LoadedComponent`] (compiled once, then loaded from cache), and hands out the per-instance
//! [`InstanceLimits`] (memory limit, invocation deadline) every store must carry, and the
//! [`BusyLane`] every invocation runs under, which moves guests that compute past a short
//! slice to low-priority threads so they cannot starve their neighbours.
//!
//! Capabilities build their `InstancePre` from a [`LoadedComponent`] and a linker; the runtime
//! itself knows nothing of HTTP or any other interface.

mod busy_lane;
mod cache;
mod engine;
mod epoch;
mod error;
mod failure;
mod limits;
mod load;
mod settings;

pub use busy_lane::{BusyLane, Sliced};
pub use cache::{CacheKey, CompiledCache};
pub use engine::{Allocation, Runtime};
pub use error::RuntimeError;
pub use failure::{DeadlineExceeded, InvocationFailure, MemoryLimitExceeded};
pub use limits::{InstanceLimits, MemoryAboveHost, StoreLimits, mib_text, prepare_store};
pub use load::{ComponentSource, LoadedComponent};
pub use settings::{Allocator, BusyLaneSettings, RuntimeSettings};
