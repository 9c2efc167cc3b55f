//! Why a link to a capability cannot be put into effect, in the user's terms.

use crate::settings_error::SettingsError;

/// A link a capability cannot serve. The message is whole on its own (it reaches users as
/// one line in `app status` and over NATS); the cause is also kept as the error's source.
#[derive(Debug, thiserror::Error)]
pub enum LinkError {
    /// The link's config cannot be used.
    #[error("{source}")]
    Settings {
        /// What is wrong with it.
        #[from]
        source: SettingsError,
    },
    /// A durable backend was asked for on a host that keeps no data.
    #[error("this host has no data directory for {what}; {hint}")]
    NoDataDir {
        /// What needed one.
        what: &'static str,
        /// What to set instead.
        hint: &'static str,
    },
    /// A NATS server the link names cannot be reached.
    #[error("{source}")]
    Nats {
        /// Which servers, and why.
        #[from]
        source: NatsConnectError,
    },
    /// The backend could not be opened; its error names where.
    #[error("{source}")]
    Backend {
        /// The backend's error.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// The link asks for something weft does not do.
    #[error("{0}")]
    Unsupported(String),
    /// The backend of the link is not open yet (it opens when the link is put).
    #[error("its backend is not open yet")]
    NotOpen,
}

impl LinkError {
    /// Whether the link itself is wrong (its config, what it asks of this host), so only a
    /// change to it can help; otherwise something outside it failed (a server, a file).
    pub fn is_about_the_link(&self) -> bool {
        matches!(
            self,
            Self::Settings { .. } | Self::NoDataDir { .. } | Self::Unsupported(_)
        )
    }

    /// The backend failed to open with `source`, which names where.
    pub fn backend(source: impl std::error::Error + Send + Sync + 'static) -> Self {
        Self::Backend {
            source: Box::new(source),
        }
    }
}

/// NATS servers that cannot be reached.
#[derive(Debug, thiserror::Error)]
#[error("cannot reach NATS at {servers}: {reason}")]
pub struct NatsConnectError {
    /// The servers, comma separated.
    pub servers: String,
    /// Why, in words.
    pub reason: String,
    /// The client's error, if it gave one.
    #[source]
    pub source: Option<Box<dyn std::error::Error + Send + Sync>>,
}
