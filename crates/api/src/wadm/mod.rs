//! wadm's API on NATS, so `wash app …` and wasmCloud's `wadm-client` work against a weft
//! lattice: the acting manager answers `wadm.api.{lattice}.model.*` (in a queue group, so one
//! manager answers), publishes each app's status on `wadm.status.{lattice}.{name}` when it
//! changes and manifest notifications on `wadm.evt.{lattice}`. It is the same store and
//! reconciler as weft's HTTP API: an app put through one is seen by the other.

mod handler;
mod lifecycle;
mod notify;
mod status;
mod subject;
mod wire;

use std::sync::Arc;

use futures_util::StreamExt as _;
use weft_lattice::{AuditChannel, AuditEntry};

use crate::ControlPlane;
use crate::wadm::handler::{Context, handle};
use crate::wadm::notify::Notifier;
use crate::wadm::subject::{api_subjects, parse_subject};
use crate::wadm::wire::ErrorResponse;

pub use subject::{ModelRequest, SubjectError, WADM_API_PREFIX};

/// The queue group managers answer wadm's API in.
const MANAGERS: &str = "weft-managers";

/// Answers wadm's API for one lattice until dropped.
pub struct WadmApi {
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

impl WadmApi {
    /// Answers for `control` in `lattice` on `client` (start it once this process acts as
    /// the lattice's manager).
    pub async fn start(
        client: async_nats::Client,
        lattice: &str,
        control: Arc<ControlPlane>,
    ) -> Result<Self, async_nats::SubscribeError> {
        let mut requests = client
            .queue_subscribe(api_subjects(lattice), MANAGERS.to_owned())
            .await?;
        let statuses =
            status::publish_statuses(client.clone(), lattice.to_owned(), Arc::clone(&control));
        let context = Arc::new(Context {
            control,
            notifier: Notifier::new(client.clone(), lattice),
        });
        let lattice: Arc<str> = Arc::from(lattice);
        let answering = tokio::spawn(async move {
            // Each request in its own task, so a slow one (a removal) holds up no other;
            // changes to one app still take their turn (`ControlPlane`'s converge turns).
            while let Some(message) = requests.next().await {
                let (client, context, lattice) =
                    (client.clone(), Arc::clone(&context), Arc::clone(&lattice));
                tokio::spawn(async move { answer(&client, &context, &lattice, message).await });
            }
        });
        Ok(Self {
            tasks: vec![answering, statuses],
        })
    }
}

/// Answers one request on its reply subject.
async fn answer(
    client: &async_nats::Client,
    context: &Context,
    lattice: &str,
    message: async_nats::Message,
) {
    let Some(reply) = message.reply.clone() else {
        return;
    };
    let content_type = message
        .headers
        .as_ref()
        .and_then(|headers| headers.get("Content-Type"))
        .map(|value| value.as_str().to_ascii_lowercase());
    let answer = match parse_subject(&message.subject, lattice) {
        Ok(request) if request.changes() => {
            let prefix = format!("{WADM_API_PREFIX}.{lattice}.");
            let entry = AuditEntry::nats_request(AuditChannel::Wadm, &message, &prefix);
            let answer = handle(context, request, content_type.as_deref(), &message.payload).await;
            let outcome = outcome_of(&answer);
            context
                .control
                .audit()
                .record_or_warn(entry.ended(outcome))
                .await;
            answer
        }
        Ok(request) => handle(context, request, content_type.as_deref(), &message.payload).await,
        Err(error) => weft_lattice::json_bytes(&ErrorResponse::new(error.to_string())),
    };
    if let Err(error) = client.publish(reply, answer.into()).await {
        tracing::warn!(%error, subject = %message.subject, "cannot answer a wadm API request");
    }
}

/// How a change ended, from its answer: `refused: …` for wadm's `error` and `notfound`
/// results, `ok: …` with the answer's message otherwise.
fn outcome_of(answer: &[u8]) -> String {
    let answer: serde_json::Value = serde_json::from_slice(answer).unwrap_or_default();
    let message = answer["message"].as_str().unwrap_or_default();
    match answer["result"].as_str() {
        Some("error" | "notfound") => format!("refused: {message}"),
        _ if message.is_empty() => "ok".to_owned(),
        _ => format!("ok: {message}"),
    }
}

impl Drop for WadmApi {
    fn drop(&mut self) {
        for task in &self.tasks {
            task.abort();
        }
    }
}
