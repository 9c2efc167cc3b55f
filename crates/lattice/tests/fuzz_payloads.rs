//! Fuzz target `ctl-payloads`: what other processes send on NATS — wasmCloud's control
//! interface bodies (`component.scale`, `provider.start`/`stop`, `link.put`/`del`,
//! `label.put`, weft's fenced commands) and lattice events (CloudEvents) — parsed from any
//! bytes without a panic; what parses is written back and reads the same.

#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests fail loudly.

use serde::Serialize;
use serde::de::DeserializeOwned;
use weft_fuzz::Target;
use weft_lattice::{
    CloudEvent, FencedCommand, LabelChange, Link, LinkDelete, ScaleComponent, StartProvider,
    StopProvider, parse_ctl_body, parse_ctl_subject,
};

/// Real bodies, as wash and weft send them.
const SEEDS: &[&str] = &[
    r#"{"component_ref": "ghcr.io/wasmcloud/components/http-hello-world-rust:0.1.0", "component_id": "hello", "max_instances": 2, "host_id": "NABC", "annotations": {"a": "b"}, "config": ["c"], "allow_update": true, "component_limits": {"max_memory_limit": "33554432", "max_execution_time": "3"}}"#,
    r#"{"provider_ref": "ghcr.io/wasmcloud/http-server:0.27.0", "provider_id": "server", "host_id": "NABC", "config": ["listen"], "annotations": {}}"#,
    r#"{"provider_id": "server", "host_id": "NABC"}"#,
    r#"{"source_id": "server", "target": "hello", "name": "default", "wit_namespace": "wasi", "wit_package": "http", "interfaces": ["incoming-handler"], "source_config": ["listen"], "target_config": []}"#,
    r#"{"source_id": "server", "link_name": "default", "wit_namespace": "wasi", "wit_package": "http"}"#,
    r#"{"key": "zone", "value": "east"}"#,
    r#"{"fence": 7, "lattice": "default", "command": {"command": "scale_component", "host_id": "h1", "component_id": "c", "image": "file:///c.wasm", "count": 1, "config": [], "limits": {"memory_bytes": 1048576, "timeout_ms": 10}, "app": "shop"}}"#,
    r#"{"fence": 1, "lattice": "shop", "command": {"command": "put_config", "name": "n", "values": {"k": "v"}, "app": null}}"#,
    r#"{"specversion": "1.0", "id": "01J", "type": "com.wasmcloud.lattice.host_heartbeat", "source": "h1", "datacontenttype": "application/json", "time": "2026-12-07T10:00:00Z", "data": {"host_id": "h1", "friendly_name": "h1", "labels": {}, "version": "0.1.0", "uptime_seconds": 3, "uptime_human": "3s", "components": [{"id": "c", "image_ref": "file:///c.wasm", "name": "c", "annotations": {"weft.app": "shop"}, "max_instances": 1, "revision": 0, "weft_limits": {"memory_bytes": 1, "timeout_ms": 2, "timeouts": 3}}], "providers": []}}"#,
    r#"{"specversion": "1.0", "id": "01K", "type": "com.wasmcloud.lattice.component_scaled", "source": "h1", "data": {"annotations": {}, "host_id": "h1", "image_ref": "x", "max_instances": 1, "component_id": "c"}}"#,
];

const TOKENS: &[&str] = &[
    "{",
    "}",
    "[",
    "]",
    "\"",
    ":",
    ",",
    "null",
    "true",
    "-1",
    "4294967296",
    "1e999",
    "\"\\u0000\"",
    "\"\\ud800\"",
    "\"component_limits\"",
    "\"max_memory_limit\"",
    "\"max_execution_time\"",
    "\"count\"",
    "\"command\"",
    "\"fence\"",
    "\"data\"",
    "\"type\"",
];

/// Reads `input` as `T`; what reads is written back and must read the same. Whether it read.
fn round_trip<T: DeserializeOwned + Serialize + PartialEq + std::fmt::Debug>(input: &[u8]) -> bool {
    let Ok(value) = parse_ctl_body::<T>(input, "{}") else {
        return false;
    };
    let written = serde_json::to_vec(&value).unwrap();
    let again: T = serde_json::from_slice(&written).unwrap();
    assert_eq!(
        again,
        value,
        "written back as {}",
        String::from_utf8_lossy(&written)
    );
    true
}

/// Whether `input` reads as `T`.
fn reads_as<T: DeserializeOwned>(input: &[u8]) -> bool {
    parse_ctl_body::<T>(input, "{}").is_ok()
}

#[test]
fn fuzz_ctl_payloads() {
    let target = SEEDS
        .iter()
        .fold(Target::new("ctl-payloads").cases(20_000), |target, seed| {
            target.seed(seed.as_bytes())
        })
        .dictionary(TOKENS);
    target.run(|input| {
        let scale = parse_ctl_body::<ScaleComponent>(input, "{}").map(|scale| scale.limits());
        let subject = String::from_utf8_lossy(input);
        let _ = parse_ctl_subject(&subject, "wasmbus.ctl.v1.default.", "h1");
        let read = [
            scale.is_ok(),
            reads_as::<StartProvider>(input),
            reads_as::<StopProvider>(input),
            reads_as::<Link>(input),
            reads_as::<LinkDelete>(input),
            reads_as::<LabelChange>(input),
            round_trip::<FencedCommand>(input),
            round_trip::<CloudEvent>(input),
        ];
        read.contains(&true)
    });
}
