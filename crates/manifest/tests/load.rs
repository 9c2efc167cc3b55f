//! Loading manifests: wasmCloud-style manifests load unchanged; every mistake in a bad one is
//! reported at once with its position, pointer and hint.

#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests fail loudly.

use weft_manifest::{Diagnostic, Severity, TraitProperties, component_id, load};

fn fixture(path: &str) -> (String, String) {
    let full = format!("{}/tests/fixtures/{path}", env!("CARGO_MANIFEST_DIR"));
    (path.to_owned(), std::fs::read_to_string(full).unwrap())
}

fn errors_of(path: &str) -> Vec<Diagnostic> {
    let (name, text) = fixture(path);
    let diagnostics = load(&name, &text).expect_err("the manifest should not load");
    diagnostics
        .into_vec()
        .into_iter()
        .filter(|d| d.severity == Severity::Error)
        .collect()
}

fn find<'a>(errors: &'a [Diagnostic], pointer: &str) -> &'a Diagnostic {
    errors
        .iter()
        .find(|d| d.pointer == pointer)
        .unwrap_or_else(|| panic!("no error at {pointer}; errors:\n{}", render(errors)))
}

fn render(diagnostics: &[Diagnostic]) -> String {
    diagnostics
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn the_wasmcloud_key_value_counter_loads_unchanged() {
    let (name, text) = fixture("good/kvcounter.yaml");
    let loaded = load(&name, &text).unwrap();
    let manifest = &loaded.manifest;
    assert_eq!(manifest.name(), "rust-http-kv");
    assert_eq!(manifest.version(), Some("v0.1.0"));
    assert_eq!(manifest.spec.components.len(), 3);
    assert!(loaded.warnings.is_empty(), "{}", render(&loaded.warnings));
    assert_eq!(
        component_id(manifest.name(), "counter"),
        "rust_http_kv-counter"
    );
    let TraitProperties::Link(link) = &manifest.spec.components[0].traits[1].properties else {
        panic!("the second trait is a link")
    };
    assert_eq!(link.target.name, "kvredis");
    assert_eq!(link.link_name(), "default");
    assert_eq!(
        link.target.config[0].properties.as_ref().unwrap()["url"],
        "redis://127.0.0.1:6379"
    );
}

#[test]
fn legacy_links_actor_and_replicas_load_with_a_deprecation_warning() {
    let (name, text) = fixture("good/legacy-link.yaml");
    let loaded = load(&name, &text).unwrap();
    let manifest = &loaded.manifest;
    assert_eq!(manifest.version(), Some("1.0"));
    let TraitProperties::Scaler(scaler) = &manifest.spec.components[0].traits[0].properties else {
        panic!("a scaler")
    };
    assert_eq!(scaler.instances, 2);
    assert_eq!(scaler.spread[0].weight, Some(80));
    let TraitProperties::Link(link) = &manifest.spec.components[1].traits[0].properties else {
        panic!("a link")
    };
    assert_eq!(link.target.name, "echo");
    assert_eq!(link.source.as_ref().unwrap().config[0].name, "listen");
    let warning = &loaded.warnings[0];
    assert!(warning.message.contains("deprecated"), "{warning}");
    assert_eq!(
        warning.pointer,
        "/spec/components/1/traits/0/properties/target"
    );
    assert_eq!((warning.line, warning.column), (35, 21));
}

#[test]
fn json_with_secrets_policies_shared_references_and_named_links_loads() {
    let (name, text) = fixture("good/secrets-and-shared.json");
    let loaded = load(&name, &text).unwrap();
    let checkout = &loaded.manifest.spec.components[0];
    assert_eq!(checkout.properties.secrets[0].properties.policy, "nats-kv");
    assert_eq!(checkout.properties.id.as_deref(), Some("checkout"));
    // `source.name` is tolerated, as wadm tolerates it.
    assert!(loaded.warnings.is_empty(), "{}", render(&loaded.warnings));
}

#[test]
fn every_mistake_is_reported_at_once_with_position_and_hint() {
    let errors = errors_of("bad/many-mistakes.yaml");
    let text = render(&errors);

    let name = find(&errors, "/metadata/name");
    assert_eq!((name.line, name.column), (4, 9), "{text}");
    assert!(name.hint.as_deref().unwrap().contains("my-app"), "{text}");

    let version = find(&errors, "/metadata/annotations/version");
    assert!(version.message.contains("latest"), "{text}");

    let imag = find(&errors, "/spec/components/0/properties/imag");
    assert_eq!(
        imag.hint.as_deref(),
        Some("did you mean `image`?"),
        "{text}"
    );
    assert_eq!((imag.line, imag.column), (12, 9), "{text}");

    // wadm accepts trait types it does not know: a warning, with the likely fix.
    let (name, source) = fixture("bad/many-mistakes.yaml");
    let all = load(&name, &source).unwrap_err().into_vec();
    let trait_type = find(&all, "/spec/components/0/traits/0/type");
    assert_eq!(trait_type.severity, Severity::Warning, "{text}");
    assert!(
        trait_type
            .hint
            .as_deref()
            .is_some_and(|hint| hint.starts_with("did you mean `spreadscaler`?")),
        "{trait_type}"
    );

    let instances = find(&errors, "/spec/components/1/traits/0/properties/instances");
    assert!(instances.message.contains("whole number"), "{text}");

    let target = find(
        &errors,
        "/spec/components/1/traits/1/properties/target/name",
    );
    assert!(target.message.contains("kv-stor"), "{text}");

    let duplicate = find(&errors, "/spec/components/2/name");
    assert!(duplicate.message.contains("already defined"), "{text}");

    let id = find(&errors, "/spec/components/2/properties/id");
    assert!(id.message.contains("shared-id"), "{text}");

    let policy = find(
        &errors,
        "/spec/components/2/properties/secrets/0/properties/policy",
    );
    assert!(policy.message.contains("vault"), "{text}");

    // Component 0's missing image is part of its broken properties: not reported twice.
    assert!(!text.contains("neither `image`"), "{text}");
    assert_eq!(errors.len(), 8, "{text}");
}

#[test]
fn every_error_renders_as_file_line_col_pointer_and_hint() {
    let errors = errors_of("bad/many-mistakes.yaml");
    let rendered = errors
        .iter()
        .find(|d| d.pointer.ends_with("/imag"))
        .unwrap()
        .to_string();
    assert_eq!(
        rendered,
        "bad/many-mistakes.yaml:12:9: error: unknown field `imag` (at /spec/components/0/properties/imag); hint: did you mean `image`?"
    );
}

#[test]
fn broken_yaml_is_reported_at_its_place() {
    let errors = errors_of("bad/broken.yaml");
    assert_eq!(errors.len(), 1, "{}", render(&errors));
    assert!(
        errors[0].message.contains("not valid YAML"),
        "{}",
        errors[0]
    );
    assert!(errors[0].line >= 5, "{}", errors[0]);
}

#[test]
fn wrong_types_and_missing_fields_are_named() {
    let text = "apiVersion: core.oam.dev/v1beta1\nkind: Application\nmetadata:\n  name: x\nspec:\n  components:\n    - name: a\n      type: component\n      properties:\n        image: file://a.wasm\n        config: not-a-list\n      traits:\n        - type: link\n          properties:\n            namespace: wasi\n            package: http\n            interfaces: incoming-handler\n            target: {name: a}\n";
    let errors = load("inline.yaml", text).unwrap_err().into_vec();
    let config = errors
        .iter()
        .find(|d| d.pointer == "/spec/components/0/properties/config")
        .unwrap();
    assert!(config.message.contains("expected a list"), "{config}");
    assert_eq!((config.line, config.column), (11, 17));
    let interfaces = errors
        .iter()
        .find(|d| d.pointer == "/spec/components/0/traits/0/properties/interfaces")
        .unwrap();
    assert!(
        interfaces.message.contains("expected a list"),
        "{interfaces}"
    );

    let missing = load(
        "m.yaml",
        "apiVersion: core.oam.dev/v1beta1\nkind: Application\nspec:\n  components: []\n",
    )
    .unwrap_err()
    .into_vec();
    assert_eq!(missing.len(), 1, "{missing:?}");
    assert_eq!(missing[0].message, "missing field `metadata`");
    assert_eq!(missing[0].hint.as_deref(), Some("add `metadata:`"));
}

#[test]
fn empty_files_several_documents_and_other_kinds_are_refused() {
    assert!(
        load("e.yaml", "")
            .unwrap_err()
            .to_string()
            .contains("empty")
    );
    let two = "apiVersion: core.oam.dev/v1beta1\n---\nkind: Application\n";
    assert!(
        load("two.yaml", two)
            .unwrap_err()
            .to_string()
            .contains("more than one YAML document")
    );
    let deployment =
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: x\nspec:\n  components: []\n";
    // wadm does not check apiVersion and kind (warnings here), but requires `annotations`.
    let diagnostics = load("k8s.yaml", deployment).unwrap_err().into_vec();
    let severities: Vec<Severity> = diagnostics.iter().map(|d| d.severity).collect();
    assert_eq!(
        severities,
        [Severity::Warning, Severity::Warning, Severity::Error],
        "{diagnostics:?}"
    );
    assert!(diagnostics.iter().all(|d| d.hint.is_some()));
    assert!(diagnostics[2].message.contains("annotations"));
}

#[test]
fn link_rules_duplicates_capability_to_capability_and_config_names() {
    let text = r#"
apiVersion: core.oam.dev/v1beta1
kind: Application
metadata: {name: links, annotations: {}}
spec:
  components:
    - name: app
      type: component
      properties: {image: file://app.wasm}
      traits:
        - type: link
          properties: {namespace: wasi, package: keyvalue, interfaces: [store, atomics], target: {name: kv, config: [{name: conn, properties: {url: "redis://a"}}]}}
        - type: link
          properties: {namespace: wasi, package: keyvalue, interfaces: [store], target: {name: kv, config: [{name: conn, properties: {url: "redis://b"}}]}}
        - type: link
          properties: {namespace: wasi, package: keyvalue, interfaces: [stor], target: {name: kv}, name: other}
    - name: kv
      type: capability
      properties: {image: ghcr.io/wasmcloud/keyvalue-redis:0.28.1}
      traits:
        - type: link
          properties: {namespace: wasi, package: http, interfaces: [incoming-handler], target: {name: kv2}}
    - name: kv2
      type: capability
      properties: {image: ghcr.io/wasmcloud/keyvalue-nats:0.3.1}
"#;
    let diagnostics = load("links.yaml", text).unwrap_err().into_vec();
    let rendered = render(&diagnostics);
    let at = |pointer: &str| {
        diagnostics
            .iter()
            .find(|d| d.pointer == pointer)
            .unwrap_or_else(|| panic!("{pointer}:\n{rendered}"))
    };
    assert!(
        at("/spec/components/0/traits/1/properties/interfaces/0")
            .message
            .contains("already links")
    );
    assert!(
        at("/spec/components/0/traits/1/properties/target/config/0/name")
            .message
            .contains("conn")
    );
    let typo = at("/spec/components/0/traits/2/properties/interfaces/0");
    assert_eq!(typo.severity, Severity::Warning);
    assert_eq!(typo.hint.as_deref(), Some("did you mean `store`?"));
    let capabilities = at("/spec/components/1/traits/0/properties/target/name");
    assert_eq!(capabilities.severity, Severity::Warning, "{capabilities}");
    assert!(
        capabilities
            .message
            .contains("capabilities only to components"),
        "{capabilities}"
    );
}
