//! `GET /?link=NAME`: picks the `wasi:keyvalue` link named NAME with
//! `wasmcloud:bus/lattice@2.0.0.set-link-name` (`@1.0.0`, which reports nothing, with
//! `&bus=1`), increments `hits` there and answers with the count; 500 with the error when the
//! link does not exist.
use std::io::Write as _;
use wasip2::http::types::{Fields, IncomingRequest, OutgoingBody, OutgoingResponse, ResponseOutparam};

wit_bindgen::generate!({
    path: "../../../../wit",
    world: "weft:host/capabilities",
    generate_all,
});

use wasi::keyvalue::{atomics, store};
use wasmcloud::bus1_0_0::lattice as lattice_v1;
use wasmcloud::bus2_0_0::lattice::{CallTargetInterface, set_link_name};

struct KvLinks;

fn count(link: &str, first_bus: bool) -> Result<u64, String> {
    if first_bus {
        lattice_v1::set_link_name(
            link,
            vec![
                lattice_v1::CallTargetInterface::new("wasi", "keyvalue", "store"),
                lattice_v1::CallTargetInterface::new("wasi", "keyvalue", "atomics"),
            ],
        );
    } else {
        set_link_name(
            link,
            vec![
                CallTargetInterface::new("wasi", "keyvalue", "store"),
                CallTargetInterface::new("wasi", "keyvalue", "atomics"),
            ],
        )?;
    }
    let bucket = store::open("hits").map_err(|error| format!("{error:?}"))?;
    atomics::increment(&bucket, "hits", 1).map_err(|error| format!("{error:?}"))
}

impl wasip2::exports::http::incoming_handler::Guest for KvLinks {
    fn handle(request: IncomingRequest, response_out: ResponseOutparam) {
        let query = request.path_with_query().unwrap_or_default();
        let first_bus = query.contains("bus=1");
        let link = query
            .split_once("link=")
            .map_or("default", |(_, link)| link.split('&').next().unwrap_or_default())
            .to_owned();
        let (status, text) = match count(&link, first_bus) {
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
