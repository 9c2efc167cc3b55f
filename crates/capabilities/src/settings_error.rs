//! Why a link's config cannot be used: the one error every capability's settings report.

/// A link's config that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SettingsError {
    /// A key no backend reads.
    #[error("unknown config key `{key}`; the accepted keys are: {accepted}")]
    UnknownKey {
        /// The key.
        key: String,
        /// What is accepted.
        accepted: String,
    },
    /// A key the link must set.
    #[error("the link's target config has no `{key}`; {hint}")]
    Missing {
        /// The key.
        key: String,
        /// What the capability reads.
        hint: String,
    },
    /// A value that means nothing here.
    #[error("`{key}: {value}` is not accepted; use {accepted}")]
    BadValue {
        /// The key.
        key: String,
        /// The value given.
        value: String,
        /// What is accepted.
        accepted: String,
    },
}

impl SettingsError {
    /// `key: value` is not accepted; `accepted` says what is.
    pub fn bad_value(key: &str, value: &str, accepted: &str) -> Self {
        Self::BadValue {
            key: key.to_owned(),
            value: value.to_owned(),
            accepted: accepted.to_owned(),
        }
    }

    /// `key` is not known; `accepted` lists the keys that are.
    pub fn unknown_key(key: &str, accepted: &[&str]) -> Self {
        Self::UnknownKey {
            key: key.to_owned(),
            accepted: accepted.join(", "),
        }
    }
}
