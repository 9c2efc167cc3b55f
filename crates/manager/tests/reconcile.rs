//! The reconciler: concrete scenarios, and properties over generated lattices (applying a plan
//! converges; undeploy leaves nothing the app owned and everything it did not).

#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests fail loudly.

use std::collections::BTreeMap;

use proptest::prelude::*;
use support::{HELLO, converge, host, manifest, one_host};
use weft_lattice::Retry;
use weft_manager::{
    AppState, Blocker, Command, DesiredApp, ObservedHost, ObservedLattice, Part, RunningComponent,
    StoredConfig, desired_state, reconcile,
};

mod support;

#[test]
fn hello_on_one_host_deploys_in_one_round() {
    let desired = manifest(HELLO);
    let mut observed = one_host();
    let plan = reconcile(&desired, &observed);
    assert_eq!(plan.status.state, AppState::Reconciling);
    assert!(
        matches!(&plan.commands[0], Command::PutConfig { name, .. } if name == "hello-default_http")
    );
    assert!(plan.commands.iter().any(|c| matches!(c, Command::ScaleComponent { component_id, count: 100, .. } if component_id == "hello-http_component")));
    assert!(plan.commands.iter().any(|c| matches!(c, Command::StartCapability { capability_id, .. } if capability_id == "hello-httpserver")));
    assert!(plan.commands.iter().any(|c| matches!(c, Command::PutLink(link) if link.source_id == "hello-httpserver" && link.target_id == "hello-http_component")));
    assert_eq!(converge(&desired, &mut observed), 1);
    assert_eq!(
        reconcile(&desired, &observed).status.state,
        AppState::Deployed
    );
}

#[test]
fn a_missing_external_config_fails_with_a_fix_and_deploys_once_it_exists() {
    let desired = manifest(
        r#"
apiVersion: core.oam.dev/v1beta1
kind: Application
metadata: {name: needs-config, annotations: {}}
spec:
  components:
    - name: api
      type: component
      properties: {image: "file://api.wasm", config: [{name: redis-url}]}
      traits: [{type: spreadscaler, properties: {instances: 1}}]
"#,
    );
    let mut observed = one_host();
    let plan = reconcile(&desired, &observed);
    assert_eq!(plan.status.state, AppState::Failed);
    assert!(
        plan.status.reasons[0]
            .to_string()
            .contains("config `redis-url` does not exist"),
        "{:?}",
        plan.status
    );
    assert!(
        plan.status.reasons[0]
            .to_string()
            .contains("weft config put redis-url"),
        "{:?}",
        plan.status
    );
    assert!(
        plan.commands.is_empty(),
        "nothing starts without its config"
    );

    observed.configs.insert(
        "redis-url".into(),
        StoredConfig {
            values: BTreeMap::from([("url".into(), "redis://x".into())]),
            app: None,
        },
    );
    converge(&desired, &mut observed);
    assert_eq!(
        reconcile(&desired, &observed).status.state,
        AppState::Deployed
    );
}

#[test]
fn two_components_with_one_id_run_the_first_and_say_why_not_the_second() {
    // wadm accepts an explicit id equal to another component's default id; found by the
    // `manifest` fuzz target, whose plans for it flapped between the two images.
    let desired = parity_fixture("default-id-collides.yaml");
    let mut observed = one_host();
    converge(&desired, &mut observed);
    let running = &observed.hosts[0].components;
    assert_eq!(running.len(), 1, "{running:?}");
    assert_eq!(running[0].image, "file://./web.wasm");
    let status = reconcile(&desired, &observed).status;
    assert!(
        status.reasons.iter().any(|reason| reason
            .to_string()
            .contains("give `other` an `id` of its own")),
        "{:?}",
        status.reasons
    );
}

/// The parity fixture `name`, as the manager reads it.
fn parity_fixture(name: &str) -> DesiredApp {
    let path = format!(
        "{}/../manifest/tests/fixtures/parity/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    manifest(&std::fs::read_to_string(path).unwrap())
}

#[test]
fn link_traits_that_share_a_key_become_one_link_or_say_why_the_second_cannot() {
    // wadm accepts both: the lattice keeps one link per source, package and name, so putting
    // both flapped (found by the `manifest` fuzz target).
    let split = parity_fixture("split-link-interfaces.yaml");
    let mut observed = one_host();
    converge(&split, &mut observed);
    assert_eq!(observed.links.len(), 1, "{:?}", observed.links);
    assert_eq!(observed.links[0].interfaces, ["store", "atomics"]);
    assert!(reconcile(&split, &observed).status.reasons.is_empty());

    let two_targets = parity_fixture("two-link-targets.yaml");
    let mut observed = one_host();
    converge(&two_targets, &mut observed);
    assert_eq!(observed.links.len(), 1, "{:?}", observed.links);
    assert_eq!(observed.links[0].target_id, "parity-kvredis");
    let status = reconcile(&two_targets, &observed).status;
    assert!(
        status.reasons.iter().any(|reason| {
            let reason = reason.to_string();
            reason.contains("`parity-kvredis` and `parity-kvcache`")
                && reason.contains("give the second a `name` of its own")
        }),
        "{:?}",
        status.reasons
    );

    // One target with different configs: the first is kept, the second's config is not
    // even stored.
    let text = std::fs::read_to_string(format!(
        "{}/../manifest/tests/fixtures/parity/split-link-interfaces.yaml",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    let with_config = text.replacen(
        "interfaces: [atomics]\n            target:\n              name: kvredis",
        "interfaces: [atomics]\n            target:\n              name: kvredis\n              config:\n                - name: other-redis\n                  properties: {url: \"redis://127.0.0.1:1\"}",
        1,
    );
    assert_ne!(with_config, text);
    let configs = manifest(&with_config);
    assert!(configs.configs.is_empty(), "{:?}", configs.configs);
    let mut observed = one_host();
    converge(&configs, &mut observed);
    assert_eq!(observed.links[0].interfaces, ["store"]);
    let status = reconcile(&configs, &observed).status;
    assert!(
        status.reasons.iter().any(|reason| reason
            .to_string()
            .contains("to `parity-kvredis` with different configs or secrets")),
        "{:?}",
        status.reasons
    );
}

#[test]
fn spreads_follow_weights_and_labels_and_explain_unmet_requirements() {
    let desired = manifest(
        r#"
apiVersion: core.oam.dev/v1beta1
kind: Application
metadata: {name: spread, annotations: {}}
spec:
  components:
    - name: api
      type: component
      properties: {image: "file://api.wasm"}
      traits:
        - type: spreadscaler
          properties:
            instances: 10
            spread:
              - {name: eu, requirements: {zone: eu}, weight: 80}
              - {name: us, requirements: {zone: us}, weight: 20}
              - {name: mars, requirements: {zone: mars}, weight: 0}
"#,
    );
    let mut observed = ObservedLattice {
        hosts: vec![
            host("a", &[("zone", "eu")]),
            host("b", &[("zone", "eu")]),
            host("c", &[("zone", "us")]),
        ],
        ..Default::default()
    };
    converge(&desired, &mut observed);
    let counts: Vec<usize> = observed
        .hosts
        .iter()
        .map(|h| h.components.iter().map(|c| c.count).sum())
        .collect();
    assert_eq!(counts, vec![4, 4, 2]);

    observed.hosts.retain(|h| h.id != "c");
    let plan = reconcile(&desired, &observed);
    assert_eq!(plan.status.state, AppState::Failed);
    assert!(
        plan.status.reasons[0].to_string().contains("zone=us"),
        "{:?}",
        plan.status.reasons
    );
}

/// Each part's state, by its id (workloads) or source (links).
fn part_states(status: &weft_manager::AppStatus) -> Vec<(String, AppState)> {
    status
        .parts
        .iter()
        .map(|part| {
            let name = match &part.part {
                Part::Workload { id, .. } => id.clone(),
                Part::Link { source_id, .. } => format!("link from {source_id}"),
            };
            (name, part.state)
        })
        .collect()
}

/// `plan`'s status after the first of its commands that `which` picks failed.
fn failing(plan: &weft_manager::Plan, which: impl Fn(&Command) -> bool) -> weft_manager::AppStatus {
    let mut status = plan.status.clone();
    let command = plan.commands.iter().find(|c| which(c)).unwrap();
    let reason = Blocker::CommandFailed {
        message: "it failed".into(),
        retry: Retry::Soon,
    };
    status.command_failed(command, reason);
    status
}

#[test]
fn each_scaler_and_link_has_its_own_status() {
    let desired = manifest(HELLO);
    let mut observed = one_host();
    let plan = reconcile(&desired, &observed);
    let reconciling = AppState::Reconciling;
    assert_eq!(
        part_states(&plan.status),
        [
            ("hello-http_component".to_owned(), reconciling),
            ("hello-httpserver".to_owned(), reconciling),
            ("link from hello-httpserver".to_owned(), reconciling),
        ]
    );

    // A command that fails fails the part it was for, and the app.
    let status = failing(&plan, |c| matches!(c, Command::StartCapability { .. }));
    assert_eq!(status.state, AppState::Failed);
    let states = part_states(&status);
    assert_eq!(states[1], ("hello-httpserver".to_owned(), AppState::Failed));
    assert_eq!(states[0].1, reconciling, "{states:?}");
    assert_eq!(status.parts[1].reasons.len(), 1);

    // A config that cannot be put fails the parts reading it: here the link's listen address.
    let status = failing(&plan, |c| matches!(c, Command::PutConfig { .. }));
    let states = part_states(&status);
    assert_eq!(
        states[2],
        ("link from hello-httpserver".to_owned(), AppState::Failed),
        "{states:?}"
    );
    assert_eq!(states[0].1, reconciling, "{states:?}");

    converge(&desired, &mut observed);
    let settled = reconcile(&desired, &observed).status;
    assert!(
        settled.parts.iter().all(|p| p.state == AppState::Deployed),
        "{settled:?}"
    );

    // The component's host goes away: only the component's scaler fails, saying why.
    observed.hosts.clear();
    let status = reconcile(&desired, &observed).status;
    let component = &status.parts[0];
    assert_eq!(component.state, AppState::Failed);
    assert!(
        component.reasons[0].to_string().contains("no hosts"),
        "{component:?}"
    );
}

#[test]
fn a_missing_config_fails_the_part_that_reads_it() {
    let desired = manifest(
        r#"
apiVersion: core.oam.dev/v1beta1
kind: Application
metadata: {name: two, annotations: {}}
spec:
  components:
    - name: reader
      type: component
      properties: {image: "file://a.wasm", config: [{name: absent}]}
      traits: [{type: spreadscaler, properties: {instances: 1}}]
    - name: other
      type: component
      properties: {image: "file://b.wasm"}
      traits: [{type: spreadscaler, properties: {instances: 1}}]
"#,
    );
    let status = reconcile(&desired, &one_host()).status;
    assert_eq!(
        part_states(&status),
        [
            ("two-reader".to_owned(), AppState::Failed),
            ("two-other".to_owned(), AppState::Reconciling),
        ]
    );
    assert!(
        status.parts[0].reasons[0]
            .to_string()
            .contains("config `absent` does not exist")
    );
}

/// An app whose component reads secret `api` (stored key `api-key`) through `backend`.
fn secret_app(backend: &str, version: Option<&str>) -> DesiredApp {
    let version = version.map_or(String::new(), |v| format!(", version: \"{v}\""));
    manifest(&format!(
        r#"
apiVersion: core.oam.dev/v1beta1
kind: Application
metadata: {{name: secretive, annotations: {{}}}}
spec:
  policies:
    - {{name: vault, type: policy.secret.wasmcloud.dev/v1alpha1, properties: {{backend: {backend}}}}}
  components:
    - name: api
      type: component
      properties:
        image: "file://api.wasm"
        secrets: [{{name: api, properties: {{policy: vault, key: api-key{version}}}}}]
      traits: [{{type: spreadscaler, properties: {{instances: 1}}}}]
"#
    ))
}

#[test]
fn a_component_waits_for_its_secrets_and_follows_their_bindings() {
    let desired = secret_app("weft", None);
    let mut observed = one_host();
    let plan = reconcile(&desired, &observed);
    assert_eq!(plan.status.state, AppState::Failed);
    assert!(
        plan.status.reasons[0]
            .to_string()
            .contains("secret `api-key` (read by `api`) does not exist")
            && plan.status.reasons[0]
                .to_string()
                .contains("weft secret put api-key"),
        "{:?}",
        plan.status
    );
    assert!(plan.commands.is_empty());

    observed.secrets.insert("api-key".into(), 2);
    assert_eq!(converge(&desired, &mut observed), 1);
    let running = &observed.hosts[0].components[0];
    assert_eq!(running.secrets[0].name, "api");
    assert_eq!(running.secrets[0].key, "api-key");

    // wasmCloud's reference backend name reads weft's store; a pinned version must match.
    assert_eq!(
        reconcile(&secret_app("nats-kv", Some("2")), &observed)
            .status
            .state,
        AppState::Deployed
    );
    let pinned = reconcile(&secret_app("weft", Some("1")), &observed);
    assert!(
        pinned.status.reasons[0]
            .to_string()
            .contains("secret `api-key` is at version 2, and `api` asks for version 1"),
        "{:?}",
        pinned.status
    );
    let vault = reconcile(&secret_app("vault", None), &observed);
    assert!(
        vault.status.reasons[0]
            .to_string()
            .contains("uses the backend `vault`, which weft does not have"),
        "{:?}",
        vault.status
    );
}

/// An app whose component links to a Postgres capability with its password as a link
/// target secret (stored key `db-password`).
const LINK_SECRET_APP: &str = r#"
apiVersion: core.oam.dev/v1beta1
kind: Application
metadata: {name: shop, annotations: {}}
spec:
  policies:
    - {name: vault, type: policy.secret.wasmcloud.dev/v1alpha1, properties: {backend: weft}}
  components:
    - name: querier
      type: component
      properties: {image: "file://q.wasm"}
      traits:
        - {type: spreadscaler, properties: {instances: 1}}
        - type: link
          properties:
            namespace: wasmcloud
            package: postgres
            interfaces: [query]
            target:
              name: db
              config: [{name: db-settings, properties: {POSTGRES_HOST: localhost}}]
              secrets: [{name: POSTGRES_PASSWORD, properties: {policy: vault, key: db-password}}]
    - name: db
      type: capability
      properties: {image: "ghcr.io/wasmcloud/sqldb-postgres:0.8.0"}
"#;

#[test]
fn a_link_to_a_capability_waits_for_its_secrets_and_carries_their_bindings() {
    let desired = manifest(LINK_SECRET_APP);
    assert!(desired.unsupported.is_empty(), "{:?}", desired.unsupported);
    let mut observed = one_host();
    let plan = reconcile(&desired, &observed);
    let reasons: Vec<String> = plan
        .status
        .reasons
        .iter()
        .map(ToString::to_string)
        .collect();
    assert!(
        reasons.iter().any(|reason| reason
            .contains("secret `db-password` (read by `querier → db`) does not exist")),
        "{reasons:?}"
    );
    assert!(
        !plan
            .commands
            .iter()
            .any(|command| matches!(command, weft_lattice::Command::PutLink(_))),
        "the link waits for its secret"
    );

    observed.secrets.insert("db-password".into(), 1);
    converge(&desired, &mut observed);
    let link = observed
        .links
        .iter()
        .find(|link| link.package == "postgres")
        .expect("the link is put once its secret is stored");
    assert_eq!(link.target_secrets[0].name, "POSTGRES_PASSWORD");
    assert_eq!(link.target_secrets[0].key, "db-password");
}

#[test]
fn secrets_on_a_link_to_a_component_are_refused_with_what_to_do() {
    let text = LINK_SECRET_APP
        .replace(
            "name: db\n      type: capability",
            "name: db\n      type: component",
        )
        .replace("ghcr.io/wasmcloud/sqldb-postgres:0.8.0", "file://db.wasm");
    let desired = manifest(&text);
    assert!(
        desired
            .unsupported
            .iter()
            .any(|what| what.contains("passes secrets only to the capability it targets")),
        "{:?}",
        desired.unsupported
    );
}

#[test]
fn undeploy_removes_only_what_the_app_owns() {
    let desired = manifest(HELLO);
    let mut observed = one_host();
    // Another app's component and a hand-made config share the lattice.
    observed.hosts[0].components.push(RunningComponent {
        id: "other-x".into(),
        image: "file://x.wasm".into(),
        count: 3,
        secrets: Vec::new(),
        limits: Default::default(),
        app: Some("other".into()),
    });
    observed
        .configs
        .insert("manual".into(), StoredConfig::default());
    converge(&desired, &mut observed);

    converge(&DesiredApp::nothing("hello"), &mut observed);
    assert_eq!(observed.hosts[0].components.len(), 1);
    assert_eq!(
        observed.hosts[0].components[0].app.as_deref(),
        Some("other")
    );
    assert!(observed.hosts[0].capabilities.is_empty());
    assert!(observed.links.is_empty());
    assert_eq!(observed.configs.keys().collect::<Vec<_>>(), vec!["manual"]);
}

#[test]
fn an_upgrade_changes_images_in_place_and_drops_removed_parts() {
    let v1 = manifest(HELLO);
    let mut observed = one_host();
    converge(&v1, &mut observed);
    let v2 = manifest(
        &HELLO
            .replace("file://./hello.wasm", "file://./hello-v2.wasm")
            .replace("instances: 100", "instances: 5"),
    );
    let plan = reconcile(&v2, &observed);
    assert_eq!(plan.commands.len(), 1, "{:?}", plan.commands);
    assert!(
        matches!(&plan.commands[0], Command::ScaleComponent { image, count: 5, .. } if image == "file://./hello-v2.wasm")
    );
}

#[test]
fn an_id_run_by_another_app_is_a_conflict_not_a_takeover() {
    let desired = manifest(HELLO);
    let mut observed = one_host();
    observed.hosts[0].components.push(RunningComponent {
        id: "hello-http_component".into(),
        image: "x".into(),
        count: 1,
        secrets: Vec::new(),
        limits: Default::default(),
        app: Some("squatter".into()),
    });
    let plan = reconcile(&desired, &observed);
    assert_eq!(plan.status.state, AppState::Failed);
    assert!(
        plan.status
            .reasons
            .iter()
            .any(|r| r.to_string().contains("squatter")),
        "{:?}",
        plan.status.reasons
    );
    assert!(!plan.commands.iter().any(|c| matches!(c, Command::ScaleComponent { component_id, .. } if component_id == "hello-http_component")));
}

#[test]
fn no_hosts_is_a_reason() {
    let plan = reconcile(&manifest(HELLO), &ObservedLattice::default());
    assert_eq!(plan.status.state, AppState::Failed);
    assert!(
        plan.status
            .reasons
            .iter()
            .any(|r| r.to_string().contains("no hosts"))
    );
}

/// A generated app: components with spread or daemon scalers over a few zone labels.
fn arbitrary_app() -> impl Strategy<Value = String> {
    let component = (
        0usize..20,
        prop::bool::ANY,
        prop::collection::vec((0usize..3, 0usize..200), 0..3),
        prop::bool::ANY,
    );
    prop::collection::vec(component, 1..5).prop_map(|components| {
        let mut text = String::from("apiVersion: core.oam.dev/v1beta1\nkind: Application\nmetadata: {name: gen, annotations: {}}\nspec:\n  components:\n");
        for (index, (instances, daemon, spreads, capability)) in components.into_iter().enumerate() {
            let kind = if capability { "capability" } else { "component" };
            let scaler = if daemon { "daemonscaler" } else { "spreadscaler" };
            text.push_str(&format!("    - name: c{index}\n      type: {kind}\n      properties: {{image: \"file://c{index}.wasm\"}}\n      traits:\n        - type: {scaler}\n          properties:\n            instances: {instances}\n"));
            if !spreads.is_empty() {
                text.push_str("            spread:\n");
                for (spread_index, (zone, weight)) in spreads.into_iter().enumerate() {
                    text.push_str(&format!("              - {{name: s{spread_index}, requirements: {{zone: z{zone}}}, weight: {weight}}}\n"));
                }
            }
            if index > 0 {
                text.push_str(&format!("        - type: link\n          properties: {{namespace: wasi, package: keyvalue, interfaces: [store], target: {{name: c{}}}}}\n", index - 1));
            }
        }
        text
    })
}

fn arbitrary_hosts() -> impl Strategy<Value = Vec<ObservedHost>> {
    prop::collection::vec(0usize..4, 0..5).prop_map(|zones| {
        zones
            .into_iter()
            .enumerate()
            .map(|(index, zone)| host(&format!("h{index}"), &[("zone", &format!("z{zone}"))]))
            .collect()
    })
}

proptest! {
    #[test]
    fn applying_a_plan_converges_and_reconcile_is_pure(app in arbitrary_app(), hosts in arbitrary_hosts()) {
        let loaded = weft_manifest::load("gen.yaml", &app);
        // Some generated links go capability -> capability, which validation rejects.
        prop_assume!(loaded.is_ok());
        let desired = desired_state(&loaded.unwrap().manifest);
        let mut observed = ObservedLattice { hosts, ..Default::default() };
        prop_assert_eq!(reconcile(&desired, &observed), reconcile(&desired, &observed));
        let rounds = converge(&desired, &mut observed);
        prop_assert!(rounds <= 1, "took {} rounds", rounds);
        let settled = reconcile(&desired, &observed);
        prop_assert!(settled.commands.is_empty());
        prop_assert_ne!(settled.status.state, AppState::Reconciling);

        converge(&DesiredApp::nothing("gen"), &mut observed);
        prop_assert!(observed.hosts.iter().all(|h| h.components.is_empty() && h.capabilities.is_empty()));
        prop_assert!(observed.links.is_empty());
    }
}

#[test]
fn a_limits_policy_travels_with_the_component_and_one_weft_cannot_apply_blocks_the_app() {
    let limited = HELLO.replace(
        "spec:\n",
        "spec:\n  policies:\n    - {name: small, type: limits.weft.dev/v1alpha1, properties: {memory: 64MiB, timeout: 1500ms}}\n",
    );
    let plan = reconcile(&manifest(&limited), &one_host());
    let limits = plan
        .commands
        .iter()
        .find_map(|command| match command {
            Command::ScaleComponent { limits, .. } => Some(*limits),
            _ => None,
        })
        .expect("the component is scaled");
    assert_eq!(limits.memory_bytes, Some(64 << 20));
    assert_eq!(limits.timeout_ms, Some(1500));
    assert_eq!(limits.max_concurrency, None);

    let unreadable = HELLO.replace(
        "spec:\n",
        "spec:\n  policies:\n    - {name: small, type: limits.weft.dev/v1alpha1, properties: {memory: lots}}\n",
    );
    let plan = reconcile(&manifest(&unreadable), &one_host());
    assert!(
        plan.status.reasons.iter().any(|blocker| matches!(
            blocker,
            Blocker::Unsupported { what } if what.contains("`memory: lots` is not a positive size")
        )),
        "{:?}",
        plan.status.reasons
    );
}

#[test]
fn changing_a_components_limits_rescales_it_and_equal_limits_change_nothing() {
    let with_timeout = |timeout: &str| {
        HELLO.replace(
            "spec:\n",
            &format!("spec:\n  policies:\n    - {{name: small, type: limits.weft.dev/v1alpha1, properties: {{timeout: {timeout}}}}}\n"),
        )
    };
    let mut observed = one_host();
    converge(&manifest(&with_timeout("2s")), &mut observed);
    assert!(
        reconcile(&manifest(&with_timeout("2s")), &observed)
            .commands
            .is_empty()
    );

    let plan = reconcile(&manifest(&with_timeout("5s")), &observed);
    let rescaled = plan.commands.iter().find_map(|command| match command {
        Command::ScaleComponent { limits, count, .. } => Some((limits.timeout_ms, *count)),
        _ => None,
    });
    assert!(
        matches!(rescaled, Some((Some(5000), count)) if count > 0),
        "{:?}",
        plan.commands
    );
}
