//! Where each signal is exported, read from the OpenTelemetry spec's environment variables
//! (`OTEL_EXPORTER_OTLP_{,TRACES_,METRICS_,LOGS_}{ENDPOINT,PROTOCOL}`,
//! `OTEL_{TRACES,METRICS,LOGS}_EXPORTER`, with `…_HEADERS` and `…_TIMEOUT` from
//! [`crate::export_headers`])
//! and wasmCloud's switches (`WASMCLOUD_OBSERVABILITY_ENABLED` and friends), so a wasmCloud
//! host's environment carries over. No endpoint, no exporter.

use crate::export_headers::{read_headers, read_timeout};

/// A signal weft exports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signal {
    /// Spans.
    Traces,
    /// Metrics.
    Metrics,
    /// Log records.
    Logs,
}

impl Signal {
    /// Its name in variable names (`TRACES`) and OTLP/HTTP paths (`traces`).
    fn upper(self) -> &'static str {
        match self {
            Self::Traces => "TRACES",
            Self::Metrics => "METRICS",
            Self::Logs => "LOGS",
        }
    }

    fn lower(self) -> &'static str {
        match self {
            Self::Traces => "traces",
            Self::Metrics => "metrics",
            Self::Logs => "logs",
        }
    }
}

/// The OTLP transport.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Protocol {
    /// OTLP/gRPC (default port 4317).
    Grpc,
    /// OTLP/HTTP with protobuf bodies (default port 4318).
    HttpProtobuf,
}

impl Protocol {
    /// The spec's name for it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Grpc => "grpc",
            Self::HttpProtobuf => "http/protobuf",
        }
    }
}

/// Where one signal goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Destination {
    /// The transport.
    pub protocol: Protocol,
    /// The full URL: for OTLP/HTTP with the signal's path (`/v1/traces`).
    pub endpoint: String,
    /// Headers every export carries (`OTEL_EXPORTER_OTLP_HEADERS`).
    pub headers: http::HeaderMap,
    /// How long one export may take (`OTEL_EXPORTER_OTLP_TIMEOUT`).
    pub timeout: std::time::Duration,
}

/// A variable that does not say something weft can use.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{variable}={value:?} {problem}; {hint}")]
pub struct ExportConfigError {
    /// The variable.
    pub variable: String,
    /// Its value.
    pub value: String,
    /// What is wrong with it.
    pub problem: &'static str,
    /// What to set instead.
    pub hint: &'static str,
}

/// Where traces and metrics are exported, if anywhere.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExportConfig {
    /// Spans' destination.
    pub traces: Option<Destination>,
    /// Metrics' destination.
    pub metrics: Option<Destination>,
    /// Log records' destination.
    pub logs: Option<Destination>,
}

impl ExportConfig {
    /// Reads the configuration through `lookup` (the environment, in a process).
    pub fn read(lookup: &dyn Fn(&str) -> Option<String>) -> Result<Self, ExportConfigError> {
        Ok(Self {
            traces: destination(lookup, Signal::Traces)?,
            metrics: destination(lookup, Signal::Metrics)?,
            logs: destination(lookup, Signal::Logs)?,
        })
    }
}

/// Where `signal` goes: its own endpoint, else the shared one (with the signal's path for
/// OTLP/HTTP), else the default one when a wasmCloud switch turns it on, else nowhere.
fn destination(
    lookup: &dyn Fn(&str) -> Option<String>,
    signal: Signal,
) -> Result<Option<Destination>, ExportConfigError> {
    let set = |name: &str| lookup(name).filter(|value| !value.trim().is_empty());
    let exporter = format!("OTEL_{}_EXPORTER", signal.upper());
    if set(&exporter).is_some_and(|value| value.trim().eq_ignore_ascii_case("none")) {
        return Ok(None);
    }
    let protocol = protocol(lookup, signal)?;
    let own = format!("OTEL_EXPORTER_OTLP_{}_ENDPOINT", signal.upper());
    let endpoint = if let Some(url) = set(&own) {
        checked_url(&own, url)?
    } else if let Some(url) = set("OTEL_EXPORTER_OTLP_ENDPOINT") {
        let base = checked_url("OTEL_EXPORTER_OTLP_ENDPOINT", url)?;
        with_signal_path(base, protocol, signal)
    } else if switched_on(lookup, signal) {
        let base = match protocol {
            Protocol::Grpc => "http://127.0.0.1:4317",
            Protocol::HttpProtobuf => "http://127.0.0.1:4318",
        };
        with_signal_path(base.to_owned(), protocol, signal)
    } else {
        return Ok(None);
    };
    if protocol == Protocol::Grpc && endpoint.starts_with("https://") {
        return Err(ExportConfigError {
            variable: if set(&own).is_some() {
                own
            } else {
                "OTEL_EXPORTER_OTLP_ENDPOINT".to_owned()
            },
            value: endpoint,
            problem: "is an https:// endpoint, and weft speaks OTLP/gRPC without TLS",
            hint: "use OTLP/HTTP for a TLS collector (OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf and an https:// endpoint), or a collector's plain-text gRPC port (http://…:4317)",
        });
    }
    Ok(Some(Destination {
        protocol,
        endpoint,
        headers: read_headers(lookup, signal.upper())?,
        timeout: read_timeout(lookup, signal.upper())?,
    }))
}

/// The protocol of `signal`: its own variable, the shared one, wasmCloud's, else
/// `http/protobuf` (the spec's default).
fn protocol(
    lookup: &dyn Fn(&str) -> Option<String>,
    signal: Signal,
) -> Result<Protocol, ExportConfigError> {
    let own = format!("OTEL_EXPORTER_OTLP_{}_PROTOCOL", signal.upper());
    let candidates = [
        own.as_str(),
        "OTEL_EXPORTER_OTLP_PROTOCOL",
        "WASMCLOUD_OBSERVABILITY_PROTOCOL",
    ];
    let Some((variable, value)) = candidates.iter().find_map(|variable| {
        lookup(variable)
            .filter(|value| !value.trim().is_empty())
            .map(|value| (*variable, value))
    }) else {
        return Ok(Protocol::HttpProtobuf);
    };
    match value.trim().to_ascii_lowercase().as_str() {
        "grpc" => Ok(Protocol::Grpc),
        "http/protobuf" | "http" => Ok(Protocol::HttpProtobuf),
        "http/json" => Err(ExportConfigError {
            variable: variable.to_owned(),
            value,
            problem: "is not supported by weft",
            hint: "use http/protobuf (port 4318) or grpc (port 4317); every OpenTelemetry collector takes both",
        }),
        _ => Err(ExportConfigError {
            variable: variable.to_owned(),
            value,
            problem: "is not an OTLP protocol",
            hint: "use http/protobuf or grpc",
        }),
    }
}

/// Whether wasmCloud's switches turn `signal` on: `WASMCLOUD_{TRACES,METRICS,LOGS}_ENABLED` when
/// set, else `WASMCLOUD_OBSERVABILITY_ENABLED` (all signals).
fn switched_on(lookup: &dyn Fn(&str) -> Option<String>, signal: Signal) -> bool {
    let switch = |name: &str| {
        lookup(name).map(|value| {
            matches!(
                value.trim().to_ascii_lowercase().as_str(),
                "true" | "1" | "yes" | "on"
            )
        })
    };
    switch(&format!("WASMCLOUD_{}_ENABLED", signal.upper()))
        .or_else(|| switch("WASMCLOUD_OBSERVABILITY_ENABLED"))
        .unwrap_or(false)
}

/// `url` when it is an absolute `http`/`https` URL with a host.
fn checked_url(variable: &str, url: String) -> Result<String, ExportConfigError> {
    let trimmed = url.trim();
    let parsed = trimmed.parse::<http::Uri>().ok();
    let usable = parsed.as_ref().is_some_and(|uri| {
        matches!(uri.scheme_str(), Some("http" | "https")) && uri.host().is_some()
    });
    if usable {
        Ok(trimmed.to_owned())
    } else {
        Err(ExportConfigError {
            variable: variable.to_owned(),
            value: url,
            problem: "is not an http:// or https:// URL with a host",
            hint: "give the collector's URL with scheme, host and port, e.g. http://127.0.0.1:4318 (http/protobuf) or http://127.0.0.1:4317 (grpc)",
        })
    }
}

/// OTLP/HTTP's per-signal path appended to a shared endpoint (`.../v1/traces`); gRPC
/// endpoints are used as they are.
fn with_signal_path(base: String, protocol: Protocol, signal: Signal) -> String {
    match protocol {
        Protocol::Grpc => base,
        Protocol::HttpProtobuf => format!("{}/v1/{}", base.trim_end_matches('/'), signal.lower()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(pairs: &[(&str, &str)]) -> Result<ExportConfig, ExportConfigError> {
        let lookup = |name: &str| {
            pairs
                .iter()
                .find(|(key, _)| *key == name)
                .map(|(_, value)| (*value).to_owned())
        };
        ExportConfig::read(&lookup)
    }

    fn http(endpoint: &str) -> Option<Destination> {
        Some(Destination {
            protocol: Protocol::HttpProtobuf,
            endpoint: endpoint.to_owned(),
            headers: http::HeaderMap::new(),
            timeout: std::time::Duration::from_secs(10),
        })
    }

    #[test]
    fn nothing_set_exports_nothing() {
        assert_eq!(read(&[]), Ok(ExportConfig::default()));
    }

    #[test]
    fn the_shared_endpoint_gets_each_signals_path_and_a_signals_own_wins() {
        let config = read(&[
            ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318/"),
            ("OTEL_EXPORTER_OTLP_METRICS_ENDPOINT", "http://other:9000/m"),
        ]);
        assert_eq!(
            config,
            Ok(ExportConfig {
                traces: http("http://collector:4318/v1/traces"),
                metrics: http("http://other:9000/m"),
                logs: http("http://collector:4318/v1/logs"),
            })
        );
    }

    #[test]
    fn grpc_endpoints_stay_as_given_and_exporter_none_turns_a_signal_off() {
        let config = read(&[
            ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4317"),
            ("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"),
            ("OTEL_METRICS_EXPORTER", "none"),
            ("OTEL_LOGS_EXPORTER", "none"),
        ]);
        assert_eq!(
            config,
            Ok(ExportConfig {
                traces: Some(Destination {
                    protocol: Protocol::Grpc,
                    endpoint: "http://collector:4317".into(),
                    headers: http::HeaderMap::new(),
                    timeout: std::time::Duration::from_secs(10),
                }),
                metrics: None,
                logs: None,
            })
        );
    }

    #[test]
    fn wasmclouds_switches_export_to_the_default_collector() {
        let config = read(&[("WASMCLOUD_OBSERVABILITY_ENABLED", "true")]);
        assert_eq!(
            config,
            Ok(ExportConfig {
                traces: http("http://127.0.0.1:4318/v1/traces"),
                metrics: http("http://127.0.0.1:4318/v1/metrics"),
                logs: http("http://127.0.0.1:4318/v1/logs"),
            })
        );
        let traces_only = read(&[
            ("WASMCLOUD_TRACES_ENABLED", "true"),
            ("WASMCLOUD_OBSERVABILITY_PROTOCOL", "grpc"),
        ]);
        assert_eq!(
            traces_only.map(|config| (config.traces.map(|d| d.endpoint), config.metrics)),
            Ok((Some("http://127.0.0.1:4317".to_owned()), None))
        );
        let metrics_only = read(&[
            ("WASMCLOUD_OBSERVABILITY_ENABLED", "1"),
            ("WASMCLOUD_TRACES_ENABLED", "false"),
        ]);
        assert_eq!(
            metrics_only.map(|config| (config.traces, config.metrics.is_some())),
            Ok((None, true))
        );
    }

    #[test]
    fn bad_values_name_the_variable_and_what_to_set() {
        let error = read(&[("OTEL_EXPORTER_OTLP_ENDPOINT", "collector:4318")])
            .err()
            .map(|error| error.to_string())
            .unwrap_or_default();
        assert!(
            error.starts_with("OTEL_EXPORTER_OTLP_ENDPOINT=\"collector:4318\""),
            "{error}"
        );
        assert!(error.contains("http://127.0.0.1:4318"), "{error}");
        let error = read(&[
            ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4318"),
            ("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "http/json"),
        ])
        .err()
        .map(|error| error.to_string())
        .unwrap_or_default();
        assert!(
            error.contains("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL"),
            "{error}"
        );
        assert!(error.contains("http/protobuf"), "{error}");
    }
}
