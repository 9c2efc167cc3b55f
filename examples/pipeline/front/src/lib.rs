//! The pipeline's HTTP front: reads the request body, passes it to the
//! `example:pipeline/transform` import and answers with what came back. It does not know who
//! implements the transform: the manifest's link decides (in weft, another component called in
//! process).
use std::io::{Read as _, Write as _};

use wasip2::http::types::{
    Fields, IncomingBody, IncomingRequest, OutgoingBody, OutgoingResponse, ResponseOutparam,
};

wit_bindgen::generate!({
    path: "../wit",
    world: "front",
});

use example::pipeline::transform::shout;

/// Requests larger than this are refused.
const MAX_BODY_BYTES: u64 = 64 * 1024;

struct Front;

impl Front {
    fn read_body(request: &IncomingRequest) -> Result<String, String> {
        let body = request
            .consume()
            .map_err(|()| "the request body was already read".to_owned())?;
        let mut bytes = Vec::new();
        {
            let mut stream = body
                .stream()
                .map_err(|()| "the request body has no stream".to_owned())?;
            (&mut stream)
                .take(MAX_BODY_BYTES + 1)
                .read_to_end(&mut bytes)
                .map_err(|error| format!("cannot read the request body: {error}"))?;
        }
        IncomingBody::finish(body);
        if bytes.len() as u64 > MAX_BODY_BYTES {
            return Err(format!("send at most {MAX_BODY_BYTES} bytes"));
        }
        String::from_utf8(bytes).map_err(|_| "the request body is not UTF-8 text".to_owned())
    }
}

impl wasip2::exports::http::incoming_handler::Guest for Front {
    fn handle(request: IncomingRequest, response_out: ResponseOutparam) {
        let (status, text) = match Self::read_body(&request) {
            Ok(input) => {
                let outcome = shout(&input);
                (200, format!("{} ({} words)\n", outcome.text, outcome.words))
            }
            Err(error) => (400, format!("{error}\n")),
        };
        let headers =
            Fields::from_list(&[("content-type".into(), b"text/plain; charset=utf-8".to_vec())])
                .expect("content-type is a valid header");
        let response = OutgoingResponse::new(headers);
        response.set_status_code(status).expect("a valid status");
        let body = response.body().expect("a new response has a body");
        ResponseOutparam::set(response_out, Ok(response));
        let mut out = body.write().expect("the body stream is available once");
        out.write_all(text.as_bytes()).expect("writing the answer");
        out.flush().expect("flushing the answer");
        drop(out);
        OutgoingBody::finish(body, None).expect("finishing the body");
    }
}

wasip2::http::proxy::export!(Front);
