//! Hostile: writes lines to stderr as fast as it can and never returns. The host's deadline
//! must stop it, and its log lines must not crowd out other components' requests.
use std::io::Write as _;
use wasip2::http::types::{IncomingRequest, ResponseOutparam};

struct LogFlood;

impl wasip2::exports::http::incoming_handler::Guest for LogFlood {
    fn handle(_request: IncomingRequest, _response_out: ResponseOutparam) {
        let mut stderr = std::io::stderr();
        let mut line: u64 = 0;
        loop {
            line = line.wrapping_add(1);
            let _ = writeln!(stderr, "flooding the log: line {line}");
        }
    }
}

wasip2::http::proxy::export!(LogFlood);
