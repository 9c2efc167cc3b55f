//! Guest components for weft's tests, compiled from `guests/` to `wasm32-wasip2` by the build
//! script. Each constant is the path of one built component:
//!
//! - `ECHO`: echoes method, path, headers and the (streamed) body.
//! - `STREAMING`: streams a generated body in chunks (`?chunks=N&size=S`).
//! - `STDIO`: prints to stdout and stderr through Rust std.
//! - `SPIN_LOOP`, `MEMORY_BOMB`, `TRAP`, `DEEP_RECURSION`: hostile components.
//! - `SLOW`: answers after `?ms=N` milliseconds.
//! - `WASI_0_2_0`: a hello component importing `wasi:http@0.2.0` exactly.
//! - `CLI_COMMAND`: a valid component that is not an HTTP handler.
//! - `KV_LINKS`: picks a `wasi:keyvalue` link by name (`?link=NAME`, through
//!   `wasmcloud:bus/lattice@2.0.0`, or `@1.0.0` with `&bus=1`) and counts there.
//! - `WASMCLOUD_HELLO`, `WASMCLOUD_COUNTER`, `WASMCLOUD_ECHO`: behave as wasmCloud 1.x's Rust
//!   `http-hello-world`, `http-keyvalue-counter` and `echo-messaging` examples, for the tests
//!   that deploy wasmCloud's manifests unchanged but for their `image:` lines.
//! - `MESSAGING_0_3`: built against `wasmcloud:messaging@0.3.0`: echoes requests as wasmCloud's
//!   `echo-messaging-0-3-0` example does, and sends (`/send`) and requests (`/request`) over
//!   HTTP.
//! - `POSTGRES_TYPES`: sends every kind of `pg-value` through `wasmcloud:postgres` and back
//!   (`SELECT $1::TYPE`) and checks the errors a component gets; `GET /` reports each check.
//!
//! Components that show a capability to users live in `examples/` (the `weft-examples`
//! crate): the tests use those too.

include!(concat!(env!("OUT_DIR"), "/paths.rs"));
