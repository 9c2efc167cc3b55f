//! `GET /?link=NAME`: picks the `wasi:keyvalue` link named NAME with
//! `wasmcloud:bus/lattice.set-link-name`, increments `hits` there and answers with the count;
//! 500 with the error when the link does not exist.
use std::io::Write as _;
use wasip2::http::types::{Fields, IncomingRequest, OutgoingBody, OutgoingResponse, ResponseOutparam};

wit_bindgen::generate!({
    path: "../../../../wit",
    world: "weft:host/capabilities",
    generate_all,
});

use wasi::keyvalue::{atomics, store};
use wasmcloud::bus::lattice::{CallTargetInterface, set_link_name};

struct KvLinks;

fn count(link: &str) -> Result<u64, String> {
    set_link_name(
        link,
        vec![
            CallTargetInterface::new("wasi", "keyvalue", "store"),
            CallTargetInterface::new("wasi", "keyvalue", "atomics"),
        ],
    )?;
    let bucket = store::open("hits").map_err(|error| format!("{error:?}"))?;
    atomics::increment(&bucket, "hits", 1).map_err(|error| format!("{error:?}"))
}

impl wasip2::exports::http::incoming_handler::Guest for KvLinks {
    fn handle(request: IncomingRequest, response_out: ResponseOutparam) {
        let query = request.path_with_query().unwrap_or_default();
        let link = query.split_once("link=").map_or("default", |(_, link)| link).to_owned();
        let (status, text) = match count(&link) {
            Ok(count) => (200, format!("{link}: {count}\n")),
            Err(error) => (500, format!("{error}\n")),
        };
        let response = OutgoingResponse::new(Fields::new());
        response.set_status_code(status).unwrap();
        let body = response.body().unwrap();
        ResponseOutparam::set(response_out, Ok(response));
        let mut out = body.write().unwrap();
        out.write_all(text.as_bytes()).unwrap();
        out.flush().unwrap();
        drop(out);
        OutgoingBody::finish(body, None).unwrap();
    }
}

wasip2::http::proxy::export!(KvLinks);
