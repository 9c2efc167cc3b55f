//! Checks the key a request presents (its body) against the secret `api-key`, read through
//! `wasmcloud:secrets` (store + reveal), and answers `match` (200) or `no match` (403). The
//! secret itself is never written anywhere. The same component runs on wasmCloud 1.x: these
//! are the interface versions wasmCloud hosts provide.
use std::io::{Read as _, Write as _};

use wasip2::http::types::{
    Fields, IncomingBody, IncomingRequest, OutgoingBody, OutgoingResponse, ResponseOutparam,
};

wit_bindgen::generate!({
    path: "../../wit",
    world: "weft:host/capabilities",
    generate_all,
});

use wasi::logging::logging::{Level, log};
use wasmcloud::secrets::reveal::reveal;
use wasmcloud::secrets::store::{self, SecretValue};

/// The name the manifest gives the secret.
const SECRET: &str = "api-key";

/// Presented keys longer than this are refused unread.
const MAX_KEY_BYTES: u64 = 4096;

struct SecretCheck;

impl SecretCheck {
    fn presented(request: &IncomingRequest) -> Result<Vec<u8>, String> {
        let body = request
            .consume()
            .map_err(|()| "the request body was already read".to_owned())?;
        let mut bytes = Vec::new();
        {
            let mut stream = body
                .stream()
                .map_err(|()| "the request body has no stream".to_owned())?;
            (&mut stream)
                .take(MAX_KEY_BYTES + 1)
                .read_to_end(&mut bytes)
                .map_err(|error| format!("cannot read the request body: {error}"))?;
        }
        IncomingBody::finish(body);
        if bytes.len() as u64 > MAX_KEY_BYTES {
            return Err(format!("present a key of at most {MAX_KEY_BYTES} bytes"));
        }
        Ok(bytes)
    }

    fn check(presented: &[u8]) -> (u16, String) {
        let secret = match store::get(SECRET) {
            Ok(secret) => secret,
            Err(error) => {
                let reason = format!("secret {SECRET} is not available: {error:?}");
                log(Level::Error, "secret-check", &reason);
                return (500, format!("{reason}\n"));
            }
        };
        let expected = match reveal(&secret) {
            SecretValue::String(text) => text.into_bytes(),
            SecretValue::Bytes(bytes) => bytes,
        };
        let matches = constant_time_eq(presented, &expected);
        log(
            Level::Info,
            "secret-check",
            if matches { "a key matched" } else { "a key did not match" },
        );
        if matches {
            (200, "match\n".to_owned())
        } else {
            (403, "no match\n".to_owned())
        }
    }
}

/// Compares without stopping at the first difference, so timing does not reveal the secret.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

impl wasip2::exports::http::incoming_handler::Guest for SecretCheck {
    fn handle(request: IncomingRequest, response_out: ResponseOutparam) {
        let (status, text) = match Self::presented(&request) {
            Ok(presented) => Self::check(&presented),
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

wasip2::http::proxy::export!(SecretCheck);
