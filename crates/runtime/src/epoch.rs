//! The epoch ticker: a thread that advances the engine's epoch at a fixed period, which is what
//! lets a running guest be interrupted (deadlines) and yield to other work.

use std::thread::JoinHandle;
use std::time::Duration;

use wasmtime::Engine;

/// Advances an engine's epoch every `period` for as long as the engine exists.
///
/// It deliberately outlives the [`Runtime`](crate::Runtime) that started it: stores and
/// pre-instantiated components keep the engine alive, and a guest that is running when the
/// runtime is dropped still needs ticks to reach its deadline or yield; without them, the
/// thread polling it would never return. The thread ends one period after the last engine
/// reference is gone.
#[derive(Debug)]
pub(crate) struct EpochTicker {
    _thread: JoinHandle<()>,
}

impl EpochTicker {
    /// Starts ticking `engine` every `period`.
    pub(crate) fn start(engine: &Engine, period: Duration) -> std::io::Result<Self> {
        let engine = engine.weak();
        let thread = std::thread::Builder::new()
            .name("weft-epoch".into())
            .spawn(move || {
                loop {
                    std::thread::sleep(period);
                    match engine.upgrade() {
                        Some(engine) => engine.increment_epoch(),
                        None => break,
                    }
                }
            })?;
        Ok(Self { _thread: thread })
    }
}
