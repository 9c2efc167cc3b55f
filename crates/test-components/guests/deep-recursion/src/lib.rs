//! Hostile: recurses (practically) without bound until the wasm call stack overflows. The
//! frames hold only scalars, so they live on the wasm stack, not Rust's shadow stack.
use wasip2::http::types::{IncomingRequest, ResponseOutparam};

struct DeepRecursion;

impl wasip2::exports::http::incoming_handler::Guest for DeepRecursion {
    fn handle(_request: IncomingRequest, _response_out: ResponseOutparam) {
        let depth = std::hint::black_box(u64::MAX);
        std::hint::black_box(descend(depth));
    }
}

#[inline(never)]
fn descend(remaining: u64) -> u64 {
    if remaining == 0 {
        return 0;
    }
    descend(remaining - 1).rotate_left(7) ^ remaining
}

wasip2::http::proxy::export!(DeepRecursion);
