//! A component built against `wasmcloud:messaging@0.3.0`. As wasmCloud 1.x's
//! `echo-messaging-0-3-0` example, its `incoming-handler` answers every request with the
//! message's data unchanged (`request-reply.reply`). Over HTTP it sends:
//! - `GET /send?topic=T&body=B[&link=L]`: `producer.send` of `B` on `T` through a client
//!   connected to link `L` (default: `""`, the component's chosen link); `200 sent`.
//! - `GET /request?body=B[&timeout=MS][&replies=N]`: `request-reply.request` with a message
//!   the guest made; the answer's data, else `502` and the error.
//!
//! Any failure answers `502` with the error's debug text.
use std::io::Write as _;
use wasip2::http::types::{Fields, IncomingRequest, OutgoingBody, OutgoingResponse, ResponseOutparam};

wit_bindgen::generate!({
    path: "../../../../wit",
    world: "weft:host/message-handler-0-3",
    generate_all,
});

use exports::wasmcloud::messaging0_3_0::incoming_handler::Guest;
use wasmcloud::messaging0_3_0::types::{Client, Error, Message};
use wasmcloud::messaging0_3_0::{producer, request_reply};

struct Echo;

impl Guest for Echo {
    fn handle(message: Message) -> Result<(), Error> {
        request_reply::reply(&message, Message::new(&message.data()))
    }
}

/// The value of `name` in the query `query`, if present.
fn param<'a>(query: &'a str, name: &str) -> Option<&'a str> {
    query
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .find_map(|(key, value)| (key == name).then_some(value))
}

fn send(query: &str) -> Result<String, Error> {
    let client = Client::connect(param(query, "link").unwrap_or(""))?;
    let message = Message::new(param(query, "body").unwrap_or("").as_bytes());
    producer::send(&client, &param(query, "topic").unwrap_or("").to_owned(), message)?;
    Ok("sent".to_owned())
}

fn request(query: &str) -> Result<String, Error> {
    let client = Client::connect("")?;
    let message = Message::new(param(query, "body").unwrap_or("").as_bytes());
    let options = request_reply::RequestOptions::new();
    if let Some(timeout) = param(query, "timeout").and_then(|ms| ms.parse().ok()) {
        options.set_timeout_ms(timeout);
    }
    if let Some(replies) = param(query, "replies").and_then(|n| n.parse().ok()) {
        options.set_expected_replies(replies);
    }
    let replies = request_reply::request(&client, &message, Some(options))?;
    let first = replies.first().map(Message::data).unwrap_or_default();
    Ok(String::from_utf8_lossy(&first).into_owned())
}

impl wasip2::exports::http::incoming_handler::Guest for Echo {
    fn handle(request_in: IncomingRequest, response_out: ResponseOutparam) {
        let path = request_in.path_with_query().unwrap_or_default();
        let (route, query) = path.split_once('?').unwrap_or((&path, ""));
        let answer = match route {
            "/send" => send(query),
            "/request" => request(query),
            other => Err(Error::Other(format!("no route {other}"))),
        };
        let (status, text) = match answer {
            Ok(text) => (200, text),
            Err(error) => (502, format!("{error:?}")),
        };
        let response = OutgoingResponse::new(Fields::new());
        response.set_status_code(status).unwrap();
        let body = response.body().unwrap();
        ResponseOutparam::set(response_out, Ok(response));
        let mut out = body.write().unwrap();
        out.write_all(text.as_bytes()).unwrap();
        out.flush().unwrap();
        drop(out);
        OutgoingBody::finish(body, None).unwrap();
    }
}

export!(Echo);
wasip2::http::proxy::export!(Echo);
