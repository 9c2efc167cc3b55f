//! Behaves as wasmCloud 1.x's Rust `http-keyvalue-counter` example: each request increments
//! the key that is its path (without the query) in bucket `default` and answers
//! `Counter PATH: N`; 500 with the error when the store fails.
use std::io::Write as _;
use wasip2::http::types::{
    Fields, IncomingRequest, OutgoingBody, OutgoingResponse, ResponseOutparam,
};

wit_bindgen::generate!({
    path: "../../../../wit",
    world: "weft:host/capabilities",
    generate_all,
});

use wasi::keyvalue::{atomics, store};

struct Counter;

fn count(path: &str) -> Result<u64, String> {
    let bucket = store::open("default").map_err(|error| format!("{error:?}"))?;
    atomics::increment(&bucket, path, 1).map_err(|error| format!("{error:?}"))
}

impl wasip2::exports::http::incoming_handler::Guest for Counter {
    fn handle(request: IncomingRequest, response_out: ResponseOutparam) {
        let path_with_query = request.path_with_query().unwrap_or_else(|| "/".into());
        let path = path_with_query
            .split_once('?')
            .map_or(path_with_query.as_str(), |(path, _)| path)
            .to_owned();
        let (status, text) = match count(&path) {
            Ok(count) => (200, format!("Counter {path}: {count}\n")),
            Err(error) => (500, format!("Failed to increment counter: {error}\n")),
        };
        let response = OutgoingResponse::new(Fields::new());
        response.set_status_code(status).expect("a valid status");
        let body = response.body().expect("a new response has a body");
        ResponseOutparam::set(response_out, Ok(response));
        let mut out = body.write().expect("the body stream is available once");
        out.write_all(text.as_bytes()).expect("writing the count");
        out.flush().expect("flushing the count");
        drop(out);
        OutgoingBody::finish(body, None).expect("finishing the body");
    }
}

wasip2::http::proxy::export!(Counter);
