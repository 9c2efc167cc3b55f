//! Hello, world over `wasi:http`: answers every request with a greeting.
//!
//! Build it with `cargo build --release --target wasm32-wasip2`; serve it with
//! `weft run target/wasm32-wasip2/release/http_hello_world.wasm`.
use std::io::Write as _;
use wasip2::http::types::{
    Fields, IncomingRequest, OutgoingBody, OutgoingResponse, ResponseOutparam,
};

struct HelloWorld;

impl wasip2::exports::http::incoming_handler::Guest for HelloWorld {
    fn handle(_request: IncomingRequest, response_out: ResponseOutparam) {
        let headers =
            Fields::from_list(&[("content-type".into(), b"text/plain; charset=utf-8".to_vec())])
                .expect("content-type is a valid header");
        let response = OutgoingResponse::new(headers);
        let body = response.body().expect("a new response has a body");
        ResponseOutparam::set(response_out, Ok(response));

        let mut out = body.write().expect("the body stream is available once");
        out.write_all(b"Hello from weft!\n").expect("writing the greeting");
        out.flush().expect("flushing the greeting");
        drop(out);
        OutgoingBody::finish(body, None).expect("finishing the body");
    }
}

wasip2::http::proxy::export!(HelloWorld);
