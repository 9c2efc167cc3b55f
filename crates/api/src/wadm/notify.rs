//! wadm's notifications on `wadm.evt.{lattice}`: `com.wadm.manifest_published` (data: the
//! deployed manifest) and `com.wadm.manifest_unpublished` (data: `{name}`), CloudEvents 1.0.

use serde::Serialize;

/// What is published.
#[derive(Serialize)]
struct Notification<'a> {
    specversion: &'static str,
    id: String,
    source: &'static str,
    #[serde(rename = "type")]
    kind: &'static str,
    datacontenttype: &'static str,
    time: String,
    data: &'a serde_json::Value,
}

/// Publishes manifest notifications for one lattice.
#[derive(Clone)]
pub struct Notifier {
    client: async_nats::Client,
    subject: String,
}

impl Notifier {
    /// Notifications of `lattice` on `client`.
    pub fn new(client: async_nats::Client, lattice: &str) -> Self {
        Self {
            client,
            subject: format!("wadm.evt.{lattice}"),
        }
    }

    /// `manifest` (JSON) was deployed.
    pub async fn published(&self, manifest: &serde_json::Value) {
        self.send("com.wadm.manifest_published", manifest).await;
    }

    /// App `name` was undeployed.
    pub async fn unpublished(&self, name: &str) {
        let data = serde_json::json!({ "name": name });
        self.send("com.wadm.manifest_unpublished", &data).await;
    }

    async fn send(&self, kind: &'static str, data: &serde_json::Value) {
        let time = time::OffsetDateTime::now_utc()
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap_or_default();
        let notification = Notification {
            specversion: "1.0",
            id: ulid::Ulid::new().to_string(),
            source: "weft",
            kind,
            datacontenttype: "application/json",
            time,
            data,
        };
        let payload = weft_lattice::json_bytes(&notification);
        if let Err(error) = self
            .client
            .publish(self.subject.clone(), payload.into())
            .await
        {
            tracing::warn!(%error, kind, "cannot publish a manifest notification");
        }
    }
}
