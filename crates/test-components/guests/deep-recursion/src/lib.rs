//! Hostile: recurses without bound until the wasm stack overflows.
use wasip2::http::types::{IncomingRequest, ResponseOutparam};

struct DeepRecursion;

impl wasip2::exports::http::incoming_handler::Guest for DeepRecursion {
    fn handle(_request: IncomingRequest, _response_out: ResponseOutparam) {
        std::hint::black_box(descend(std::hint::black_box(1)));
    }
}

#[inline(never)]
#[allow(unconditional_recursion)]
fn descend(depth: u64) -> u64 {
    let frame = std::hint::black_box([depth; 16]);
    descend(depth + 1).wrapping_add(frame[(depth % 16) as usize])
}

wasip2::http::proxy::export!(DeepRecursion);
