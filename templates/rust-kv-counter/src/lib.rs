//! {{project-name}}: counts requests per path in `wasi:keyvalue` and answers with the count.
use std::io::Write as _;

use wasip2::http::types::{
    Fields, IncomingRequest, OutgoingBody, OutgoingResponse, ResponseOutparam,
};

wit_bindgen::generate!({ path: "wit", world: "counter", generate_all });

use wasi::keyvalue::{atomics, store};

/// The bucket the counts live in.
const BUCKET: &str = "counts";

struct Component;

impl Component {
    /// Adds one to the count of `path` and returns the new count.
    fn count(path: &str) -> Result<u64, String> {
        let bucket =
            store::open(BUCKET).map_err(|error| format!("cannot open bucket {BUCKET}: {error:?}"))?;
        atomics::increment(&bucket, &format!("hits{path}"), 1)
            .map_err(|error| format!("cannot count {path}: {error:?}"))
    }
}

impl wasip2::exports::http::incoming_handler::Guest for Component {
    fn handle(request: IncomingRequest, response_out: ResponseOutparam) {
        let target = request.path_with_query().unwrap_or_else(|| "/".to_owned());
        let path = target.split('?').next().unwrap_or("/").to_owned();
        let (status, text) = match Self::count(&path) {
            Ok(count) => (200, format!("{path} has been asked for {count} time(s)\n")),
            Err(error) => (500, format!("{error}\n")),
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

wasip2::http::proxy::export!(Component);
