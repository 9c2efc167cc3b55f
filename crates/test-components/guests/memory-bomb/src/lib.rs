//! Hostile: allocates (and touches) memory until something stops it. The host's per-instance
//! memory limit must.
use wasip2::http::types::{IncomingRequest, ResponseOutparam};

struct MemoryBomb;

impl wasip2::exports::http::incoming_handler::Guest for MemoryBomb {
    fn handle(_request: IncomingRequest, _response_out: ResponseOutparam) {
        let mut hoard: Vec<Vec<u8>> = Vec::new();
        loop {
            hoard.push(vec![0x5a; 1024 * 1024]);
            std::hint::black_box(&hoard);
        }
    }
}

wasip2::http::proxy::export!(MemoryBomb);
