//! Behaves as wasmCloud 1.x's Rust `http-hello-world` example: every request gets 200 and
//! `Hello from Rust!` with no headers. The tests deploy wasmCloud's manifest with it.
use std::io::Write as _;
use wasip2::http::types::{
    Fields, IncomingRequest, OutgoingBody, OutgoingResponse, ResponseOutparam,
};

struct Hello;

impl wasip2::exports::http::incoming_handler::Guest for Hello {
    fn handle(_request: IncomingRequest, response_out: ResponseOutparam) {
        let response = OutgoingResponse::new(Fields::new());
        let body = response.body().expect("a new response has a body");
        ResponseOutparam::set(response_out, Ok(response));
        let mut out = body.write().expect("the body stream is available once");
        out.write_all(b"Hello from Rust!\n").expect("writing the greeting");
        out.flush().expect("flushing the greeting");
        drop(out);
        OutgoingBody::finish(body, None).expect("finishing the body");
    }
}

wasip2::http::proxy::export!(Hello);
