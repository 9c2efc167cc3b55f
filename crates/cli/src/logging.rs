//! Log set-up: events to stderr, filtered by `WEFT_LOG` (default `info`), and through the
//! [`LogBridge`] to OTLP once the process's telemetry exports logs.

use std::io::IsTerminal as _;

use tracing_subscriber::EnvFilter;
use tracing_subscriber::layer::SubscriberExt as _;
use tracing_subscriber::util::SubscriberInitExt as _;
use weft_telemetry::LogBridge;

use crate::args::LogFormat;

/// Installs the process's log subscriber: `format` on stderr, and `logs`.
pub fn init(format: LogFormat, logs: &LogBridge) {
    let filter = EnvFilter::try_from_env("WEFT_LOG").unwrap_or_else(|_| EnvFilter::new("info"));
    let stderr = tracing_subscriber::fmt::layer()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal());
    let registry = tracing_subscriber::registry()
        .with(filter)
        .with(logs.layer());
    match format {
        LogFormat::Text => registry.with(stderr.with_target(false)).init(),
        LogFormat::Json => registry.with(stderr.json()).init(),
    }
}
