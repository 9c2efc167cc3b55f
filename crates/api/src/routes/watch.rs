//! `GET /v1/apps/{name}/watch`: an application's view as server-sent events, now and after
//! every change.

use std::convert::Infallible;
use std::sync::{Arc, Weak};

use axum::extract::{Path, State};
use axum::response::sse::{Event, Sse};
use axum::response::{IntoResponse, Response};
use futures_util::Stream;
use tokio::sync::broadcast::{self, error::RecvError};

use super::answer;
use crate::AppView;
use crate::control::ControlPlane;
use crate::server::ApiState;

pub(crate) async fn app(State(state): State<ApiState>, Path(name): Path<String>) -> Response {
    let changes = state.control.changes();
    let weak = Arc::downgrade(&state.control);
    answer(state.control.view(&name).await, |first| {
        Sse::new(views(weak, changes, name, first)).into_response()
    })
}

/// Where a watch stands: the control plane (held weakly, so the stream ends when `weft up`
/// stops), the changes it follows, and the view last sent (`None` before the first).
struct Watch {
    control: Weak<ControlPlane>,
    changes: broadcast::Receiver<String>,
    name: String,
    last: Option<AppView>,
    first: Option<AppView>,
}

/// `first`, then every view of `name` that differs from the one before.
fn views(
    control: Weak<ControlPlane>,
    changes: broadcast::Receiver<String>,
    name: String,
    first: AppView,
) -> impl Stream<Item = Result<Event, Infallible>> {
    let watch = Watch {
        control,
        changes,
        name,
        last: None,
        first: Some(first),
    };
    futures_util::stream::unfold(watch, |mut watch| async move {
        let view = match watch.first.take() {
            Some(first) => first,
            None => watch.next_change().await?,
        };
        let event =
            Event::default().data(String::from_utf8_lossy(&weft_lattice::json_bytes(&view)));
        watch.last = Some(view);
        Some((Ok(event), watch))
    })
}

impl Watch {
    /// The next view that differs from the last one sent; `None` once the control plane is
    /// gone.
    async fn next_change(&mut self) -> Option<AppView> {
        loop {
            match self.changes.recv().await {
                Ok(changed) if changed != self.name => continue,
                Ok(_) | Err(RecvError::Lagged(_)) => {}
                Err(RecvError::Closed) => return None,
            }
            let control = self.control.upgrade()?;
            let view = control.view(&self.name).await.ok()?;
            if self.last.as_ref() != Some(&view) {
                return Some(view);
            }
        }
    }
}
