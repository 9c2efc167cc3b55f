//! The example components the `weft` binary carries, built from `examples/` at build time, so
//! that a fresh machine can serve something with nothing to download.

/// One bundled example component.
#[derive(Debug, Clone, Copy)]
pub struct Example {
    /// The name users pass to `--example`.
    pub name: &'static str,
    /// What it does, for `--help` and listings.
    pub description: &'static str,
    /// The wadm manifest that describes it, as shipped in `examples/NAME/wadm.yaml`.
    pub manifest: &'static str,
    /// The component bytes.
    pub wasm: &'static [u8],
}

/// Every bundled example.
pub const EXAMPLES: &[Example] = &[Example {
    name: "hello",
    description: "answers every HTTP request with `Hello from weft!`",
    manifest: include_str!("../../../examples/hello/wadm.yaml"),
    wasm: include_bytes!(env!("WEFT_EXAMPLE_HELLO")),
}];

/// The key-value counter (`examples/counter`): it needs `weft up` and a key-value link, so
/// `weft run --example` does not offer it; tests and docs deploy it with its manifest.
pub const COUNTER: Example = Example {
    name: "counter",
    description: "counts requests per path in wasi:keyvalue, greeting from wasi:config",
    manifest: include_str!("../../../examples/counter/wadm.yaml"),
    wasm: include_bytes!(env!("WEFT_EXAMPLE_COUNTER")),
};

/// The secret check (`examples/secret-check`): compares a presented key with a secret read
/// through `wasmcloud:secrets`. Like the counter, it needs `weft up`.
pub const SECRET_CHECK: Example = Example {
    name: "secret-check",
    description: "checks a presented key against a secret read through wasmcloud:secrets",
    manifest: include_str!("../../../examples/secret-check/wadm.yaml"),
    wasm: include_bytes!(env!("WEFT_EXAMPLE_SECRET_CHECK")),
};

/// The two-component pipeline (`examples/pipeline`): `front` serves HTTP and calls `shout`
/// through a component → component link. Like the counter, it needs `weft up`.
pub const PIPELINE: Pipeline = Pipeline {
    manifest: include_str!("../../../examples/pipeline/wadm.yaml"),
    front: include_bytes!(env!("WEFT_EXAMPLE_PIPELINE_FRONT")),
    shout: include_bytes!(env!("WEFT_EXAMPLE_PIPELINE_SHOUT")),
};

/// The pipeline example: one manifest, two components.
#[derive(Debug, Clone, Copy)]
pub struct Pipeline {
    /// `examples/pipeline/wadm.yaml`.
    pub manifest: &'static str,
    /// The HTTP front (`build/pipeline_front.wasm` in the manifest).
    pub front: &'static [u8],
    /// The transform it calls (`build/pipeline_shout.wasm`).
    pub shout: &'static [u8],
}

/// Finds a bundled example by name.
pub fn find(name: &str) -> Option<&'static Example> {
    EXAMPLES.iter().find(|example| example.name == name)
}

/// The names of all bundled examples, for error hints.
pub fn names() -> Vec<&'static str> {
    EXAMPLES.iter().map(|example| example.name).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hello_is_a_component() {
        let hello = find("hello")
            .map(|example| example.wasm)
            .unwrap_or_default();
        // A component's preamble: `\0asm`, then version 0x0d and layer 1.
        assert_eq!(hello.get(..8), Some(&b"\0asm\x0d\x00\x01\x00"[..]));
    }
}
