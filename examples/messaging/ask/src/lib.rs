//! `GET /?subject=S&body=B`: sends B as a request on S through `wasmcloud:messaging/consumer`
//! (1 s timeout) and answers with the reply's body, or 502 and the error.
use std::io::Write as _;
use wasip2::http::types::{Fields, IncomingRequest, OutgoingBody, OutgoingResponse, ResponseOutparam};

wit_bindgen::generate!({
    path: "../../../wit",
    world: "weft:host/capabilities",
    generate_all,
});

use wasmcloud::messaging0_2_0::consumer;

struct Ask;

fn parameter<'a>(query: &'a str, name: &str) -> &'a str {
    query
        .trim_start_matches(|c| c != '?')
        .trim_start_matches('?')
        .split('&')
        .find_map(|pair| pair.strip_prefix(name).and_then(|rest| rest.strip_prefix('=')))
        .unwrap_or_default()
}

impl wasip2::exports::http::incoming_handler::Guest for Ask {
    fn handle(request: IncomingRequest, response_out: ResponseOutparam) {
        let query = request.path_with_query().unwrap_or_default();
        let (subject, body) = (parameter(&query, "subject"), parameter(&query, "body"));
        let (status, text) = match consumer::request(subject, body.as_bytes(), 1000) {
            Ok(reply) => (200, String::from_utf8_lossy(&reply.body).into_owned()),
            Err(error) => (502, error),
        };
        let response = OutgoingResponse::new(Fields::new());
        response.set_status_code(status).unwrap();
        let out_body = response.body().unwrap();
        ResponseOutparam::set(response_out, Ok(response));
        let mut out = out_body.write().unwrap();
        out.write_all(text.as_bytes()).unwrap();
        out.flush().unwrap();
        drop(out);
        OutgoingBody::finish(out_body, None).unwrap();
    }
}

wasip2::http::proxy::export!(Ask);
