//! The control interface's JSON, shaped like wasmCloud 1.x's (`CtlResponse`, `Host`,
//! `HostInventory`, `Link`), so its clients can read a weft lattice.

use std::collections::BTreeMap;

use crate::Retry;
use crate::command::ComponentLimits;
use serde::{Deserialize, Serialize};

/// Every reply: `{success, message, response?}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CtlResponse {
    /// Whether the request was carried out.
    pub success: bool,
    /// Why not, or an empty string.
    pub message: String,
    /// What was asked for, if anything.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response: Option<serde_json::Value>,
    /// On a failed command (weft's own `weft.execute`), whether retrying may help; left out
    /// when it may, so wasmCloud's replies keep their shape.
    #[serde(default, skip_serializing_if = "Retry::is_soon")]
    pub retry: Retry,
}

impl CtlResponse {
    /// Success carrying `response`.
    pub fn ok(response: impl Serialize) -> Self {
        Self {
            success: true,
            message: String::new(),
            response: serde_json::to_value(response).ok(),
            retry: Retry::Soon,
        }
    }

    /// Success with nothing to return.
    pub fn done() -> Self {
        Self {
            success: true,
            message: String::new(),
            response: None,
            retry: Retry::Soon,
        }
    }

    /// Failure, saying why.
    pub fn failed(message: impl Into<String>) -> Self {
        Self {
            success: false,
            message: message.into(),
            response: None,
            retry: Retry::Soon,
        }
    }

    /// A command that failed with `error`, saying whether retrying may help.
    pub fn command_failed(error: &impl crate::CommandError) -> Self {
        Self {
            retry: error.retry(),
            ..Self::failed(error.to_string())
        }
    }
}

/// A host as `host.ping` describes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HostSummary {
    /// Host id.
    pub id: String,
    /// A name for people (weft uses the id).
    pub friendly_name: String,
    /// Its labels.
    pub labels: BTreeMap<String, String>,
    /// The lattice it is in.
    pub lattice: String,
    /// The weft version it runs.
    pub version: String,
    /// Seconds since it started.
    pub uptime_seconds: u64,
    /// The same for people (`1h 2m 3s`).
    pub uptime_human: String,
}

/// What `host.get.{id}` answers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HostInventory {
    /// Host id.
    pub host_id: String,
    /// A name for people.
    pub friendly_name: String,
    /// Its labels.
    pub labels: BTreeMap<String, String>,
    /// The weft version it runs.
    pub version: String,
    /// Seconds since it started.
    pub uptime_seconds: u64,
    /// The same for people.
    pub uptime_human: String,
    /// Components it runs.
    pub components: Vec<ComponentDescription>,
    /// Capabilities it runs (wasmCloud's providers).
    pub providers: Vec<ProviderDescription>,
}

/// The annotation naming the application a component or capability runs for (absent for
/// what runs by hand).
pub const APP_ANNOTATION: &str = "weft.app";

/// A running component.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ComponentDescription {
    /// Component id.
    pub id: String,
    /// Its image.
    pub image_ref: String,
    /// Its name (the id).
    pub name: String,
    /// The application that runs it.
    pub annotations: BTreeMap<String, String>,
    /// Its instance budget on the host.
    pub max_instances: usize,
    /// Always 0 (weft components carry no claims revision).
    pub revision: u64,
    /// The limits it runs under and what of them it hit (weft's own; wasmCloud's clients
    /// ignore the field).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weft_limits: Option<LimitsInEffect>,
}

/// The limits a component runs under on a host, and how often its invocations there hit
/// them (since it last started there).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LimitsInEffect {
    /// Largest memory one instance may grow to, in bytes.
    pub memory_bytes: u64,
    /// Longest one invocation may run, in milliseconds.
    pub timeout_ms: u64,
    /// Most invocations at once; absent: no bound.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_concurrency: Option<u32>,
    /// Invocations that ran past `timeout_ms`.
    #[serde(default)]
    pub timeouts: u64,
    /// Invocations that asked for more than `memory_bytes`.
    #[serde(default)]
    pub memory_hits: u64,
    /// Invocations that trapped.
    #[serde(default)]
    pub traps: u64,
    /// Invocations turned away at `max_concurrency`.
    #[serde(default)]
    pub denied: u64,
}

/// The limits one component of an application runs under on one host and what of them it
/// hit, as the host's last heartbeat said.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ComponentLimitsReport {
    /// The host.
    pub host_id: String,
    /// The component.
    pub component_id: String,
    /// The application running it.
    pub app: String,
    /// Its limits and hits.
    pub limits: LimitsInEffect,
}

impl ComponentLimitsReport {
    /// The reports in `inventory` (a heartbeat) for components applications run.
    pub fn from_inventory(inventory: &HostInventory) -> Vec<Self> {
        inventory
            .components
            .iter()
            .filter_map(|component| {
                Some(Self {
                    host_id: inventory.host_id.clone(),
                    component_id: component.id.clone(),
                    app: component.annotations.get(APP_ANNOTATION)?.clone(),
                    limits: component.weft_limits?,
                })
            })
            .collect()
    }
}

impl LimitsInEffect {
    /// Whether any invocation hit a limit or trapped.
    pub fn any_hit(&self) -> bool {
        [self.timeouts, self.memory_hits, self.traps, self.denied]
            .iter()
            .any(|&count| count > 0)
    }
}

/// A running capability.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProviderDescription {
    /// Capability id.
    pub id: String,
    /// Its image.
    pub image_ref: String,
    /// Its name (the id).
    pub name: String,
    /// The application that runs it.
    pub annotations: BTreeMap<String, String>,
    /// Always 0.
    pub revision: u64,
}

/// A link as `link.put` takes it and `link.get` lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Link {
    /// The caller.
    pub source_id: String,
    /// The callee.
    pub target: String,
    /// The link name.
    #[serde(default = "default_link_name")]
    pub name: String,
    /// WIT namespace.
    pub wit_namespace: String,
    /// WIT package.
    pub wit_package: String,
    /// WIT interfaces.
    pub interfaces: Vec<String>,
    /// Config names for the caller's side.
    #[serde(default)]
    pub source_config: Vec<String>,
    /// Config names for the callee's side.
    #[serde(default)]
    pub target_config: Vec<String>,
}

fn default_link_name() -> String {
    "default".to_owned()
}

/// What `link.del` takes.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct LinkDelete {
    /// The caller.
    pub source_id: String,
    /// The link name.
    #[serde(default = "default_link_name")]
    pub name: String,
    /// WIT namespace.
    pub wit_namespace: String,
    /// WIT package.
    pub wit_package: String,
}

/// What `label.put.{id}` takes (`label.del.{id}` needs only the key).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct LabelChange {
    /// The label's key.
    pub key: String,
    /// Its value (for `label.put`).
    #[serde(default)]
    pub value: Option<String>,
}

/// What `component.scale.{id}` takes (wasmCloud's `ScaleComponentCommand`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ScaleComponent {
    /// The component's image (`file://…` or an OCI reference).
    pub component_ref: String,
    /// The id it runs under.
    pub component_id: String,
    /// How many instances may run at once; 0 stops it.
    #[serde(alias = "max_instances", alias = "max_concurrent")]
    pub count: u32,
    /// Names of the lattice's configs it reads.
    #[serde(default)]
    pub config: Vec<String>,
    /// Annotations (kept by wasmCloud; weft reads none).
    #[serde(default)]
    pub annotations: Option<BTreeMap<String, String>>,
    /// Whether a running component may change image.
    #[serde(default)]
    pub allow_update: bool,
    /// Limits, wasmCloud's way: `max_memory_limit` (bytes) and `max_execution_time`
    /// (seconds), as text.
    #[serde(default)]
    pub component_limits: Option<BTreeMap<String, String>>,
}

/// A `component_limits` value that is not a positive whole number.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`component_limits.{key}: {value}` is not a positive whole number of {unit}")]
pub struct BadComponentLimit {
    /// The key.
    pub key: String,
    /// Its value.
    pub value: String,
    /// What the number counts.
    pub unit: &'static str,
}

impl ScaleComponent {
    /// The limits its `component_limits` set. Keys other than wasmCloud's two are ignored, as
    /// wasmCloud does; a value of theirs that is not a whole number is refused.
    pub fn limits(&self) -> Result<ComponentLimits, BadComponentLimit> {
        let Some(map) = &self.component_limits else {
            return Ok(ComponentLimits::default());
        };
        let number = |key: &str, unit: &'static str| {
            map.get(key)
                .map(|value| {
                    value
                        .trim()
                        .parse::<u64>()
                        .ok()
                        .filter(|&number| number > 0)
                        .ok_or_else(|| BadComponentLimit {
                            key: key.to_owned(),
                            value: value.clone(),
                            unit,
                        })
                })
                .transpose()
        };
        Ok(ComponentLimits {
            memory_bytes: number("max_memory_limit", "bytes")?,
            timeout_ms: number("max_execution_time", "seconds")?
                .map(|seconds| seconds.saturating_mul(1000)),
            max_concurrency: None,
        })
    }
}

/// What `provider.start.{id}` takes (wasmCloud's `StartProviderCommand`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct StartProvider {
    /// The id it runs under.
    pub provider_id: String,
    /// Its image, which names one of weft's built-in capabilities.
    pub provider_ref: String,
    /// Names of the lattice's configs it reads.
    #[serde(default)]
    pub config: Vec<String>,
    /// Annotations (kept by wasmCloud; weft reads none).
    #[serde(default)]
    pub annotations: Option<BTreeMap<String, String>>,
}

/// What `provider.stop.{id}` takes.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct StopProvider {
    /// The capability's id.
    pub provider_id: String,
}

/// A control request body that is not what the request takes.
#[derive(Debug, thiserror::Error)]
#[error("the request body is not what this request takes ({source}); send JSON {shape}")]
pub struct BadCtlBody {
    /// The JSON the request takes.
    pub shape: String,
    /// Why the body is not that.
    #[source]
    pub source: serde_json::Error,
}

/// A request's JSON `body` as `T`, or an error showing the `shape` expected.
pub fn parse_ctl_body<T: serde::de::DeserializeOwned>(
    body: &[u8],
    shape: &str,
) -> Result<T, BadCtlBody> {
    serde_json::from_slice(body).map_err(|source| BadCtlBody {
        shape: shape.to_owned(),
        source,
    })
}

/// `1d 2h 3m 4s`, leaving out leading zero units.
pub fn human_uptime(seconds: u64) -> String {
    let (days, hours, minutes, seconds) = (
        seconds / 86_400,
        seconds / 3600 % 24,
        seconds / 60 % 60,
        seconds % 60,
    );
    let mut parts = Vec::new();
    for (value, unit) in [(days, "d"), (hours, "h"), (minutes, "m")] {
        if value > 0 || !parts.is_empty() {
            parts.push(format!("{value}{unit}"));
        }
    }
    parts.push(format!("{seconds}s"));
    parts.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uptime_reads_like_wasmcloud() {
        assert_eq!(human_uptime(5), "5s");
        assert_eq!(human_uptime(3723), "1h 2m 3s");
        assert_eq!(human_uptime(86_400 + 5), "1d 0h 0m 5s");
    }

    #[test]
    fn links_default_their_name() {
        let link: Link = serde_json::from_str(
            r#"{"source_id":"a","target":"b","wit_namespace":"wasi","wit_package":"http","interfaces":["incoming-handler"]}"#,
        )
        .unwrap();
        assert_eq!(link.name, "default");
        assert!(link.source_config.is_empty());
    }
}
