//! Which backend a key-value link uses, from the capability's image and the link's target
//! config.

use std::collections::BTreeMap;

/// The backends weft can run.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum KeyValueKind {
    /// In process memory; gone when the capability stops.
    Memory,
    /// A file in the host's data directory; survives restarts.
    Embedded,
    /// A Redis server.
    Redis {
        /// Its URL (`redis://HOST:PORT[/DB]`).
        url: String,
    },
}

/// Where wasmCloud's Redis provider connects when the link names no URL.
pub const DEFAULT_REDIS_URL: &str = "redis://127.0.0.1:6379";

/// A key-value link's settings.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct KeyValueSettings {
    /// The backend.
    pub kind: KeyValueKind,
}

/// A key-value link's config that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SettingsError {
    /// A key no backend reads.
    #[error("unknown key-value config key `{key}`; the accepted keys are: {accepted}")]
    UnknownKey {
        /// The key.
        key: String,
        /// What is accepted.
        accepted: String,
    },
    /// A value that means nothing here.
    #[error("`{key}: {value}` is not accepted; use one of: {accepted}")]
    BadValue {
        /// The key.
        key: String,
        /// The value given.
        value: String,
        /// What is accepted.
        accepted: String,
    },
}

const ACCEPTED_KEYS: &[&str] = &["backend", "url"];
const BACKENDS: &[&str] = &["embedded", "memory", "redis"];

impl KeyValueSettings {
    /// Reads the link's merged target config (keys are case-insensitive, as in wasmCloud):
    /// `backend` picks `embedded` (durable, in the host's data directory), `memory` or
    /// `redis`; `url` (wasmCloud's Redis key) is a Redis URL and implies `redis`. Without
    /// either, the capability's image decides (`default`).
    pub fn from_config(
        config: &BTreeMap<String, String>,
        default: KeyValueKind,
    ) -> Result<Self, SettingsError> {
        let mut backend = None;
        let mut url = None;
        for (key, value) in config {
            match key.to_ascii_lowercase().as_str() {
                "url" => {
                    if !(value.starts_with("redis://") || value.starts_with("rediss://")) {
                        return Err(SettingsError::BadValue {
                            key: key.clone(),
                            value: value.clone(),
                            accepted: "a Redis URL (redis://HOST:PORT or rediss://...)".into(),
                        });
                    }
                    url = Some(value.clone());
                }
                "backend" => {
                    backend = match value.to_ascii_lowercase().as_str() {
                        name @ ("embedded" | "memory" | "redis") => Some(name.to_owned()),
                        _ => {
                            return Err(SettingsError::BadValue {
                                key: key.clone(),
                                value: value.clone(),
                                accepted: BACKENDS.join(", "),
                            });
                        }
                    }
                }
                _ => {
                    return Err(SettingsError::UnknownKey {
                        key: key.clone(),
                        accepted: ACCEPTED_KEYS.join(", "),
                    });
                }
            }
        }
        let redis = |url: Option<String>| KeyValueKind::Redis {
            url: url.unwrap_or_else(|| match &default {
                KeyValueKind::Redis { url } => url.clone(),
                _ => DEFAULT_REDIS_URL.to_owned(),
            }),
        };
        let kind = match (backend.as_deref(), url) {
            (Some("memory"), None) => KeyValueKind::Memory,
            (Some("embedded"), None) => KeyValueKind::Embedded,
            (Some("memory" | "embedded"), Some(_)) => {
                return Err(SettingsError::BadValue {
                    key: "url".into(),
                    value: "(set)".into(),
                    accepted: "`url` only with `backend: redis` (or no backend)".into(),
                });
            }
            (Some(_), url) => redis(url),
            (None, Some(url)) => redis(Some(url)),
            (None, None) => default,
        };
        Ok(Self { kind })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn embedded_by_default_memory_on_request_and_mistakes_named() {
        let read = |pairs: &[(&str, &str)]| {
            KeyValueSettings::from_config(&config(pairs), KeyValueKind::Embedded)
        };
        assert_eq!(read(&[]).unwrap().kind, KeyValueKind::Embedded);
        assert_eq!(
            read(&[("BACKEND", "Memory")]).unwrap().kind,
            KeyValueKind::Memory
        );
        assert_eq!(
            read(&[("URL", "redis://10.0.0.1:6380")]).unwrap().kind,
            KeyValueKind::Redis {
                url: "redis://10.0.0.1:6380".into()
            }
        );
        assert_eq!(
            read(&[("backend", "redis")]).unwrap().kind,
            KeyValueKind::Redis {
                url: DEFAULT_REDIS_URL.into()
            }
        );
        let error = read(&[("bucket_name", "x")]).unwrap_err();
        assert!(error.to_string().contains("`bucket_name`"), "{error}");
        assert!(error.to_string().contains("backend, url"), "{error}");
        let error = read(&[("backend", "mongo")]).unwrap_err();
        assert!(
            error.to_string().contains("embedded, memory, redis"),
            "{error}"
        );
        assert!(read(&[("url", "http://x")]).is_err());
        assert!(read(&[("backend", "memory"), ("url", "redis://x")]).is_err());
    }
}
