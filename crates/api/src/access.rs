//! Who may call the API, and the record of what they changed. Every call needs a bearer
//! token: the API token for anything, the read-only token for reads (GET) only. Every change
//! an authenticated client asks for goes to the lattice's audit log with how it ended.

use std::net::SocketAddr;

use axum::body::Body;
use axum::extract::{ConnectInfo, MatchedPath, Request, State};
use axum::http::{Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;
use weft_lattice::{AuditChannel, AuditEntry};

use crate::routes::{error, who_asked};
use crate::server::ApiState;

/// The largest error answer read back to say in the audit log why a change was refused.
const MAX_ERROR_BYTES: usize = 64 * 1024;

/// The API's bearer tokens.
#[derive(Clone)]
pub struct ApiTokens {
    /// Reads and changes anything (`token` in the state directory's `api.json`).
    pub admin: String,
    /// Reads only: what a dashboard or a Prometheus server is given (`read_token`).
    pub read: String,
}

/// What a token lets its holder do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Access {
    /// Reads and changes.
    Admin,
    /// Reads only.
    Read,
}

impl ApiTokens {
    /// What the request's `Authorization: Bearer …` lets it do, if anything.
    fn access(&self, request: &Request) -> Option<Access> {
        let given = request
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.strip_prefix("Bearer "))?;
        if constant_time_eq(given.as_bytes(), self.admin.as_bytes()) {
            Some(Access::Admin)
        } else if constant_time_eq(given.as_bytes(), self.read.as_bytes()) {
            Some(Access::Read)
        } else {
            None
        }
    }
}

/// Lets a call through when its token allows it: a read with either token, a change only
/// with the API token ([`change`]).
pub(crate) async fn guard(State(state): State<ApiState>, request: Request, next: Next) -> Response {
    let Some(access) = state.tokens.access(&request) else {
        tracing::warn!(method = %request.method(), path = request.uri().path(), "an API call without a valid token was refused");
        return error(StatusCode::UNAUTHORIZED, NEEDS_TOKEN);
    };
    if matches!(*request.method(), Method::GET | Method::HEAD) {
        return next.run(request).await;
    }
    let route = request.extensions().get::<MatchedPath>().map_or_else(
        || request.uri().path().to_owned(),
        |path| path.as_str().to_owned(),
    );
    if !is_audited(&route) {
        return match access {
            Access::Admin => next.run(request).await,
            Access::Read => error(StatusCode::FORBIDDEN, READS_ONLY),
        };
    }
    change(&state, access, &route, request, next).await
}

/// Carries out a change on `route` when `access` allows it (on a standby manager, only one
/// that leaves the lattice as it is: [`changes_the_lattice`]), and writes it to the audit
/// log with its outcome.
async fn change(
    state: &ApiState,
    access: Access,
    route: &str,
    request: Request,
    next: Next,
) -> Response {
    let entry = audit_entry(&request);
    let audit = state.control.audit();
    if access == Access::Admin && route == SHUTDOWN {
        // Recorded before it is carried out: the process may be gone before it could answer.
        audit.record_or_warn(entry.ended("ok: stopping")).await;
        return next.run(request).await;
    }
    let response = if access == Access::Read {
        error(StatusCode::FORBIDDEN, READS_ONLY)
    } else if changes_the_lattice(route)
        && let Some(reason) = state.control.standing_by()
    {
        error(StatusCode::SERVICE_UNAVAILABLE, &reason)
    } else {
        next.run(request).await
    };
    let (outcome, response) = outcome_of(response).await;
    audit.record_or_warn(entry.ended(outcome)).await;
    response
}

/// What a call without a valid token is told.
const NEEDS_TOKEN: &str = "every API call needs a token: send `Authorization: Bearer TOKEN` with `token` (reads and changes) or `read_token` (reads only) from api.json in the state directory of `weft up` (the weft CLI does this by itself)";

/// What a change made with the read-only token is told.
const READS_ONLY: &str = "this token only reads; changes need the API token (`token` in api.json in the state directory, or `--token`)";

/// The route that stops the process (`weft down`).
const SHUTDOWN: &str = "/v1/shutdown";

/// Whether a POST/PUT/DELETE on `route` (the matched route template) changes what the
/// lattice holds: stopping this process and calling a component (`weft call`) do not, so a
/// standby carries them out too.
fn changes_the_lattice(route: &str) -> bool {
    !matches!(route, SHUTDOWN | "/v1/components/{id}/call")
}

/// Whether a call on `route` goes to the audit log: every change does; a component call
/// (`weft call`) runs the component's code and changes nothing weft holds.
fn is_audited(route: &str) -> bool {
    route != "/v1/components/{id}/call"
}

/// The entry for `request`, before it is answered: who, from where, what.
fn audit_entry(request: &Request) -> AuditEntry {
    let who = who_asked(request.headers());
    let from = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map_or_else(String::new, |ConnectInfo(client)| client.ip().to_string());
    let action = format!("{} {}", request.method(), request.uri().path());
    AuditEntry::now(AuditChannel::Api, who.to_owned(), from, action)
}

/// A detail a handler adds to its change's audit entry (e.g. the app and version a
/// `POST /v1/apps` stored, which its path does not say).
#[derive(Debug, Clone)]
pub(crate) struct AuditNote(pub(crate) String);

/// How a change ended, in words, and the response to send (rebuilt when its error body was
/// read to say why).
async fn outcome_of(response: Response) -> (String, Response) {
    let status = response.status();
    let note = response.extensions().get::<AuditNote>().cloned();
    if status.is_success() {
        let outcome = note.map_or_else(|| "ok".to_owned(), |AuditNote(note)| format!("ok: {note}"));
        return (outcome, response);
    }
    let (parts, body) = response.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, MAX_ERROR_BYTES).await else {
        return (
            format!("refused ({status})"),
            Response::from_parts(parts, Body::empty()),
        );
    };
    let reason = serde_json::from_slice::<serde_json::Value>(&bytes)
        .ok()
        .and_then(|answer| answer["error"].as_str().map(str::to_owned))
        .unwrap_or_default();
    let outcome = format!("refused ({}): {reason}", status.as_u16());
    (outcome, Response::from_parts(parts, Body::from(bytes)))
}

/// Compares without stopping at the first difference, so timing does not leak the token.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
