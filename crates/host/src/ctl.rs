//! A host's side of the control interface on NATS: `host.ping`, `host.get.{id}`,
//! `label.put|del.{id}`, `component.scale.{id}`, `provider.start|stop.{id}` (shaped like
//! wasmCloud's), and `weft.execute.{id}`, which carries
//! the manager's [`FencedCommand`]s and answers with what the host runs afterwards. A
//! command older than the newest fence seen is refused, so a manager that lost its lease
//! cannot act.

use std::sync::Arc;

use futures_util::StreamExt as _;
use weft_lattice::{
    AuditChannel, AuditEntry, AuditLog, CtlResponse, LabelChange, Operation, ctl_prefix,
    parse_ctl_body, parse_ctl_subject,
};
use weft_lattice::{FencedCommand, HostReport, ObservedHost};

use crate::Host;
use crate::ctl_unmanaged;
use crate::fence::Fence;
use crate::remote_serve::header;
use weft_capabilities::call_context::TraceContext;
use weft_telemetry::{Hop, Span};

/// Answers one host's control requests until dropped.
pub struct HostCtl {
    /// Takes requests in, answering reads.
    task: tokio::task::JoinHandle<()>,
    /// Carries out changes in order.
    worker: tokio::task::JoinHandle<()>,
}

impl HostCtl {
    /// Answers the requests for `host` in `lattice` on `client`, recording every change
    /// asked of it in `audit`.
    pub async fn start(
        client: async_nats::Client,
        lattice: &str,
        host: Arc<Host>,
        audit: AuditLog,
    ) -> Result<Self, async_nats::SubscribeError> {
        let prefix = ctl_prefix(lattice);
        let mut pings = client.subscribe(format!("{prefix}host.ping")).await?;
        let mut own = client
            .subscribe(format!("{prefix}*.*.{}", host.id()))
            .await?;
        let responder = Arc::new(Responder {
            lattice: lattice.to_owned(),
            prefix,
            host,
            fence: Fence::default(),
            audit,
        });
        // Changes are carried out one at a time, in the order they came; reads (pings,
        // inventories, reports) are answered at once, never behind a slow pull or compile.
        let (changes, mut queued) = tokio::sync::mpsc::unbounded_channel::<Request>();
        let worker = {
            let (responder, client) = (Arc::clone(&responder), client.clone());
            tokio::spawn(async move {
                while let Some(mut request) = queued.recv().await {
                    let answer = responder.answer(&request.subject, &request.body).await;
                    if let Some(entry) = request.audit.take() {
                        responder
                            .audit
                            .record_or_warn(entry.answered(&answer))
                            .await;
                    }
                    reply(&client, request, &answer).await;
                }
            })
        };
        let task = tokio::spawn(async move {
            loop {
                let message = tokio::select! {
                    Some(message) = pings.next() => message,
                    Some(message) = own.next() => message,
                    else => return,
                };
                let Some(reply_to) = message.reply.clone() else {
                    continue;
                };
                let incoming = TraceContext::read(|name| header(&message, name));
                let span = responder.host.tracing().lattice_answer(
                    Hop::Control,
                    &message.subject,
                    incoming.as_ref(),
                );
                let audit = responder.is_audited(&message.subject).then(|| {
                    AuditEntry::nats_request(AuditChannel::Ctl, &message, &responder.prefix)
                });
                let request = Request {
                    subject: message.subject.to_string(),
                    body: message.payload,
                    reply_to,
                    span,
                    audit,
                };
                if responder.is_read(&request.subject) {
                    let answer = responder.answer(&request.subject, &request.body).await;
                    reply(&client, request, &answer).await;
                } else if changes.send(request).is_err() {
                    return;
                }
            }
        });
        Ok(Self { task, worker })
    }
}

/// A control request waiting for its answer, its SERVER span, and its audit entry when it
/// asks for a change.
struct Request {
    subject: String,
    body: bytes::Bytes,
    reply_to: async_nats::Subject,
    span: Span,
    audit: Option<AuditEntry>,
}

/// Sends `answer` to whoever asked `request`; the request's span ends with it, failed when
/// the answer is a refusal.
async fn reply(client: &async_nats::Client, mut request: Request, answer: &CtlResponse) {
    if !answer.success {
        request.span.fail("refused", answer.message.clone());
    }
    let payload = weft_lattice::json_bytes(answer);
    if let Err(error) = client.publish(request.reply_to, payload.into()).await {
        tracing::warn!(%error, subject = %request.subject, "cannot answer a control request");
    }
}

impl Drop for HostCtl {
    fn drop(&mut self) {
        self.task.abort();
        self.worker.abort();
    }
}

struct Responder {
    lattice: String,
    prefix: String,
    host: Arc<Host>,
    fence: Fence,
    audit: AuditLog,
}

impl Responder {
    /// Whether the request on `subject` only reads (answered at once, out of order with
    /// changes).
    fn is_read(&self, subject: &str) -> bool {
        matches!(
            parse_ctl_subject(subject, &self.prefix, self.host.id()),
            Some(Operation::HostPing | Operation::HostGet | Operation::Observe)
        )
    }

    /// Whether the request on `subject` goes to the audit log.
    fn is_audited(&self, subject: &str) -> bool {
        parse_ctl_subject(subject, &self.prefix, self.host.id())
            .is_some_and(|operation| operation.is_audited())
    }

    async fn answer(&self, subject: &str, body: &[u8]) -> CtlResponse {
        let Some(operation) = parse_ctl_subject(subject, &self.prefix, self.host.id()) else {
            return CtlResponse::failed(format!("`{subject}` is not a control request weft knows"));
        };
        match operation {
            Operation::HostPing => CtlResponse::ok(self.host.summary(&self.lattice)),
            Operation::HostGet => CtlResponse::ok(self.host.inventory()),
            Operation::LabelPut | Operation::LabelDel => {
                let change: LabelChange =
                    match parse_ctl_body(body, r#"{"key": "...", "value": "..."}"#) {
                        Ok(change) => change,
                        Err(message) => return CtlResponse::failed(message.to_string()),
                    };
                if change.key.is_empty() || change.key.starts_with("hostcore.") {
                    return CtlResponse::failed(format!(
                        "label key `{}` cannot be changed: it is empty or a built-in `hostcore.*` label",
                        change.key
                    ));
                }
                let value = match (operation, change.value) {
                    (Operation::LabelPut, Some(value)) => Some(value),
                    (Operation::LabelPut, None) => {
                        return CtlResponse::failed(
                            "`label.put` needs a `value`; `label.del` removes a label",
                        );
                    }
                    _ => None,
                };
                self.host.set_label(&change.key, value.as_deref());
                CtlResponse::done()
            }
            Operation::Execute => {
                let fenced: FencedCommand = match parse_ctl_body(
                    body,
                    r#"{"fence": N, "lattice": "...", "command": {...}} from a weft manager"#,
                ) {
                    Ok(fenced) => fenced,
                    Err(message) => return CtlResponse::failed(message.to_string()),
                };
                if fenced.lattice != self.lattice {
                    return CtlResponse::failed(format!(
                        "this command is for lattice `{}`, and this host is in lattice `{}`: it was carried here by a subject shared or mapped between lattices; give each lattice its own subjects (its own name, or its own NATS account)",
                        fenced.lattice, self.lattice
                    ));
                }
                if let Err(stale) = self.fence.admit(fenced.fence) {
                    tracing::warn!(%stale, "refused a manager's command");
                    return CtlResponse::failed(stale.to_string());
                }
                match self.host.execute(&fenced.command).await {
                    Ok(()) => CtlResponse::ok(self.report()),
                    Err(error) => CtlResponse::command_failed(&error),
                }
            }
            Operation::Observe => CtlResponse::ok(self.report()),
            Operation::ComponentScale => ctl_unmanaged::scale_component(&self.host, body),
            Operation::ProviderStart => ctl_unmanaged::start_provider(&self.host, body),
            Operation::ProviderStop => ctl_unmanaged::stop_provider(&self.host, body).await,
            Operation::Unsupported(operation) => CtlResponse::failed(format!(
                "weft does not take `{operation}` requests; deploy a manifest (`weft app deploy FILE`), or run a component by hand with `component.scale`"
            )),
            // The lattice's requests are the manager's.
            _ => CtlResponse::failed(format!("a host does not answer `{subject}`")),
        }
    }

    fn report(&self) -> HostReport {
        HostReport {
            summary: self.host.summary(&self.lattice),
            observed: self.observed(),
        }
    }

    fn observed(&self) -> ObservedHost {
        self.host.observe().hosts.pop().unwrap_or_default()
    }
}
