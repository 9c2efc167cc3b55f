//! Hostile: never returns. The host's deadline must stop it.
use wasip2::http::types::{IncomingRequest, ResponseOutparam};

struct SpinLoop;

impl wasip2::exports::http::incoming_handler::Guest for SpinLoop {
    fn handle(_request: IncomingRequest, _response_out: ResponseOutparam) {
        let mut counter: u64 = 0;
        loop {
            counter = std::hint::black_box(counter.wrapping_add(1));
        }
    }
}

wasip2::http::proxy::export!(SpinLoop);
