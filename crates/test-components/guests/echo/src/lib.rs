//! Echoes the request back: a text head (method, path with query, headers in order) then a blank
//! line, then the request body streamed through unchanged.
use std::io::Write as _;
use wasip2::http::types::{
    Fields, IncomingRequest, OutgoingBody, OutgoingResponse, ResponseOutparam,
};

struct Echo;

impl wasip2::exports::http::incoming_handler::Guest for Echo {
    fn handle(request: IncomingRequest, response_out: ResponseOutparam) {
        let mut head = format!(
            "method: {}\npath: {}\n",
            method_name(&request.method()),
            request.path_with_query().unwrap_or_default()
        );
        for (name, value) in request.headers().entries() {
            head.push_str(&format!("header: {name}: {}\n", String::from_utf8_lossy(&value)));
        }
        head.push('\n');

        let headers = Fields::from_list(&[("content-type".into(), b"text/plain".to_vec())])
            .unwrap();
        let response = OutgoingResponse::new(headers);
        let body = response.body().unwrap();
        ResponseOutparam::set(response_out, Ok(response));

        let mut out = body.write().unwrap();
        out.write_all(head.as_bytes()).unwrap();
        let incoming = request.consume().unwrap();
        let mut input = incoming.stream().unwrap();
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            let n = std::io::Read::read(&mut input, &mut buf).unwrap();
            if n == 0 {
                break;
            }
            out.write_all(&buf[..n]).unwrap();
        }
        out.flush().unwrap();
        drop(input);
        drop(out);
        OutgoingBody::finish(body, None).unwrap();
    }
}

fn method_name(method: &wasip2::http::types::Method) -> String {
    use wasip2::http::types::Method;
    match method {
        Method::Get => "GET".into(),
        Method::Head => "HEAD".into(),
        Method::Post => "POST".into(),
        Method::Put => "PUT".into(),
        Method::Delete => "DELETE".into(),
        Method::Connect => "CONNECT".into(),
        Method::Options => "OPTIONS".into(),
        Method::Trace => "TRACE".into(),
        Method::Patch => "PATCH".into(),
        Method::Other(other) => other.clone(),
    }
}

wasip2::http::proxy::export!(Echo);
