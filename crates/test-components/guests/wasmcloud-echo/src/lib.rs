//! Behaves as wasmCloud 1.x's Rust `echo-messaging` example: a message with a reply subject is
//! answered with its body unchanged; one without is ignored.
wit_bindgen::generate!({
    path: "../../../../wit",
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
        consumer::publish(&BrokerMessage {
            subject: reply_to,
            body: message.body,
            reply_to: None,
        })
    }
}

export!(Echo);
