//! Exports only `wasmcloud:messaging/handler`: answers every message that has a reply subject
//! with `echo: BODY`, published through `wasmcloud:messaging/consumer`.

wit_bindgen::generate!({
    path: "../../../wit",
    world: "weft:host/message-handler",
    generate_all,
});

use exports::wasmcloud::messaging0_2_0::handler::Guest;
use wasmcloud::messaging0_2_0::consumer;
use wasmcloud::messaging0_2_0::types::BrokerMessage;

struct Echo;

impl Guest for Echo {
    fn handle_message(message: BrokerMessage) -> Result<(), String> {
        let Some(reply_to) = message.reply_to else {
            return Ok(());
        };
        let mut body = b"echo: ".to_vec();
        body.extend_from_slice(&message.body);
        consumer::publish(&BrokerMessage {
            subject: reply_to,
            body,
            reply_to: None,
        })
    }
}

export!(Echo);
