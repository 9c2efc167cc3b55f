//! The subscriptions a messaging → component link asks for (its source config).

use std::collections::BTreeMap;

use super::subject::valid_pattern;
use crate::settings_error::SettingsError;

/// wasmCloud's NATS keys are accepted so its manifests load; the in-process broker needs none.
const ACCEPTED_KEYS: &[&str] = &["subscriptions", "cluster_uris", "client_jwt", "client_seed"];

/// What a handler link subscribes to.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MessagingLinkSettings {
    /// Subject patterns.
    pub subscriptions: Vec<String>,
}

impl MessagingLinkSettings {
    /// Reads `subscriptions` (comma separated `SUBJECT` or wasmCloud's `SUBJECT|QUEUE`; the
    /// queue group is ignored in process, where each link has one subscriber).
    pub fn from_config(config: &BTreeMap<String, String>) -> Result<Self, SettingsError> {
        let mut settings = Self::default();
        for (key, value) in config {
            match key.to_ascii_lowercase().as_str() {
                "subscriptions" => {
                    for entry in value.split(',').map(str::trim).filter(|e| !e.is_empty()) {
                        let subject = entry.split('|').next().unwrap_or_default().trim();
                        if !valid_pattern(subject) {
                            return Err(SettingsError::BadValue {
                                key: key.clone(),
                                value: entry.to_owned(),
                                accepted:
                                    "subjects like `orders.created`, `orders.*` or `orders.>`"
                                        .into(),
                            });
                        }
                        settings.subscriptions.push(subject.to_owned());
                    }
                }
                "cluster_uris" | "client_jwt" | "client_seed" => {}
                _ => return Err(SettingsError::unknown_key(key, ACCEPTED_KEYS)),
            }
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
            ["a.b", "c.>"]
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
}
