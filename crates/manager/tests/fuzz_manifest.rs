//! Fuzz target `manifest`: any text, and mutations of every manifest in the repository, go
//! through what a deploy does with a manifest — load (parse, decode, validate), limits,
//! desired state and a reconcile against a lattice of two hosts, twice — without a panic, the
//! reconcile is the same both times, and applying its plans converges within a few rounds.

#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests fail loudly.

use weft_fuzz::Target;
use weft_manager::{ObservedHost, ObservedLattice, desired_state, reconcile};

mod support;

/// What YAML and wadm manifests are made of.
const TOKENS: &[&str] = &[
    ": ",
    "- ",
    "\n  ",
    "\n    - ",
    "{",
    "}",
    "[",
    "]",
    "\"",
    "'",
    "&a ",
    "*a",
    "!!str ",
    "<<: ",
    "~",
    "null",
    "true",
    "-1",
    "1e999",
    "18446744073709551616",
    "0x1F",
    "...",
    "---\n",
    "#",
    "|\n",
    ">\n",
    "\t",
    "\\u0000",
    "name",
    "image",
    "type",
    "component",
    "capability",
    "traits",
    "spreadscaler",
    "daemonscaler",
    "link",
    "instances",
    "spread",
    "weight",
    "requirements",
    "properties",
    "target",
    "source",
    "config",
    "secrets",
    "namespace",
    "package",
    "interfaces",
    "policies",
    "limits.weft.dev/v1alpha1",
    "memory: 64MiB",
    "timeout: 1ms",
    "max-concurrency",
    "application",
    "id",
    "file://",
    "ghcr.io/wasmcloud/http-server:0.27.0",
    "version",
];

#[test]
fn fuzz_manifest() {
    let observed = ObservedLattice {
        hosts: vec![
            ObservedHost {
                id: "h1".into(),
                ..ObservedHost::default()
            },
            ObservedHost {
                id: "h2".into(),
                labels: [("zone".to_owned(), "east".to_owned())].into(),
                ..ObservedHost::default()
            },
        ],
        ..ObservedLattice::default()
    };
    let target = Target::new("manifest")
        .cases(20_000)
        .max_len(8192)
        .seeds_under("examples", &[".yaml", ".json"])
        .seeds_under("crates/manifest/tests/fixtures", &[".yaml", ".json"])
        .dictionary(TOKENS);
    assert!(
        target.seed_count() > 10,
        "the repository's manifests are the seeds"
    );
    target.run(|input| {
        let text = String::from_utf8_lossy(input);
        let Ok(loaded) = weft_manifest::load("fuzz.yaml", &text) else {
            return false;
        };
        let manifest = &loaded.manifest;
        let _ = manifest.limit_problems();
        for component in &manifest.spec.components {
            let _ = manifest.limits_of(&component.name);
        }
        let desired = desired_state(manifest);
        let plan = reconcile(&desired, &observed);
        assert_eq!(plan, reconcile(&desired, &observed), "reconcile is pure");
        support::converge(&desired, &mut observed.clone());
        true
    });
}
