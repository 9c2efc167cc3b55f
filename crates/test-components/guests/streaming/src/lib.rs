//! Streams a generated body: `?chunks=N&size=S` writes N chunks of S bytes (defaults 64 × 16 KiB),
//! flushing after each, so the response leaves the host chunk by chunk with no content-length.
use std::io::Write as _;
use wasip2::http::types::{
    Fields, IncomingRequest, OutgoingBody, OutgoingResponse, ResponseOutparam,
};

struct Streaming;

impl wasip2::exports::http::incoming_handler::Guest for Streaming {
    fn handle(request: IncomingRequest, response_out: ResponseOutparam) {
        let query = request.path_with_query().unwrap_or_default();
        let chunks = query_param(&query, "chunks").unwrap_or(64);
        let size = query_param(&query, "size").unwrap_or(16 * 1024);

        let response = OutgoingResponse::new(Fields::new());
        let body = response.body().unwrap();
        ResponseOutparam::set(response_out, Ok(response));

        let mut out = body.write().unwrap();
        for index in 0..chunks {
            let byte = b'a' + (index % 26) as u8;
            out.write_all(&vec![byte; size]).unwrap();
            out.flush().unwrap();
        }
        drop(out);
        OutgoingBody::finish(body, None).unwrap();
    }
}

fn query_param(path: &str, name: &str) -> Option<usize> {
    let query = path.split_once('?')?.1;
    query
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .find(|(key, _)| *key == name)
        .and_then(|(_, value)| value.parse().ok())
}

wasip2::http::proxy::export!(Streaming);
