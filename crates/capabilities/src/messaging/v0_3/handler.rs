//! Calling a component's `wasmcloud:messaging/incoming-handler@0.3.0` with a delivered
//! message.

use wasmtime::Store;

use super::Message;
use crate::HttpInstanceState;
use crate::bindings::handler_world_0_3::MessageHandler03Pre;
use crate::bindings::wasmcloud::messaging0_2_0::types::BrokerMessage;
use crate::bindings::wasmcloud::messaging0_3_0::types::Error;

/// Hands `message` to the handler in a fresh instance of `pre` in `store` (`invocation` is
/// told once it is instantiated): the outer error is the instance failing (a trap, its
/// deadline), the inner one the handler's own answer.
pub async fn deliver(
    pre: &MessageHandler03Pre<HttpInstanceState>,
    store: &mut Store<HttpInstanceState>,
    message: BrokerMessage,
    invocation: &weft_telemetry::Invocation,
) -> wasmtime::Result<Result<(), String>> {
    let handler = pre.instantiate_async(&mut *store).await?;
    invocation.instantiated();
    let message = store
        .data_mut()
        .capabilities()
        .table
        .push(Message::received(message))?;
    let answer = handler
        .wasmcloud_messaging0_3_0_incoming_handler()
        .call_handle(&mut *store, message)
        .await?;
    Ok(answer.map_err(|error| describe(&error)))
}

/// The handler's error as text, as 0.2.0 handlers give theirs.
fn describe(error: &Error) -> String {
    match error {
        Error::Timeout => "the handler timed out".to_owned(),
        Error::Connection(reason) => format!("connection error: {reason}"),
        Error::PermissionDenied(reason) => format!("permission denied: {reason}"),
        Error::Other(reason) => reason.clone(),
    }
}
