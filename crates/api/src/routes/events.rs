//! `GET /v1/events`: the lattice's events as server-sent events, live, each a CloudEvent as
//! wasmCloud publishes it on `wasmbus.evt.*`; filtered by `type` (comma-separated kinds,
//! weft's or wasmCloud's names),
//! `host`, `app`; heartbeats only when asked for (`heartbeats=true` or by type).

use std::collections::BTreeSet;
use std::convert::Infallible;
use std::sync::{Arc, Weak};

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use futures_util::Stream;
use serde::Deserialize;
use weft_lattice::{CloudEvent, LatticeEvent, Received, Subscription, wire_name_of};

use super::error;
use crate::control::ControlPlane;
use crate::server::ApiState;

/// The query `GET /v1/events` takes.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct EventQuery {
    /// Kinds to keep, comma-separated (`component_scaled,link_set`).
    #[serde(rename = "type")]
    types: Option<String>,
    /// Keep only events about this host.
    host: Option<String>,
    /// Keep only events about this application's components and capabilities (it may be
    /// deployed after the follower starts).
    app: Option<String>,
    /// Keep heartbeats (left out unless asked for: every host sends one twice a second).
    #[serde(default)]
    heartbeats: bool,
}

/// The kind `asked` names (weft's name or wasmCloud's wire name), or why it names none.
fn known_kind(asked: &str) -> Result<String, String> {
    LatticeEvent::KINDS
        .iter()
        .find(|kind| **kind == asked || wire_name_of(kind) == asked)
        .map(|kind| (*kind).to_owned())
        .ok_or_else(|| {
            format!(
                "`{asked}` is not an event type; the types are {} (wasmCloud's names, like provider_started and linkdef_set, work too)",
                LatticeEvent::KINDS.join(", ")
            )
        })
}

/// What a follower keeps.
struct Filter {
    types: Option<BTreeSet<String>>,
    host: Option<String>,
    app: Option<String>,
    heartbeats: bool,
}

impl Filter {
    /// The filter `query` asks for, or why it cannot be followed.
    fn from_query(query: EventQuery) -> Result<Self, String> {
        let types = match query.types.as_deref().filter(|types| !types.is_empty()) {
            None => None,
            Some(types) => Some(
                types
                    .split(',')
                    .map(|asked| known_kind(asked.trim()))
                    .collect::<Result<BTreeSet<String>, String>>()?,
            ),
        };
        let heartbeats = query.heartbeats
            || types
                .as_ref()
                .is_some_and(|types| types.contains("host_heartbeat"));
        Ok(Self {
            types,
            host: query.host,
            app: query.app,
            heartbeats,
        })
    }

    /// Whether `event` passes every filter but the app's.
    fn keeps(&self, event: &LatticeEvent) -> bool {
        let kind = event.kind();
        (self.heartbeats || kind != "host_heartbeat")
            && self.types.as_ref().is_none_or(|types| types.contains(kind))
            && self
                .host
                .as_deref()
                .is_none_or(|host| event.host_id() == Some(host))
    }
}

pub(crate) async fn follow(
    State(state): State<ApiState>,
    Query(query): Query<EventQuery>,
) -> Response {
    let filter = match Filter::from_query(query) {
        Ok(filter) => filter,
        Err(problem) => return error(StatusCode::BAD_REQUEST, &problem),
    };
    let Some(subscription) = state.control.subscribe_events() else {
        return error(
            StatusCode::SERVICE_UNAVAILABLE,
            "this process follows no lattice events",
        );
    };
    let follower = Follower {
        control: Arc::downgrade(&state.control),
        subscription,
        filter,
        app_ids: BTreeSet::new(),
    };
    Sse::new(events(follower))
        .keep_alive(KeepAlive::default())
        .into_response()
}

/// One follower: the control plane (held weakly, so the stream ends with the process), its
/// subscription and filter.
struct Follower {
    control: Weak<ControlPlane>,
    subscription: Subscription,
    filter: Filter,
    /// The followed app's ids as last read (they only grow: every stored version's).
    app_ids: BTreeSet<String>,
}

impl Follower {
    /// The next event to send: a kept lattice event, or a note of how many were missed;
    /// `None` when the bus or the process is gone.
    async fn next(&mut self) -> Option<Event> {
        loop {
            match self.subscription.next().await {
                Received::Event(event) => {
                    if self.keeps(&event).await? {
                        return Some(to_sse(event));
                    }
                }
                Received::Missed(missed) => {
                    return Some(
                        Event::default()
                            .event("missed")
                            .data(format!("{{\"missed\":{missed}}}")),
                    );
                }
                Received::Closed => return None,
            }
        }
    }

    /// Whether `event` passes the filter; `None` once the process is gone. The app's ids
    /// are read again only when an event names a component or capability not among those
    /// last read (an app deployed or changed while following), never for events that name
    /// none (hosts, configs, heartbeats).
    async fn keeps(&mut self, event: &LatticeEvent) -> Option<bool> {
        if !self.filter.keeps(event) {
            return Some(false);
        }
        let Some(app) = &self.filter.app else {
            return Some(true);
        };
        let named = event.workload_ids();
        if named.is_empty() {
            return Some(false);
        }
        if named.iter().any(|id| self.app_ids.contains(*id)) {
            return Some(true);
        }
        let control = self.control.upgrade()?;
        match control.workload_ids(app).await {
            Ok(ids) => self.app_ids = ids,
            Err(error) => {
                tracing::warn!(%app, %error, "an events follower cannot read the app it follows");
                return Some(false);
            }
        }
        Some(named.iter().any(|id| self.app_ids.contains(*id)))
    }
}

/// `event` as wasmCloud's CloudEvent, named by its kind.
fn to_sse(event: LatticeEvent) -> Event {
    let kind = event.kind();
    let source = event.host_id().unwrap_or("manager").to_owned();
    let cloud_event = CloudEvent::new(event, &source);
    Event::default()
        .event(kind)
        .data(String::from_utf8_lossy(&weft_lattice::json_bytes(
            &cloud_event,
        )))
}

fn events(follower: Follower) -> impl Stream<Item = Result<Event, Infallible>> {
    futures_util::stream::unfold(follower, |mut follower| async move {
        let event = follower.next().await?;
        Some((Ok(event), follower))
    })
}
