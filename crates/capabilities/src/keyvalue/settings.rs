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
}

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

const ACCEPTED_KEYS: &[&str] = &["backend"];
const BACKENDS: &[&str] = &["embedded", "memory"];

impl KeyValueSettings {
    /// Reads the link's merged target config (keys are case-insensitive, as in wasmCloud).
    /// `backend` picks `embedded` (the default: durable, in the host's data directory) or
    /// `memory`.
    pub fn from_config(config: &BTreeMap<String, String>) -> Result<Self, SettingsError> {
        let mut kind = KeyValueKind::Embedded;
        for (key, value) in config {
            match key.to_ascii_lowercase().as_str() {
                "backend" => {
                    kind = match value.to_ascii_lowercase().as_str() {
                        "embedded" => KeyValueKind::Embedded,
                        "memory" => KeyValueKind::Memory,
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
        assert_eq!(
            KeyValueSettings::from_config(&config(&[])).unwrap().kind,
            KeyValueKind::Embedded
        );
        assert_eq!(
            KeyValueSettings::from_config(&config(&[("BACKEND", "Memory")]))
                .unwrap()
                .kind,
            KeyValueKind::Memory
        );
        let error = KeyValueSettings::from_config(&config(&[("bucket_name", "x")])).unwrap_err();
        assert!(error.to_string().contains("`bucket_name`"), "{error}");
        assert!(error.to_string().contains("backend"), "{error}");
        let error = KeyValueSettings::from_config(&config(&[("backend", "mongo")])).unwrap_err();
        assert!(error.to_string().contains("embedded, memory"), "{error}");
    }
}
