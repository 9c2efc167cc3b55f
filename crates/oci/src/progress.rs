//! What a pull or push is doing, reported as it goes so a command line can draw progress.

/// One step of a transfer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transfer {
    /// Asking the registry what the reference names.
    Resolving,
    /// The cache holds what the reference names: nothing to download.
    Cached,
    /// Downloading the component: `done` of `total` bytes so far.
    Downloading {
        /// Bytes received.
        done: u64,
        /// Bytes the manifest says the layer has.
        total: u64,
    },
    /// Uploading the component, `total` bytes.
    Uploading {
        /// The component's size.
        total: u64,
    },
    /// Writing the manifest that names the uploaded component.
    Tagging,
}

/// Receives the [`Transfer`] steps of one pull or push.
pub trait Progress: Send + Sync {
    /// Called at each step, and repeatedly while bytes arrive.
    fn report(&self, step: Transfer);
}

/// Reports nowhere (a host logs the outcome instead).
#[derive(Debug, Clone, Copy, Default)]
pub struct Silent;

impl Progress for Silent {
    fn report(&self, _step: Transfer) {}
}
