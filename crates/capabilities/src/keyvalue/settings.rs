//! Which backend a key-value link uses, from the capability's image and the link's target
//! config.

use std::collections::BTreeMap;

use crate::settings_error::SettingsError;

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
    /// A NATS server's JetStream key-value buckets.
    Nats {
        /// Its URL (`nats://HOST:PORT`).
        url: String,
        /// The bucket every `open` uses; `None`: the identifier given to `open`.
        bucket: Option<String>,
        /// Whether missing buckets are created.
        auto_create: bool,
    },
}

/// Where wasmCloud's Redis provider connects when the link names no URL.
pub const DEFAULT_REDIS_URL: &str = "redis://127.0.0.1:6379";
/// Where the NATS key-value backend connects when the link names no URL.
pub const DEFAULT_NATS_URL: &str = "nats://127.0.0.1:4222";

/// A key-value link's settings.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct KeyValueSettings {
    /// The backend.
    pub kind: KeyValueKind,
}

const ACCEPTED_KEYS: &[&str] = &[
    "backend",
    "url",
    "cluster_uri",
    "bucket",
    "enable_bucket_auto_create",
];

/// Keys of wasmCloud's Redis provider that tune its connection handling. weft's Redis backend
/// shares one connection per capability and URL and reconnects by itself, so they are accepted
/// and change nothing.
const REDIS_TUNING_KEYS: &[&str] = &[
    "disable_default_connection",
    "share_connections_by_url",
    "backend_reconnect_num_retries",
    "backend_reconnect_max_delay_ms",
    "backend_connection_timeout_ms",
    "backend_response_timeout_ms",
];
const BACKENDS: &str = "one of: embedded, memory, redis, nats";

impl KeyValueSettings {
    /// Reads the link's merged target config (keys are case-insensitive, as in wasmCloud):
    /// `backend` picks `embedded` (durable, in the host's data directory), `memory`, `redis`
    /// or `nats`; `url` (or `cluster_uri`) is a `redis://` or `nats://` URL and implies that
    /// backend; `bucket` and `enable_bucket_auto_create` (default true) apply to NATS.
    /// Without `backend` or `url`, the capability's image decides (`default`).
    pub fn from_config(
        config: &BTreeMap<String, String>,
        default: KeyValueKind,
    ) -> Result<Self, SettingsError> {
        let keys = LinkKeys::read(config)?;
        let chosen = keys.chosen_backend()?;
        Ok(Self {
            kind: keys.into_kind(chosen.as_deref(), default),
        })
    }
}

/// The keys a key-value link's config sets, each checked.
struct LinkKeys {
    backend: Option<String>,
    url: Option<String>,
    bucket: Option<String>,
    auto_create: bool,
}

impl LinkKeys {
    /// Reads and checks every key; an unknown key or a bad value is an error naming it.
    fn read(config: &BTreeMap<String, String>) -> Result<Self, SettingsError> {
        let mut keys = Self {
            backend: None,
            url: None,
            bucket: None,
            auto_create: true,
        };
        for (key, value) in config {
            let bad = |accepted: &str| SettingsError::bad_value(key, value, accepted);
            match key.to_ascii_lowercase().as_str() {
                "url" | "cluster_uri" => {
                    if !["redis://", "rediss://", "nats://", "tls://"]
                        .iter()
                        .any(|scheme| value.starts_with(scheme))
                    {
                        return Err(bad("a redis:// or nats:// URL"));
                    }
                    keys.url = Some(value.clone());
                }
                "backend" => {
                    let name = value.to_ascii_lowercase();
                    if !["embedded", "memory", "redis", "nats"].contains(&name.as_str()) {
                        return Err(bad(BACKENDS));
                    }
                    keys.backend = Some(name);
                }
                "bucket" => keys.bucket = Some(value.clone()),
                "enable_bucket_auto_create" => {
                    keys.auto_create = value.parse::<bool>().map_err(|_| bad("true or false"))?;
                }
                other if REDIS_TUNING_KEYS.contains(&other) => {}
                _ => return Err(SettingsError::unknown_key(key, ACCEPTED_KEYS)),
            }
        }
        Ok(keys)
    }

    /// The backend `backend` names or `url` implies; an error when they disagree.
    fn chosen_backend(&self) -> Result<Option<String>, SettingsError> {
        let implied = self.url.as_deref().map(|url| {
            if url.starts_with("redis") {
                "redis"
            } else {
                "nats"
            }
        });
        match (self.backend.as_deref(), implied) {
            (Some(backend), Some(implied)) if backend != implied => Err(SettingsError::BadValue {
                key: "url".into(),
                value: self.url.clone().unwrap_or_default(),
                accepted: format!("a URL for the `{backend}` backend"),
            }),
            (Some(backend), _) => Ok(Some(backend.to_owned())),
            (None, implied) => Ok(implied.map(str::to_owned)),
        }
    }

    /// The store `chosen` names, filled from these keys and, where they are silent, from
    /// the image's `default`.
    fn into_kind(self, chosen: Option<&str>, default: KeyValueKind) -> KeyValueKind {
        let Self {
            url,
            bucket,
            auto_create,
            ..
        } = self;
        match chosen {
            Some("memory") => KeyValueKind::Memory,
            Some("embedded") => KeyValueKind::Embedded,
            Some("redis") => KeyValueKind::Redis {
                url: url.unwrap_or_else(|| match &default {
                    KeyValueKind::Redis { url } => url.clone(),
                    _ => DEFAULT_REDIS_URL.to_owned(),
                }),
            },
            Some(_) => KeyValueKind::Nats {
                url: url.unwrap_or_else(|| match &default {
                    KeyValueKind::Nats { url, .. } => url.clone(),
                    _ => DEFAULT_NATS_URL.to_owned(),
                }),
                bucket,
                auto_create,
            },
            None => match default {
                KeyValueKind::Nats { url, .. } => KeyValueKind::Nats {
                    url,
                    bucket,
                    auto_create,
                },
                other => other,
            },
        }
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
