//! wadm's rule for explicit ids across applications: a deploy is refused when one of its
//! components or capabilities gives an explicit `id` that another deployed application already
//! gives explicitly. Default ids (`{app}-{component}`) carry the app's name and are not compared.

use weft_manifest::Manifest;

/// An explicit id another deployed application already runs.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "Component identifier '{id}' is already deployed in a different application '{owner}': undeploy it there (`weft app undeploy {owner}`) or give `{component}` another `id`"
)]
pub struct IdConflict {
    /// The id both ask for.
    pub id: String,
    /// The component or capability of the app being deployed that asks for it.
    pub component: String,
    /// The deployed application that has it.
    pub owner: String,
}

/// The explicit ids `manifest` gives, with the name of the component or capability giving
/// each.
pub fn explicit_ids(manifest: &Manifest) -> impl Iterator<Item = (&str, &str)> {
    manifest.spec.components.iter().filter_map(|component| {
        let id = component.properties.id.as_deref()?;
        Some((component.name.as_str(), id))
    })
}

/// The first explicit id of `staged` that one of `deployed` (other applications' deployed
/// manifests; `staged`'s own name is skipped) gives too.
pub fn find_id_conflict<'a>(
    staged: &Manifest,
    deployed: impl IntoIterator<Item = &'a Manifest>,
) -> Option<IdConflict> {
    let wanted: Vec<(&str, &str)> = explicit_ids(staged).collect();
    if wanted.is_empty() {
        return None;
    }
    deployed
        .into_iter()
        .filter(|other| other.name() != staged.name())
        .find_map(|other| {
            let (component, id) = wanted
                .iter()
                .find(|(_, id)| explicit_ids(other).any(|(_, taken)| taken == *id))?;
            Some(IdConflict {
                id: (*id).to_owned(),
                component: (*component).to_owned(),
                owner: other.name().to_owned(),
            })
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn manifest(name: &str, id: Option<&str>) -> Manifest {
        let id_line = id
            .map(|id| format!("\n        id: {id}"))
            .unwrap_or_default();
        let text = format!(
            "apiVersion: core.oam.dev/v1beta1
kind: Application
metadata:
  name: {name}
  annotations:
    version: v1
spec:
  components:
    - name: api
      type: component
      properties:
        image: file:///api.wasm{id_line}
"
        );
        weft_manifest::load("test.yaml", &text)
            .map(|loaded| loaded.manifest)
            .unwrap_or_else(|diagnostics| panic!("{diagnostics}"))
    }

    #[test]
    fn an_explicit_id_another_app_gives_is_a_conflict_naming_both() {
        let shop = manifest("shop", Some("api"));
        let conflict = find_id_conflict(&manifest("store", Some("api")), [&shop]);
        assert_eq!(
            conflict,
            Some(IdConflict {
                id: "api".to_owned(),
                component: "api".to_owned(),
                owner: "shop".to_owned(),
            })
        );
        let text = conflict.map(|c| c.to_string()).unwrap_or_default();
        assert!(text.contains("weft app undeploy shop"), "{text}");
    }

    #[test]
    fn its_own_other_version_default_ids_and_other_ids_are_no_conflict() {
        let shop = manifest("shop", Some("api"));
        assert_eq!(
            find_id_conflict(&manifest("shop", Some("api")), [&shop]),
            None
        );
        assert_eq!(find_id_conflict(&manifest("store", None), [&shop]), None);
        assert_eq!(
            find_id_conflict(&manifest("store", Some("other")), [&shop]),
            None
        );
        let default_shop = manifest("shop", None);
        assert_eq!(
            find_id_conflict(&manifest("store", Some("shop-api")), [&default_shop]),
            None
        );
    }
}
