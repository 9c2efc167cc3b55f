//! The example components under `examples/`, built at build time. The `weft` binary carries
//! the ones `weft run --example` offers ([`EXAMPLES`]), so a fresh machine can serve
//! something with nothing to download; the others are here for the tests that deploy each
//! example's manifest.

/// One example component.
#[derive(Debug, Clone, Copy)]
pub struct Example {
    /// Its name (what users pass to `--example`, for the bundled ones).
    pub name: &'static str,
    /// What it does, for `--help` and listings.
    pub description: &'static str,
    /// The wadm manifest that describes it, as shipped in `examples/DIR/wadm.yaml`.
    pub manifest: &'static str,
    /// The component bytes.
    pub wasm: &'static [u8],
    /// Where the build put the component (valid on the machine that built this crate).
    pub path: &'static str,
}

/// An [`Example`] built from `examples/$dir`, whose component the build script names in
/// environment variable `$variable`.
macro_rules! example {
    ($name:literal, $description:literal, $dir:literal, $variable:literal) => {
        Example {
            name: $name,
            description: $description,
            manifest: include_str!(concat!("../../../examples/", $dir, "/wadm.yaml")),
            wasm: include_bytes!(env!($variable)),
            path: env!($variable),
        }
    };
}

/// Every example `weft run --example` offers.
pub const EXAMPLES: &[Example] = &[example!(
    "hello",
    "answers every HTTP request with `Hello from weft!`",
    "hello",
    "WEFT_EXAMPLE_HELLO"
)];

/// The key-value counter (`examples/counter`). It and the examples below need `weft up` and
/// their links, so `weft run --example` does not offer them.
pub const COUNTER: Example = example!(
    "counter",
    "counts requests per path in wasi:keyvalue, greeting from wasi:config",
    "counter",
    "WEFT_EXAMPLE_COUNTER"
);

/// The secret check (`examples/secret-check`): compares a presented key with a secret read
/// through `wasmcloud:secrets`.
pub const SECRET_CHECK: Example = example!(
    "secret-check",
    "checks a presented key against a secret read through wasmcloud:secrets",
    "secret-check",
    "WEFT_EXAMPLE_SECRET_CHECK"
);

/// File upload and download over `wasi:blobstore` (`examples/blobs`).
pub const BLOBS: Example = example!(
    "blobs",
    "stores PUT bodies and answers GETs through wasi:blobstore",
    "blobs",
    "WEFT_EXAMPLE_BLOBS"
);

/// Config readback through `wasi:config` store and runtime (`examples/config-readback`).
pub const CONFIG_READBACK: Example = example!(
    "config-readback",
    "answers the config values it reads through wasi:config",
    "config-readback",
    "WEFT_EXAMPLE_CONFIG_READBACK"
);

/// Outgoing HTTP over an HTTP client link (`examples/fetch`).
pub const FETCH: Example = example!(
    "fetch",
    "fetches `?url=` over wasi:http/outgoing-handler",
    "fetch",
    "WEFT_EXAMPLE_FETCH"
);

/// The Postgres items list (`examples/postgres`): HTTP in, `wasmcloud:postgres/query` out.
pub const POSTGRES: Example = example!(
    "postgres",
    "keeps a list of items in PostgreSQL through wasmcloud:postgres",
    "postgres",
    "WEFT_EXAMPLE_POSTGRES"
);

/// The asking half of the messaging example (`examples/messaging`): HTTP in, messaging
/// request out.
pub const MESSAGING_ASK: Example = example!(
    "messaging-ask",
    "turns each HTTP request into a wasmcloud:messaging request",
    "messaging",
    "WEFT_EXAMPLE_MESSAGING_ASK"
);

/// The answering half of the messaging example: exports only the message handler.
pub const MESSAGING_ECHO: Example = example!(
    "messaging-echo",
    "answers every message that has a reply subject with `echo: BODY`",
    "messaging",
    "WEFT_EXAMPLE_MESSAGING_ECHO"
);

/// The two-component pipeline (`examples/pipeline`): `front` serves HTTP and calls `shout`
/// through a component → component link.
pub const PIPELINE_FRONT: Example = example!(
    "pipeline-front",
    "hands each request body to the transform it imports",
    "pipeline",
    "WEFT_EXAMPLE_PIPELINE_FRONT"
);

/// The transform `front` calls.
pub const PIPELINE_SHOUT: Example = example!(
    "pipeline-shout",
    "exports example:pipeline/transform",
    "pipeline",
    "WEFT_EXAMPLE_PIPELINE_SHOUT"
);

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
