//! Host bindings for the capability interfaces in `wit/` (key-value, config, logging,
//! blobstore, messaging, secrets).

#![allow(missing_docs)] // Generated code.

wasmtime::component::bindgen!({
    path: "../../wit",
    world: "weft:host/capabilities",
    imports: { default: async | trappable },
    with: {
        "wasi:keyvalue/store.bucket": crate::keyvalue::Bucket,
        "wasmcloud:bus/lattice.call-target-interface": crate::bus::CallTargetInterface,
        "wasi:io": wasmtime_wasi::p2::bindings::io,
        "wasi:blobstore/container.container": crate::blobstore::Container,
        "wasi:blobstore/container.stream-object-names": crate::blobstore::ObjectNames,
        "wasi:blobstore/types.outgoing-value": crate::blobstore::OutgoingValue,
        "wasi:blobstore/types.incoming-value": crate::blobstore::IncomingValue,
        "wasmcloud:secrets/store.secret": crate::secrets::Secret,
    },
    trappable_error_type: {
        "wasi:keyvalue/store.error" => crate::keyvalue::KeyValueError,
    },
});

/// The `message-handler` world, to call `wasmcloud:messaging/handler` on components.
pub mod handler_world {
    wasmtime::component::bindgen!({
        path: "../../wit",
        world: "weft:host/message-handler",
        imports: { default: async | trappable },
        exports: { default: async },
        with: {
            "wasmcloud:messaging": crate::bindings::wasmcloud::messaging,
        },
    });
}
