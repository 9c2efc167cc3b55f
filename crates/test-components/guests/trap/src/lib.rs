//! Hostile: traps (a Rust panic becomes `unreachable`) before answering.
use wasip2::http::types::{IncomingRequest, ResponseOutparam};

struct Trap;

impl wasip2::exports::http::incoming_handler::Guest for Trap {
    fn handle(_request: IncomingRequest, _response_out: ResponseOutparam) {
        panic!("this component always traps");
    }
}

wasip2::http::proxy::export!(Trap);
