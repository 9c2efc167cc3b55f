//! Whether a failed command is worth trying again as it is: the reconciler's error policy.

use serde::{Deserialize, Serialize};

/// What may make a failed command succeed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Retry {
    /// Something outside may change by itself (a server comes back, another app frees a
    /// port): try again with backoff.
    #[default]
    Soon,
    /// Only a change can fix it (the manifest, a config, a link, the image): report it and
    /// try again once something in the lattice changes, not on a timer.
    AfterChange,
}

impl Retry {
    /// Whether this is [`Retry::Soon`] (the default, left out of replies).
    pub fn is_soon(&self) -> bool {
        *self == Self::Soon
    }
}

/// The error of carrying out a command on a [`crate::Lattice`]: its message, and whether
/// retrying may help.
pub trait CommandError: std::fmt::Display + Send {
    /// What may make the command succeed.
    fn retry(&self) -> Retry;
}
