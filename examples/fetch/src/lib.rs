//! Fetches `?url=http://HOST:PORT/PATH` with `wasi:http/outgoing-handler` and answers with the
//! upstream's status and body, or 502 and the error code when the request fails (or is
//! denied by the host).
use std::io::Write as _;
use wasip2::http::outgoing_handler;
use wasip2::http::types::{
    Fields, IncomingRequest, Method, OutgoingBody, OutgoingRequest, OutgoingResponse,
    ResponseOutparam, Scheme,
};

struct Fetch;

impl wasip2::exports::http::incoming_handler::Guest for Fetch {
    fn handle(request: IncomingRequest, response_out: ResponseOutparam) {
        let query = request.path_with_query().unwrap_or_default();
        let url = query.split_once("url=").map(|(_, url)| url.to_owned()).unwrap_or_default();
        let (status, body) = match fetch(&url) {
            Ok(result) => result,
            Err(error) => (502, format!("fetch failed: {error}")),
        };
        let response = OutgoingResponse::new(Fields::new());
        response.set_status_code(status).unwrap();
        let out_body = response.body().unwrap();
        ResponseOutparam::set(response_out, Ok(response));
        let mut out = out_body.write().unwrap();
        out.write_all(body.as_bytes()).unwrap();
        out.flush().unwrap();
        drop(out);
        OutgoingBody::finish(out_body, None).unwrap();
    }
}

fn fetch(url: &str) -> Result<(u16, String), String> {
    let rest = url.strip_prefix("http://").ok_or("only http:// URLs")?;
    let (authority, path) = match rest.find('/') {
        Some(index) => (&rest[..index], &rest[index..]),
        None => (rest, "/"),
    };
    let request = OutgoingRequest::new(Fields::new());
    request.set_method(&Method::Get).map_err(|()| "method")?;
    request.set_scheme(Some(&Scheme::Http)).map_err(|()| "scheme")?;
    request.set_authority(Some(authority)).map_err(|()| "authority")?;
    request.set_path_with_query(Some(path)).map_err(|()| "path")?;
    let pending = outgoing_handler::handle(request, None).map_err(|code| format!("{code:?}"))?;
    pending.subscribe().block();
    let response = pending
        .get()
        .ok_or("no response")?
        .map_err(|()| "response taken twice")?
        .map_err(|code| format!("{code:?}"))?;
    let status = response.status();
    let body = response.consume().map_err(|()| "body")?;
    let stream = body.stream().map_err(|()| "stream")?;
    let mut bytes = Vec::new();
    loop {
        match stream.blocking_read(64 * 1024) {
            Ok(chunk) => bytes.extend_from_slice(&chunk),
            Err(_) => break,
        }
    }
    Ok((status, String::from_utf8_lossy(&bytes).into_owned()))
}

wasip2::http::proxy::export!(Fetch);
