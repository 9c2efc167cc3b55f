//! Limits per component, from `spec.policies` entries of type [`LIMITS_POLICY_TYPE`].
//!
//! wadm refuses unknown component properties and custom traits but accepts a policy of any
//! type (it checks only the ones secrets name), so a policy is where a manifest that wadm
//! still accepts can carry them:
//!
//! ```yaml
//! policies:
//!   - name: small
//!     type: limits.weft.dev/v1alpha1
//!     properties:
//!       components: api, worker   # default: every component of the application
//!       memory: 64MiB
//!       timeout: 5s
//!       max-concurrency: "16"
//! ```

use std::collections::HashMap;
use std::time::Duration;

use crate::model::{CapabilityOrComponent, Manifest, Policy};
use crate::node::escape_token;
use crate::suggest::did_you_mean;

/// The policy type that sets limits.
pub const LIMITS_POLICY_TYPE: &str = "limits.weft.dev/v1alpha1";

/// The properties a limits policy may have.
const PROPERTIES: &[&str] = &["components", "memory", "timeout", "max-concurrency"];

/// What a limits policy sets for a component; `None` leaves the host's default.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ComponentLimits {
    /// Largest linear memory one instance may grow to, in bytes.
    pub memory_bytes: Option<u64>,
    /// Longest one invocation may run.
    pub timeout: Option<Duration>,
    /// Most invocations running at once on one host.
    pub max_concurrency: Option<u32>,
}

impl ComponentLimits {
    /// Whether it sets nothing.
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }
}

/// One thing wrong in a manifest's limits policies: where, what, and how to fix it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LimitProblem {
    /// A JSON pointer to the policy or its property.
    pub pointer: String,
    /// What is wrong.
    pub message: String,
    /// How to fix it.
    pub hint: Option<String>,
}

impl std::fmt::Display for LimitProblem {
    /// `MESSAGE at POINTER; HINT`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} at {}", self.message, self.pointer)?;
        match &self.hint {
            Some(hint) => write!(f, "; {hint}"),
            None => Ok(()),
        }
    }
}

/// One property's problem, before it has a place.
struct PropertyProblem {
    /// The property (`memory`, …), or `None` for the policy as a whole.
    property: Option<String>,
    message: String,
    hint: Option<String>,
}

/// A limits policy, read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct LimitsPolicy {
    /// The components it names; `None`: every component of the application.
    components: Option<Vec<String>>,
    limits: ComponentLimits,
}

impl LimitsPolicy {
    /// Whether it applies to the component named `name`.
    pub fn covers(&self, name: &str) -> bool {
        self.components
            .as_ref()
            .is_none_or(|names| names.iter().any(|named| named == name))
    }
}

/// Reads `policy`'s properties; what cannot be read is left unset and said in the problems.
fn read_policy(policy: &Policy) -> (LimitsPolicy, Vec<PropertyProblem>) {
    let mut read = LimitsPolicy::default();
    let mut problems = Vec::new();
    for (key, value) in &policy.properties {
        let outcome = match key.as_str() {
            "components" => {
                read.components = Some(component_names(value));
                Ok(())
            }
            "memory" => parse_memory(value).map(|bytes| read.limits.memory_bytes = Some(bytes)),
            "timeout" => parse_timeout(value).map(|timeout| read.limits.timeout = Some(timeout)),
            "max-concurrency" => parse_concurrency(value)
                .map(|concurrency| read.limits.max_concurrency = Some(concurrency)),
            unknown => Err((
                format!("a limits policy has no property `{unknown}`"),
                did_you_mean(unknown, PROPERTIES.iter().copied())
                    .or_else(|| Some(format!("the properties are {}", PROPERTIES.join(", ")))),
            )),
        };
        if let Err((message, hint)) = outcome {
            problems.push(PropertyProblem {
                property: Some(key.clone()),
                message,
                hint,
            });
        }
    }
    if read.limits.is_empty() && problems.is_empty() {
        problems.push(PropertyProblem {
            property: None,
            message: format!("limits policy `{}` sets no limit", policy.name),
            hint: Some("set `memory`, `timeout` or `max-concurrency`".into()),
        });
    }
    (read, problems)
}

/// The component names of a `components` property: separated by commas or spaces.
fn component_names(value: &str) -> Vec<String> {
    value
        .split([',', ' '])
        .filter(|name| !name.is_empty())
        .map(str::to_owned)
        .collect()
}

/// A property's value that cannot be read: the message and a hint.
type Unreadable = (String, Option<String>);

fn parse_memory(value: &str) -> Result<u64, Unreadable> {
    match crate::units::parse_size(value) {
        Ok(0) | Err(_) => Err((
            format!("`memory: {value}` is not a positive size"),
            Some("write e.g. 64MiB or 1GiB".into()),
        )),
        Ok(bytes) => Ok(u64::try_from(bytes).unwrap_or(u64::MAX)),
    }
}

fn parse_timeout(value: &str) -> Result<Duration, Unreadable> {
    crate::units::parse_duration(value).map_err(|_| {
        (
            format!("`timeout: {value}` is not a positive duration"),
            Some("write e.g. 500ms, 5s or 2m".into()),
        )
    })
}

fn parse_concurrency(value: &str) -> Result<u32, Unreadable> {
    match value.trim().parse::<u32>() {
        Ok(0) | Err(_) => Err((
            format!("`max-concurrency: {value}` is not a positive whole number"),
            Some("write e.g. '16' (quoted: policy properties are text)".into()),
        )),
        Ok(concurrency) => Ok(concurrency),
    }
}

impl Manifest {
    /// The limits the manifest's limits policies set for the component named `name` (none
    /// set: the host's defaults). A valid manifest names each component in at most one.
    pub fn limits_of(&self, name: &str) -> ComponentLimits {
        self.limits_policies()
            .map(|(_, policy)| read_policy(policy).0)
            .find(|policy| policy.covers(name))
            .map(|policy| policy.limits)
            .unwrap_or_default()
    }

    /// What is wrong in its limits policies: unreadable properties, names that are not its
    /// components, a component under two policies. wadm accepts all of it, so loading only
    /// warns; a deploy is blocked until they are fixed.
    pub fn limit_problems(&self) -> Vec<LimitProblem> {
        let components = self.component_names();
        let mut governed: HashMap<&str, usize> = HashMap::new();
        let mut problems = Vec::new();
        for (index, policy) in self.limits_policies() {
            let pointer = format!("/spec/policies/{index}/properties");
            let (read, unreadable) = read_policy(policy);
            problems.extend(unreadable.into_iter().map(|problem| LimitProblem {
                pointer: match &problem.property {
                    Some(property) => format!("{pointer}/{}", escape_token(property)),
                    None => pointer.clone(),
                },
                message: problem.message,
                hint: problem.hint,
            }));
            for name in read.components.iter().flatten() {
                if !components.contains(&name.as_str()) {
                    problems.push(LimitProblem {
                        pointer: format!("{pointer}/components"),
                        message: format!(
                            "limits policy `{}` names `{name}`, which is not a component of this application",
                            policy.name
                        ),
                        hint: did_you_mean(name, components.iter().copied())
                            .or_else(|| Some(format!("the components are {}", components.join(", ")))),
                    });
                }
            }
            for name in components.iter().copied().filter(|name| read.covers(name)) {
                if let Some(first) = governed.insert(name, index) {
                    problems.push(LimitProblem {
                        pointer: pointer.clone(),
                        message: format!(
                            "component `{name}` is already limited by /spec/policies/{first}"
                        ),
                        hint: Some(
                            "name each component in one limits policy (`components: a, b`)".into(),
                        ),
                    });
                }
            }
        }
        problems
    }

    /// Its limits policies, with their index in `spec.policies`.
    fn limits_policies(&self) -> impl Iterator<Item = (usize, &Policy)> {
        self.spec
            .policies
            .iter()
            .enumerate()
            .filter(|(_, policy)| policy.policy_type == LIMITS_POLICY_TYPE)
    }

    /// The names of its components (not capabilities), in order.
    fn component_names(&self) -> Vec<&str> {
        self.spec
            .components
            .iter()
            .filter(|component| component.kind == CapabilityOrComponent::Component)
            .map(|component| component.name.as_str())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An application with components `api` and `worker`, a capability `server`, and
    /// `policies` (YAML list items, indented for `spec.policies`).
    fn app(policies: &str) -> Manifest {
        let text = format!(
            r#"apiVersion: core.oam.dev/v1beta1
kind: Application
metadata: {{name: limited, annotations: {{}}}}
spec:
  policies:
{policies}
  components:
    - name: api
      type: component
      properties: {{image: file://./api.wasm}}
    - name: worker
      type: component
      properties: {{image: file://./worker.wasm}}
    - name: server
      type: capability
      properties: {{image: weft+builtin://http-server}}
"#
        );
        match crate::load("limited.yaml", &text) {
            Ok(loaded) => loaded.manifest,
            Err(diagnostics) => panic!("{diagnostics:?}"),
        }
    }

    #[test]
    fn a_policy_limits_the_components_it_names_or_every_component() {
        let manifest = app(r#"    - name: small
      type: limits.weft.dev/v1alpha1
      properties: {components: api, memory: 64MiB, timeout: 1500ms, max-concurrency: "4"}
    - name: rest
      type: limits.weft.dev/v1alpha1
      properties: {components: worker, timeout: 2m}"#);
        assert!(
            manifest.limit_problems().is_empty(),
            "{:?}",
            manifest.limit_problems()
        );
        assert_eq!(
            manifest.limits_of("api"),
            ComponentLimits {
                memory_bytes: Some(64 << 20),
                timeout: Some(Duration::from_millis(1500)),
                max_concurrency: Some(4),
            }
        );
        assert_eq!(
            manifest.limits_of("worker").timeout,
            Some(Duration::from_secs(120))
        );
        assert!(manifest.limits_of("server").is_empty());

        let everyone =
            app(r#"    - {name: all, type: limits.weft.dev/v1alpha1, properties: {memory: 1GiB}}"#);
        assert_eq!(everyone.limits_of("worker").memory_bytes, Some(1 << 30));
        assert_eq!(everyone.limits_of("api").memory_bytes, Some(1 << 30));
    }

    #[test]
    fn problems_name_the_property_and_how_to_fix_it_and_loading_only_warns() {
        let manifest = app(r#"    - name: small
      type: limits.weft.dev/v1alpha1
      properties: {components: "api, wroker", memory: lots, timout: 5s, max-concurrency: "0"}
    - {name: again, type: limits.weft.dev/v1alpha1, properties: {components: api, timeout: 1s}}
    - {name: empty, type: limits.weft.dev/v1alpha1, properties: {components: worker}}
    - {name: secrets, type: policy.secret.wasmcloud.dev/v1alpha1, properties: {backend: weft}}"#);
        let problems = manifest.limit_problems();
        let find = |pointer: &str, words: &str| {
            problems
                .iter()
                .find(|problem| problem.pointer == pointer && problem.message.contains(words))
                .unwrap_or_else(|| panic!("no `{words}` at {pointer} in {problems:#?}"))
        };
        let memory = find(
            "/spec/policies/0/properties/memory",
            "`memory: lots` is not a positive size",
        );
        assert_eq!(memory.hint.as_deref(), Some("write e.g. 64MiB or 1GiB"));
        let typo = find("/spec/policies/0/properties/timout", "no property `timout`");
        assert_eq!(typo.hint.as_deref(), Some("did you mean `timeout`?"));
        find(
            "/spec/policies/0/properties/max-concurrency",
            "not a positive whole number",
        );
        let stranger = find(
            "/spec/policies/0/properties/components",
            "`wroker`, which is not a component",
        );
        assert_eq!(stranger.hint.as_deref(), Some("did you mean `worker`?"));
        find(
            "/spec/policies/1/properties",
            "`api` is already limited by /spec/policies/0",
        );
        find(
            "/spec/policies/2/properties",
            "limits policy `empty` sets no limit",
        );
        assert_eq!(problems.len(), 6, "{problems:#?}");
        assert_eq!(
            manifest.limits_of("api").timeout,
            None,
            "the first policy naming `api` decides, with what it could read"
        );
    }
}
