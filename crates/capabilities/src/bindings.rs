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
        "wasmcloud:messaging/types@0.3.0.client": crate::messaging::v0_3::Client,
        "wasmcloud:messaging/types@0.3.0.message": crate::messaging::v0_3::Message,
        "wasmcloud:messaging/request-reply@0.3.0.request-options": crate::messaging::v0_3::RequestOptions,
    },
    trappable_error_type: {
        "wasi:keyvalue/store.error" => crate::keyvalue::KeyValueError,
    },
});

/// The `message-handler` world, to call `wasmcloud:messaging/handler@0.2.0` on components.
pub mod handler_world {
    wasmtime::component::bindgen!({
        path: "../../wit",
        world: "weft:host/message-handler",
        imports: { default: async | trappable },
        exports: { default: async },
        with: {
            "wasmcloud:messaging@0.2.0": crate::bindings::wasmcloud::messaging0_2_0,
        },
    });
}

/// The `message-handler-0-3` world, to call `wasmcloud:messaging/incoming-handler@0.3.0` on
/// components.
pub mod handler_world_0_3 {
    wasmtime::component::bindgen!({
        path: "../../wit",
        world: "weft:host/message-handler-0-3",
        imports: { default: async | trappable },
        exports: { default: async },
        with: {
            "wasmcloud:messaging@0.3.0": crate::bindings::wasmcloud::messaging0_3_0,
        },
    });
}
