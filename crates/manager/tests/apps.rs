//! Stored applications over the embedded store: versions, deploy, undeploy, delete, history.

#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests fail loudly.

use weft_lattice::EmbeddedStore;
use weft_manager::{Action, AppStore, AppStoreError};

fn manifest(version: Option<&str>, image: &str) -> String {
    let annotations = version.map_or_else(|| "{}".to_owned(), |v| format!("{{version: \"{v}\"}}"));
    format!(
        "apiVersion: core.oam.dev/v1beta1\nkind: Application\nmetadata:\n  name: shop\n  annotations: {annotations}\nspec:\n  components:\n    - name: web\n      type: component\n      properties: {{image: \"{image}\"}}\n      traits: [{{type: spreadscaler, properties: {{instances: 1}}}}]\n"
    )
}

fn store(dir: &tempfile::TempDir) -> AppStore<EmbeddedStore> {
    AppStore::new(EmbeddedStore::open(dir.path().join("state.redb")).unwrap())
}

#[tokio::test]
async fn versions_are_immutable_and_generated_ones_sort_by_time() {
    let dir = tempfile::tempdir().unwrap();
    let apps = store(&dir);
    assert_eq!(
        apps.put("shop.yaml", &manifest(Some("v1"), "file://a.wasm"), "alice")
            .await
            .unwrap(),
        ("shop".into(), "v1".into())
    );
    let again = apps
        .put("shop.yaml", &manifest(Some("v1"), "file://b.wasm"), "bob")
        .await
        .unwrap_err();
    assert!(matches!(again, AppStoreError::VersionExists { .. }));
    assert!(
        again.to_string().contains("new `version` annotation"),
        "{again}"
    );

    let (_, first) = apps
        .put("shop.yaml", &manifest(None, "file://c.wasm"), "alice")
        .await
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(2));
    let (_, second) = apps
        .put("shop.yaml", &manifest(None, "file://d.wasm"), "alice")
        .await
        .unwrap();
    assert_eq!(first.len(), 26, "a ULID: {first}");
    assert!(first < second, "{first} then {second}");
    let stored = apps.get("shop").await.unwrap();
    let versions: Vec<&str> = stored.versions.iter().map(|v| v.version.as_str()).collect();
    assert_eq!(versions, vec!["v1", first.as_str(), second.as_str()]);
}

#[tokio::test]
async fn invalid_manifests_are_refused_with_every_diagnostic() {
    let dir = tempfile::tempdir().unwrap();
    let apps = store(&dir);
    let error = apps
        .put(
            "bad.yaml",
            "apiVersion: core.oam.dev/v1beta1\nkind: Nope\n",
            "alice",
        )
        .await
        .unwrap_err();
    let text = error.to_string();
    assert!(
        text.contains("bad.yaml:2:7") && text.contains("missing field `metadata`"),
        "{text}"
    );
    assert!(apps.list().await.unwrap().is_empty(), "nothing stored");
}

#[tokio::test]
async fn deploy_undeploy_delete_and_history() {
    let dir = tempfile::tempdir().unwrap();
    let apps = store(&dir);
    apps.put("shop.yaml", &manifest(Some("v1"), "file://a.wasm"), "alice")
        .await
        .unwrap();
    apps.put("shop.yaml", &manifest(Some("v2"), "file://b.wasm"), "bob")
        .await
        .unwrap();

    let (deployed, manifest_v2) = apps.deploy("shop", None, "carol").await.unwrap();
    assert_eq!(deployed.version, "v2");
    assert_eq!(
        manifest_v2.spec.components[0].properties.image.as_deref(),
        Some("file://b.wasm")
    );
    let (deployed, _) = apps.deploy("shop", Some("v1"), "carol").await.unwrap();
    assert_eq!(deployed.version, "v1");
    let missing = apps.deploy("shop", Some("v9"), "carol").await.unwrap_err();
    assert!(missing.to_string().contains("v1, v2"), "{missing}");

    // What is deployed cannot be deleted; other versions can.
    assert!(matches!(
        apps.delete("shop", Some("v1"), "dave").await,
        Err(AppStoreError::Deployed { .. })
    ));
    assert!(matches!(
        apps.delete("shop", None, "dave").await,
        Err(AppStoreError::Deployed { .. })
    ));
    apps.delete("shop", Some("v2"), "dave").await.unwrap();
    assert_eq!(
        apps.undeploy("shop", "erin").await.unwrap().as_deref(),
        Some("v1")
    );

    let history: Vec<(Action, Option<String>, String)> = apps
        .get("shop")
        .await
        .unwrap()
        .history
        .into_iter()
        .map(|entry| (entry.action, entry.version, entry.by))
        .collect();
    assert_eq!(
        history,
        vec![
            (Action::Put, Some("v1".into()), "alice".into()),
            (Action::Put, Some("v2".into()), "bob".into()),
            (Action::Deploy, Some("v2".into()), "carol".into()),
            (Action::Deploy, Some("v1".into()), "carol".into()),
            (Action::Delete, Some("v2".into()), "dave".into()),
            (Action::Undeploy, Some("v1".into()), "erin".into()),
        ]
    );
    apps.delete("shop", None, "dave").await.unwrap();
    assert!(matches!(
        apps.get("shop").await,
        Err(AppStoreError::NoSuchApp { .. })
    ));
}

#[tokio::test]
async fn concurrent_puts_lose_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let apps = store(&dir);
    let writers: Vec<_> = (0..8)
        .map(|index| {
            let apps = apps.clone();
            tokio::spawn(async move {
                apps.put(
                    "shop.yaml",
                    &manifest(Some(&format!("v{index}")), "file://a.wasm"),
                    "w",
                )
                .await
            })
        })
        .collect();
    for writer in writers {
        writer.await.unwrap().unwrap();
    }
    assert_eq!(apps.get("shop").await.unwrap().versions.len(), 8);
}

#[tokio::test]
async fn everything_survives_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    {
        let apps = store(&dir);
        apps.put("shop.yaml", &manifest(Some("v1"), "file://a.wasm"), "alice")
            .await
            .unwrap();
        apps.deploy("shop", None, "alice").await.unwrap();
    }
    let apps = store(&dir);
    let listed = apps.list().await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].deployed.as_deref(), Some("v1"));
}

fn with_id(app: &str, id: &str) -> String {
    format!(
        "apiVersion: core.oam.dev/v1beta1\nkind: Application\nmetadata:\n  name: {app}\n  annotations: {{version: v1}}\nspec:\n  components:\n    - name: web\n      type: component\n      properties: {{image: \"file://a.wasm\", id: {id}}}\n      traits: [{{type: spreadscaler, properties: {{instances: 1}}}}]\n"
    )
}

#[tokio::test]
async fn a_deploy_giving_an_explicit_id_another_deployed_app_gives_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let apps = store(&dir);
    apps.put("a.yaml", &with_id("shop", "web"), "alice")
        .await
        .unwrap();
    apps.put("b.yaml", &with_id("store", "web"), "alice")
        .await
        .unwrap();
    // Neither is deployed yet: the first deploy goes through.
    apps.deploy("shop", None, "alice").await.unwrap();
    let refused = apps.deploy("store", None, "bob").await.unwrap_err();
    assert!(matches!(refused, AppStoreError::IdTaken(_)), "{refused}");
    assert!(
        refused
            .to_string()
            .contains("already deployed in a different application 'shop'"),
        "{refused}"
    );
    assert_eq!(apps.get("store").await.unwrap().deployed, None);

    // Once the holder is undeployed the id is free.
    apps.undeploy("shop", "alice").await.unwrap();
    apps.deploy("store", None, "bob").await.unwrap();
    // And the app redeploying its own id is no conflict with itself.
    apps.deploy("store", None, "bob").await.unwrap();
}
