//! One scaler or link of a deployed application as the API shows it: what wadm lists as an
//! app's scalers, so `app status` and wadm's clients see which part stands in the way.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use weft_manager::{Part, PartStatus};

/// One goal of a deployed application and where it stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartView {
    /// Stable while the goal stays the same: a hash of the app and what the goal keeps
    /// (kind, id or link, image); a new image is a new goal, as in wadm.
    pub id: String,
    /// wadm's scaler kind: `SpreadScaler`, `DaemonScaler` or `LinkScaler`.
    pub kind: String,
    /// The component or capability id, or the link as `SOURCE -(NAMESPACE:PACKAGE)-> TARGET`.
    pub name: String,
    /// `deployed`, `reconciling` or `failed`.
    pub status: String,
    /// What stands in its way, if anything.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reasons: Vec<String>,
}

impl PartView {
    /// `status` of a part of application `app`.
    pub fn new(app: &str, status: &PartStatus) -> Self {
        let (kind, name, identity) = describe(&status.part);
        Self {
            id: goal_id(&[kind, app, &name, &identity]),
            kind: kind.to_owned(),
            name,
            status: status.state.as_str().to_owned(),
            reasons: status.reasons.iter().map(ToString::to_string).collect(),
        }
    }
}

/// wadm's kind, the name it shows and what else makes the goal this one.
fn describe(part: &Part) -> (&'static str, String, String) {
    match part {
        Part::Workload {
            id, image, daemon, ..
        } => {
            let kind = if *daemon {
                "DaemonScaler"
            } else {
                "SpreadScaler"
            };
            (kind, id.clone(), image.clone())
        }
        Part::Link {
            source_id,
            target_id,
            namespace,
            package,
            name,
            ..
        } => (
            "LinkScaler",
            format!("{source_id} -({namespace}:{package})-> {target_id}"),
            name.clone(),
        ),
    }
}

/// Lowercase hex SHA-256 of `parts`, each ended by a zero byte so no two lists collide.
fn goal_id(parts: &[&str]) -> String {
    let mut hasher = Sha256::new();
    for part in parts {
        hasher.update(part.as_bytes());
        hasher.update([0]);
    }
    hex::encode(hasher.finalize())
}

#[cfg(test)]
mod tests {
    use super::*;
    use weft_manager::{AppState, Blocker};

    fn workload(image: &str, daemon: bool) -> PartStatus {
        PartStatus {
            part: Part::Workload {
                id: "shop-api".to_owned(),
                image: image.to_owned(),
                daemon,
                configs: Vec::new(),
            },
            state: AppState::Failed,
            reasons: vec![Blocker::NoHosts {
                workload: "api".to_owned(),
            }],
        }
    }

    #[test]
    fn a_workload_shows_its_scaler_kind_id_and_reasons() {
        let view = PartView::new("shop", &workload("file:///a.wasm", true));
        assert_eq!(view.kind, "DaemonScaler");
        assert_eq!(view.name, "shop-api");
        assert_eq!(view.status, "failed");
        assert_eq!(
            view.reasons,
            ["`api` has nowhere to run: the lattice has no hosts"]
        );
        assert_eq!(view.id.len(), 64);
    }

    #[test]
    fn the_id_changes_with_the_goal_and_only_with_it() {
        let first = PartView::new("shop", &workload("file:///a.wasm", false));
        let again = PartView::new("shop", &workload("file:///a.wasm", false));
        let new_image = PartView::new("shop", &workload("file:///b.wasm", false));
        let other_app = PartView::new("shop2", &workload("file:///a.wasm", false));
        assert_eq!(first.id, again.id);
        assert_ne!(first.id, new_image.id);
        assert_ne!(first.id, other_app.id);
    }

    #[test]
    fn a_link_is_named_as_wadm_names_it() {
        let status = PartStatus {
            part: Part::Link {
                source_id: "shop-api".to_owned(),
                target_id: "shop-kv".to_owned(),
                namespace: "wasi".to_owned(),
                package: "keyvalue".to_owned(),
                name: "default".to_owned(),
                configs: Vec::new(),
            },
            state: AppState::Deployed,
            reasons: Vec::new(),
        };
        let view = PartView::new("shop", &status);
        assert_eq!(view.kind, "LinkScaler");
        assert_eq!(view.name, "shop-api -(wasi:keyvalue)-> shop-kv");
        assert_eq!(view.status, "deployed");
    }
}
