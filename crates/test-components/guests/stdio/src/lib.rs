//! Writes a line to stdout and one to stderr (through Rust std, so it imports the WASI CLI
//! interfaces), reads an environment variable, then answers 200 "logged".
use std::io::Write as _;
use wasip2::http::types::{
    Fields, IncomingRequest, OutgoingBody, OutgoingResponse, ResponseOutparam,
};

struct Stdio;

impl wasip2::exports::http::incoming_handler::Guest for Stdio {
    fn handle(request: IncomingRequest, response_out: ResponseOutparam) {
        let path = request.path_with_query().unwrap_or_default();
        println!("stdout line for {path}");
        eprintln!("stderr line for {path}");
        let vars = std::env::vars().count();

        let response = OutgoingResponse::new(Fields::new());
        let body = response.body().unwrap();
        ResponseOutparam::set(response_out, Ok(response));
        let mut out = body.write().unwrap();
        write!(out, "logged ({vars} env vars)").unwrap();
        out.flush().unwrap();
        drop(out);
        OutgoingBody::finish(body, None).unwrap();
    }
}

wasip2::http::proxy::export!(Stdio);
