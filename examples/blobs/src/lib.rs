//! `PUT /?name=N` stores the request body as object N in container `files` (created on first
//! use); `GET /?name=N` answers it (404 when missing). Blobstore errors answer 400 with the
//! host's message.
use std::io::Write as _;
use wasip2::http::types::{
    Fields, IncomingRequest, Method, OutgoingBody, OutgoingResponse, ResponseOutparam,
};

wit_bindgen::generate!({
    path: "../../wit",
    world: "weft:host/capabilities",
    generate_all,
});

use wasi::blobstore::blobstore;
use wasi::blobstore::container::Container;
use wasi::blobstore::types::{IncomingValue, OutgoingValue};

struct Blobs;

fn container() -> Result<Container, String> {
    if blobstore::container_exists("files")? {
        blobstore::get_container("files")
    } else {
        blobstore::create_container("files")
    }
}

fn store(name: &str, data: &[u8]) -> Result<(), String> {
    let container = container()?;
    let value = OutgoingValue::new_outgoing_value();
    let body = value
        .outgoing_value_write_body()
        .map_err(|()| "no body stream".to_owned())?;
    container.write_data(name, &value)?;
    for chunk in data.chunks(4096) {
        body.blocking_write_and_flush(chunk)
            .map_err(|error| format!("{error:?}"))?;
    }
    drop(body);
    OutgoingValue::finish(value)
}

fn load(name: &str) -> Result<Option<Vec<u8>>, String> {
    let container = container()?;
    if !container.has_object(name)? {
        return Ok(None);
    }
    let value = container.get_data(name, 0, u64::MAX)?;
    IncomingValue::incoming_value_consume_sync(value).map(Some)
}

fn read_body(request: IncomingRequest) -> Vec<u8> {
    let mut data = Vec::new();
    let Ok(body) = request.consume() else {
        return data;
    };
    let Ok(stream) = body.stream() else {
        return data;
    };
    while let Ok(chunk) = stream.blocking_read(64 * 1024) {
        data.extend(chunk);
    }
    data
}

impl wasip2::exports::http::incoming_handler::Guest for Blobs {
    fn handle(request: IncomingRequest, response_out: ResponseOutparam) {
        let query = request.path_with_query().unwrap_or_default();
        let name = query.split_once("name=").map_or("", |(_, name)| name).to_owned();
        let method = request.method();
        let (status, text) = match method {
            Method::Put => {
                let data = read_body(request);
                match store(&name, &data) {
                    Ok(()) => (200, format!("stored {name} ({} bytes)", data.len()).into_bytes()),
                    Err(error) => (400, error.into_bytes()),
                }
            }
            _ => match load(&name) {
                Ok(Some(data)) => (200, data),
                Ok(None) => (404, b"no such object".to_vec()),
                Err(error) => (400, error.into_bytes()),
            },
        };
        let response = OutgoingResponse::new(Fields::new());
        response.set_status_code(status).unwrap();
        let body = response.body().unwrap();
        ResponseOutparam::set(response_out, Ok(response));
        let mut out = body.write().unwrap();
        for chunk in text.chunks(4096) {
            out.write_all(chunk).unwrap();
        }
        out.flush().unwrap();
        drop(out);
        OutgoingBody::finish(body, None).unwrap();
    }
}

wasip2::http::proxy::export!(Blobs);
