//! The media types of component artifacts.

/// The config of a component artifact (`oci-wasm`, `wash push`).
pub const WASM_CONFIG_MEDIA_TYPE: &str = "application/vnd.wasm.config.v0+json";
/// The layer that holds the component.
pub const WASM_LAYER_MEDIA_TYPE: &str = "application/wasm";
/// Layers weft reads as a component: today's, and the older ones wasmCloud still accepts.
pub const ACCEPTED_LAYER_MEDIA_TYPES: &[&str] = &[
    WASM_LAYER_MEDIA_TYPE,
    "application/vnd.module.wasm.content.layer.v1+wasm",
    "application/vnd.wasm.content.layer.v1+wasm",
];
