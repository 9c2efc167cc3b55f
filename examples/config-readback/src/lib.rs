//! `GET /KEY`: reads KEY through both `wasi:config/store` and the legacy
//! `wasi:config/runtime` and answers `store: VALUE` and `runtime: VALUE` lines (`-` when
//! absent); `GET /` answers every key both interfaces list.
use std::io::Write as _;
use wasip2::http::types::{Fields, IncomingRequest, OutgoingBody, OutgoingResponse, ResponseOutparam};

wit_bindgen::generate!({
    path: "../../wit",
    world: "weft:host/capabilities",
    generate_all,
});

use wasi::config::{runtime, store};

struct ConfigReadback;

fn readback(key: &str) -> String {
    if key.is_empty() {
        let keys = |all: Vec<(String, String)>| {
            all.into_iter().map(|(key, _)| key).collect::<Vec<_>>().join(",")
        };
        let from_store = store::get_all().map(keys).unwrap_or_else(|error| format!("{error:?}"));
        let from_runtime = runtime::get_all().map(keys).unwrap_or_else(|error| format!("{error:?}"));
        return format!("store: {from_store}\nruntime: {from_runtime}\n");
    }
    let from_store = store::get(key).map(|value| value.unwrap_or_else(|| "-".into()));
    let from_runtime = runtime::get(key).map(|value| value.unwrap_or_else(|| "-".into()));
    format!(
        "store: {}\nruntime: {}\n",
        from_store.unwrap_or_else(|error| format!("{error:?}")),
        from_runtime.unwrap_or_else(|error| format!("{error:?}"))
    )
}

impl wasip2::exports::http::incoming_handler::Guest for ConfigReadback {
    fn handle(request: IncomingRequest, response_out: ResponseOutparam) {
        let path = request.path_with_query().unwrap_or_default();
        let text = readback(path.trim_start_matches('/'));
        let response = OutgoingResponse::new(Fields::new());
        let body = response.body().unwrap();
        ResponseOutparam::set(response_out, Ok(response));
        let mut out = body.write().unwrap();
        out.write_all(text.as_bytes()).unwrap();
        out.flush().unwrap();
        drop(out);
        OutgoingBody::finish(body, None).unwrap();
    }
}

wasip2::http::proxy::export!(ConfigReadback);
