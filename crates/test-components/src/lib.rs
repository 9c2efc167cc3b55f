//! Guest components for weft's tests, compiled from `guests/` to `wasm32-wasip2` by the build
//! script. Each constant is the path of one built component:
//!
//! - `ECHO`: echoes method, path, headers and the (streamed) body.
//! - `STREAMING`: streams a generated body in chunks (`?chunks=N&size=S`).
//! - `STDIO`: prints to stdout and stderr through Rust std.
//! - `SPIN_LOOP`, `MEMORY_BOMB`, `TRAP`, `DEEP_RECURSION`: hostile components.
//! - `SLOW`: answers after `?ms=N` milliseconds.
//! - `WASI_0_2_0`: a hello component importing `wasi:http@0.2.0` exactly.
//! - `FETCH`: fetches `?url=http://...` over `wasi:http/outgoing-handler`.
//! - `CLI_COMMAND`: a valid component that is not an HTTP handler.
//! - `KV_LINKS`: picks a `wasi:keyvalue` link by name (`?link=NAME`, through
//!   `wasmcloud:bus/lattice@2.0.0`, or `@1.0.0` with `&bus=1`) and counts there.
//! - `CONFIG_READBACK`: `GET /KEY` reads KEY through `wasi:config/store` and the legacy
//!   `wasi:config/runtime`.
//! - `MESSAGE_ECHO`: exports only `wasmcloud:messaging/handler`; replies `echo: BODY`.
//! - `BLOBS`: `PUT /?name=N` stores the body in `wasi:blobstore`, `GET /?name=N` reads it.
//! - `MESSAGE_ASK`: `?subject=S&body=B` sends a messaging request and answers the reply.

include!(concat!(env!("OUT_DIR"), "/paths.rs"));
