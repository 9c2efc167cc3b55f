//! {{project-name}}: answers every message that has a reply subject with
//! `{{project-name}} got: BODY`.
wit_bindgen::generate!({ path: "wit", world: "handler", generate_all });

use exports::wasmcloud::messaging::handler::Guest;
use wasmcloud::messaging::consumer;
use wasmcloud::messaging::types::BrokerMessage;

struct Component;

impl Guest for Component {
    fn handle_message(message: BrokerMessage) -> Result<(), String> {
        let Some(reply_to) = message.reply_to else {
            return Ok(());
        };
        let mut body = b"{{project-name}} got: ".to_vec();
        body.extend_from_slice(&message.body);
        consumer::publish(&BrokerMessage {
            subject: reply_to,
            body,
            reply_to: None,
        })
    }
}

export!(Component);
