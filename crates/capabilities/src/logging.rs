//! `wasi:logging/logging@0.1.0-draft`: guest log calls become tracing events carrying the
//! component id, app and level, under target `weft::guest`. A per-component budget keeps a
//! log flood from starving the host: past it, lines are dropped and counted.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use crate::bindings::wasi::logging::logging::{self, Level};
use crate::links::CapabilitiesView;

/// Log lines a component may write per second on average.
const LINES_PER_SECOND: f64 = 200.0;
/// Lines it may write in one burst.
const BURST: f64 = 400.0;

/// A token bucket shared by all instances of one component.
pub struct LogLimiter {
    state: Mutex<(f64, Instant)>,
    dropped: AtomicU64,
    rate: f64,
    burst: f64,
}

impl Default for LogLimiter {
    fn default() -> Self {
        Self::new(LINES_PER_SECOND, BURST)
    }
}

impl LogLimiter {
    /// A budget of `rate` lines per second with bursts of `burst`.
    pub fn new(rate: f64, burst: f64) -> Self {
        Self {
            state: Mutex::new((burst, Instant::now())),
            dropped: AtomicU64::new(0),
            rate,
            burst,
        }
    }

    /// Whether one more line may be written now; if so, also how many were dropped since the
    /// last line that was written.
    pub fn admit(&self) -> Option<u64> {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        let (tokens, last) = &mut *state;
        let now = Instant::now();
        let refill = now.saturating_duration_since(*last).as_secs_f64() * self.rate;
        *tokens = (*tokens + refill).min(self.burst);
        *last = now;
        if *tokens >= 1.0 {
            *tokens -= 1.0;
            Some(self.dropped.swap(0, Ordering::Relaxed))
        } else {
            self.dropped.fetch_add(1, Ordering::Relaxed);
            None
        }
    }

    /// How long until a line is admitted again (for tests).
    pub fn refill_time(&self) -> Duration {
        Duration::from_secs_f64(1.0 / self.rate)
    }
}

impl logging::Host for CapabilitiesView<'_> {
    async fn log(
        &mut self,
        level: Level,
        context: String,
        message: String,
    ) -> wasmtime::Result<()> {
        let Some(dropped) = self.links.logs.admit() else {
            return Ok(());
        };
        let component = &*self.links.component_id;
        let app = self.links.app.as_deref().unwrap_or("-");
        let (trace_id, span_id) = crate::call_context::trace_ids(self.trace);
        if dropped > 0 {
            tracing::warn!(target: "weft::guest", component, app, dropped, "log lines dropped: the component logs faster than its budget");
        }
        match level {
            Level::Trace => {
                tracing::trace!(target: "weft::guest", component, app, context, trace_id, span_id, "{message}")
            }
            Level::Debug => {
                tracing::debug!(target: "weft::guest", component, app, context, trace_id, span_id, "{message}")
            }
            Level::Info => {
                tracing::info!(target: "weft::guest", component, app, context, trace_id, span_id, "{message}")
            }
            Level::Warn => {
                tracing::warn!(target: "weft::guest", component, app, context, trace_id, span_id, "{message}")
            }
            Level::Error | Level::Critical => {
                tracing::error!(target: "weft::guest", component, app, context, trace_id, span_id, critical = matches!(level, Level::Critical), "{message}")
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_passes_then_lines_are_dropped_and_counted() {
        let limiter = LogLimiter::new(20.0, 3.0);
        for _ in 0..3 {
            assert_eq!(limiter.admit(), Some(0));
        }
        assert_eq!(limiter.admit(), None);
        assert_eq!(limiter.admit(), None);
        std::thread::sleep(limiter.refill_time());
        assert_eq!(
            limiter.admit(),
            Some(2),
            "the next line reports what was dropped"
        );
    }
}
