//! Answers after a pause: `?ms=N` waits N milliseconds (default 500) on the monotonic clock,
//! then streams `slow done`. Used to test graceful shutdown with requests in flight.
use std::io::Write as _;
use wasip2::http::types::{
    Fields, IncomingRequest, OutgoingBody, OutgoingResponse, ResponseOutparam,
};

struct Slow;

impl wasip2::exports::http::incoming_handler::Guest for Slow {
    fn handle(request: IncomingRequest, response_out: ResponseOutparam) {
        let query = request.path_with_query().unwrap_or_default();
        let millis: u64 = query
            .split_once("ms=")
            .and_then(|(_, value)| value.split('&').next())
            .and_then(|value| value.parse().ok())
            .unwrap_or(500);
        wasip2::clocks::monotonic_clock::subscribe_duration(millis * 1_000_000).block();

        let response = OutgoingResponse::new(Fields::new());
        let body = response.body().unwrap();
        ResponseOutparam::set(response_out, Ok(response));
        let mut out = body.write().unwrap();
        out.write_all(b"slow done").unwrap();
        out.flush().unwrap();
        drop(out);
        OutgoingBody::finish(body, None).unwrap();
    }
}

wasip2::http::proxy::export!(Slow);
