//! What an application's components hit on their hosts (timeouts, memory limits, turned-away
//! invocations, traps), as `app status` shows it: each with the limit in effect and how to
//! raise it.

use std::collections::BTreeMap;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use weft_lattice::LimitsInEffect;
use weft_runtime::mib_text;

/// How many invocations of one component on one host hit one limit (or trapped).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LimitHit {
    /// The component id.
    pub component: String,
    /// The host it runs on.
    pub host: String,
    /// `timeout`, `memory`, `max-concurrency` or `trap`.
    pub limit: String,
    /// The limit in effect (`10s`, `64 MiB`, `4`); absent for traps.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    /// How many invocations hit it since the component last started on the host.
    pub count: u64,
    /// What to do about it.
    pub hint: String,
}

impl std::fmt::Display for LimitHit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let what = match (self.limit.as_str(), &self.value) {
            ("timeout", Some(value)) => format!("ran past its {value} timeout"),
            ("memory", Some(value)) => format!("asked for more than its {value} memory"),
            ("max-concurrency", Some(value)) => {
                format!("were turned away at its max-concurrency of {value}")
            }
            _ => "trapped".to_owned(),
        };
        write!(
            f,
            "{}: {} invocation{} on host {} {what}; {}",
            self.component,
            self.count,
            if self.count == 1 { "" } else { "s" },
            self.host,
            self.hint
        )
    }
}

/// The hits of one component on one host, one entry per limit it hit.
pub(crate) fn hits_of(component: &str, host: &str, limits: &LimitsInEffect) -> Vec<LimitHit> {
    let hit = |limit: &str, value: Option<String>, count: u64, hint: &str| LimitHit {
        component: component.to_owned(),
        host: host.to_owned(),
        limit: limit.to_owned(),
        value,
        count,
        hint: hint.to_owned(),
    };
    let candidates = [
        hit(
            "timeout",
            Some(humantime::format_duration(Duration::from_millis(limits.timeout_ms)).to_string()),
            limits.timeouts,
            "raise `timeout` in the application's limits.weft.dev/v1alpha1 policy, or --deadline on the host for every component",
        ),
        hit(
            "memory",
            Some(mib_text(limits.memory_bytes)),
            limits.memory_hits,
            "raise `memory` in the application's limits.weft.dev/v1alpha1 policy (up to the host's --memory-limit)",
        ),
        hit(
            "max-concurrency",
            limits.max_concurrency.map(|max| max.to_string()),
            limits.denied,
            "raise `max-concurrency` in the application's limits.weft.dev/v1alpha1 policy, or run the component on more hosts",
        ),
        hit(
            "trap",
            None,
            limits.traps,
            "a fault in the component (a panic, an out-of-bounds access); the host's log has each one with its trace id",
        ),
    ];
    candidates.into_iter().filter(|hit| hit.count > 0).collect()
}

/// Hits by application, from each host's components (`(host, component, app, limits)`).
pub(crate) fn by_app<'a>(
    components: impl IntoIterator<Item = (&'a str, &'a str, &'a str, &'a LimitsInEffect)>,
) -> BTreeMap<String, Vec<LimitHit>> {
    let mut by_app: BTreeMap<String, Vec<LimitHit>> = BTreeMap::new();
    for (host, component, app, limits) in components {
        if limits.any_hit() {
            by_app
                .entry(app.to_owned())
                .or_default()
                .extend(hits_of(component, host, limits));
        }
    }
    by_app
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_limit_hit_names_the_limit_in_effect_and_how_to_raise_it() {
        let limits = LimitsInEffect {
            memory_bytes: 64 << 20,
            timeout_ms: 1500,
            max_concurrency: Some(4),
            timeouts: 3,
            memory_hits: 1,
            traps: 0,
            denied: 7,
        };
        let lines: Vec<String> = hits_of("api", "h1", &limits)
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(lines.len(), 3, "{lines:?}");
        assert!(
            lines[0].starts_with(
                "api: 3 invocations on host h1 ran past its 1s 500ms timeout; raise `timeout`"
            ),
            "{}",
            lines[0]
        );
        assert!(
            lines[1].starts_with(
                "api: 1 invocation on host h1 asked for more than its 64 MiB memory; raise `memory`"
            ),
            "{}",
            lines[1]
        );
        assert!(lines[2].starts_with("api: 7 invocations on host h1 were turned away at its max-concurrency of 4; raise `max-concurrency`"), "{}", lines[2]);
    }

    #[test]
    fn components_that_hit_nothing_leave_their_app_out() {
        let quiet = LimitsInEffect {
            memory_bytes: 256 << 20,
            timeout_ms: 10_000,
            ..LimitsInEffect::default()
        };
        let trapped = LimitsInEffect { traps: 2, ..quiet };
        let by_app = by_app([
            ("h1", "web", "shop", &quiet),
            ("h1", "worker", "jobs", &trapped),
        ]);
        assert_eq!(by_app.keys().collect::<Vec<_>>(), ["jobs"]);
        assert_eq!(by_app["jobs"][0].limit, "trap");
        assert_eq!(by_app["jobs"][0].value, None);
    }
}
