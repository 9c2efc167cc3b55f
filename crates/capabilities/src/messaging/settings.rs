//! A messaging link's settings: the subjects a handler link subscribes to (its source config)
//! and, on either kind of link, the NATS servers that carry the messages (`cluster_uris`;
//! without them the broker runs in process).

use std::collections::BTreeMap;

use super::subject::valid_pattern;
use crate::settings_error::SettingsError;

/// The keys a messaging link's config may have (wasmCloud's `messaging-nats` keys; its older
/// `subscription` and `uri` mean the same as `subscriptions` and `cluster_uris`).
const ACCEPTED_KEYS: &[&str] = &[
    "subscriptions",
    "cluster_uris",
    "client_jwt",
    "client_seed",
    "subscription",
    "uri",
];

/// One subject a handler link subscribes to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubjectSubscription {
    /// The subject pattern (`*` and `>` wildcards).
    pub subject: String,
    /// The queue group (wasmCloud's `SUBJECT|QUEUE`): on NATS, one member of the group gets
    /// each message. In process each link has one subscriber, so it changes nothing.
    pub queue: Option<String>,
}

/// What a messaging link asks for.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MessagingLinkSettings {
    /// Subjects a handler link delivers.
    pub subscriptions: Vec<SubjectSubscription>,
    /// NATS servers; empty for the in-process broker.
    pub cluster_uris: Vec<String>,
}

impl MessagingLinkSettings {
    /// The servers of a comma-separated `cluster_uris` value, trimmed, empty entries dropped.
    pub fn servers(value: &str) -> Vec<String> {
        value
            .split(',')
            .map(str::trim)
            .filter(|uri| !uri.is_empty())
            .map(str::to_owned)
            .collect()
    }

    /// Reads `subscriptions` (comma separated `SUBJECT` or `SUBJECT|QUEUE`) and
    /// `cluster_uris` (comma separated `nats://HOST:PORT`, credentials in the URL if any).
    /// `client_jwt`/`client_seed` (NATS decentralized auth) are refused with NATS servers:
    /// weft does not sign with nkeys yet.
    pub fn from_config(config: &BTreeMap<String, String>) -> Result<Self, SettingsError> {
        let mut settings = Self::default();
        let mut signed_with = None;
        for (key, value) in config {
            match key.to_ascii_lowercase().as_str() {
                "subscriptions" | "subscription" => {
                    for entry in value.split(',').map(str::trim).filter(|e| !e.is_empty()) {
                        let (subject, queue) = match entry.split_once('|') {
                            Some((subject, queue)) => (subject.trim(), Some(queue.trim())),
                            None => (entry, None),
                        };
                        if !valid_pattern(subject) || queue.is_some_and(str::is_empty) {
                            return Err(SettingsError::BadValue {
                                key: key.clone(),
                                value: entry.to_owned(),
                                accepted:
                                    "subjects like `orders.created`, `orders.*` or `orders.>`, optionally `|QUEUE`"
                                        .into(),
                            });
                        }
                        settings.subscriptions.push(SubjectSubscription {
                            subject: subject.to_owned(),
                            queue: queue.map(str::to_owned),
                        });
                    }
                }
                "cluster_uris" | "uri" => {
                    for uri in Self::servers(value) {
                        if uri.parse::<async_nats::ServerAddr>().is_err() {
                            return Err(SettingsError::BadValue {
                                key: key.clone(),
                                value: uri,
                                accepted: "NATS URLs like `nats://127.0.0.1:4222`, comma separated"
                                    .into(),
                            });
                        }
                        settings.cluster_uris.push(uri);
                    }
                }
                "client_jwt" | "client_seed" => signed_with = Some(key.clone()),
                _ => return Err(SettingsError::unknown_key(key, ACCEPTED_KEYS)),
            }
        }
        if let Some(key) = signed_with
            && !settings.cluster_uris.is_empty()
        {
            return Err(SettingsError::BadValue {
                key,
                value: "(set)".into(),
                accepted: "no JWT or seed: weft does not sign NATS connections with nkeys yet; put a user and password or a token in the URL (`nats://USER:PASSWORD@HOST:PORT`)".into(),
            });
        }
        Ok(settings)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subscriptions_with_queue_groups_and_mistakes() {
        let config: BTreeMap<String, String> =
            [("SUBSCRIPTIONS".to_owned(), "a.b, c.>|workers".to_owned())].into();
        assert_eq!(
            MessagingLinkSettings::from_config(&config)
                .unwrap()
                .subscriptions,
            [
                SubjectSubscription {
                    subject: "a.b".into(),
                    queue: None
                },
                SubjectSubscription {
                    subject: "c.>".into(),
                    queue: Some("workers".into())
                }
            ]
        );
        let bad: BTreeMap<String, String> =
            [("subscriptions".to_owned(), "a..b".to_owned())].into();
        assert!(MessagingLinkSettings::from_config(&bad).is_err());
        let unknown: BTreeMap<String, String> = [("topic".to_owned(), "a".to_owned())].into();
        let error = MessagingLinkSettings::from_config(&unknown)
            .unwrap_err()
            .to_string();
        assert!(error.contains("subscriptions, cluster_uris"), "{error}");
    }

    #[test]
    fn nats_servers_and_what_weft_cannot_sign_with() {
        let config: BTreeMap<String, String> = [(
            "cluster_uris".to_owned(),
            "nats://127.0.0.1:4222, nats://u:p@10.0.0.2:4222".to_owned(),
        )]
        .into();
        let settings = MessagingLinkSettings::from_config(&config).unwrap();
        assert_eq!(settings.cluster_uris.len(), 2);
        let bad: BTreeMap<String, String> =
            [("cluster_uris".to_owned(), "nats://:::".to_owned())].into();
        assert!(MessagingLinkSettings::from_config(&bad).is_err());
        // In process, wasmCloud's auth keys change nothing and are accepted.
        let jwt_only: BTreeMap<String, String> =
            [("client_jwt".to_owned(), "eyJ...".to_owned())].into();
        assert!(MessagingLinkSettings::from_config(&jwt_only).is_ok());
        let mut signed = config.clone();
        signed.insert("client_seed".to_owned(), "SUA...".to_owned());
        let error = MessagingLinkSettings::from_config(&signed)
            .unwrap_err()
            .to_string();
        assert!(error.contains("nkeys") && !error.contains("SUA"), "{error}");
    }
}
