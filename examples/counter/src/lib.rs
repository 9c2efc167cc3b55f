//! A request counter over `wasi:keyvalue`: each request increments the counter of its path
//! (key `hits/PATH`) in the bucket named by config key `bucket` (default `counter`) and
//! answers with the new count, prefixed by config key `greeting` (default `count`). Every count is logged through
//! `wasi:logging`. The same component runs on wasmCloud 1.x: these are the interface versions
//! wasmCloud hosts provide.
use std::io::Write as _;

use wasip2::http::types::{
    Fields, IncomingRequest, OutgoingBody, OutgoingResponse, ResponseOutparam,
};

wit_bindgen::generate!({
    path: "../../wit",
    world: "weft:host/capabilities",
    generate_all,
});

use wasi::config::store as config;
use wasi::keyvalue::{atomics, store};
use wasi::logging::logging::{Level, log};

struct Counter;

impl Counter {
    fn count(path: &str) -> Result<String, String> {
        let setting = |key: &str, default: &str| {
            config::get(key)
                .ok()
                .flatten()
                .unwrap_or_else(|| default.to_owned())
        };
        let bucket = store::open(&setting("bucket", "counter"))
            .map_err(|error| format!("cannot open the bucket: {error:?}"))?;
        let count = atomics::increment(&bucket, &key_of(path), 1)
            .map_err(|error| format!("cannot count: {error:?}"))?;
        log(Level::Info, "counter", &format!("{path} counted {count}"));
        Ok(format!("{} {path}: {count}\n", setting("greeting", "count")))
    }
}

/// The counter's key for `path`: `hits/a` for `/a`. Characters outside letters, digits and
/// `-/_=.` become `_`, so the key is valid in every key-value backend (NATS is the strictest).
fn key_of(path: &str) -> String {
    let safe: String = path
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "-/_=.".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!("hits{safe}")
}

impl wasip2::exports::http::incoming_handler::Guest for Counter {
    fn handle(request: IncomingRequest, response_out: ResponseOutparam) {
        let path = request.path_with_query().unwrap_or_else(|| "/".into());
        let (status, text) = match Self::count(&path) {
            Ok(text) => (200, text),
            Err(error) => {
                log(Level::Error, "counter", &error);
                (500, format!("{error}\n"))
            }
        };
        let headers =
            Fields::from_list(&[("content-type".into(), b"text/plain; charset=utf-8".to_vec())])
                .expect("content-type is a valid header");
        let response = OutgoingResponse::new(headers);
        response.set_status_code(status).expect("a valid status");
        let body = response.body().expect("a new response has a body");
        ResponseOutparam::set(response_out, Ok(response));
        let mut out = body.write().expect("the body stream is available once");
        out.write_all(text.as_bytes()).expect("writing the count");
        out.flush().expect("flushing the count");
        drop(out);
        OutgoingBody::finish(body, None).expect("finishing the body");
    }
}

wasip2::http::proxy::export!(Counter);
