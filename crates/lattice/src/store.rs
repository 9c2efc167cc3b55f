//! The store contract: keys to bytes, each with a revision for compare-and-swap.

use std::future::Future;

/// A stored value and the revision that wrote it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The value.
    pub value: Vec<u8>,
    /// Increases with every write to the store; compare-and-swap checks it.
    pub revision: u64,
}

/// What a write expects to find, so concurrent writers cannot lose each other's updates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expect {
    /// Write whatever is there.
    Any,
    /// Only if the key does not exist.
    Absent,
    /// Only if the key's current revision is this one.
    Revision(u64),
}

/// Why a store operation failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The key's state did not match the write's [`Expect`]ation.
    #[error(
        "`{key}` was changed by someone else (expected {expected:?}, found revision {found:?}); read it again and retry"
    )]
    Conflict {
        /// The key.
        key: String,
        /// What the write expected.
        expected: Expect,
        /// The revision found (`None`: absent).
        found: Option<u64>,
    },
    /// The store cannot be opened or used.
    #[error("the store at {location} cannot be used: {reason}")]
    Unavailable {
        /// Where the store is (a path or URL).
        location: String,
        /// What went wrong.
        reason: String,
    },
}

/// A durable key-value store with revisions. Keys are `/`-separated paths.
pub trait Store: Send + Sync + 'static {
    /// The entry at `key`, if any.
    fn get(&self, key: &str) -> impl Future<Output = Result<Option<Entry>, StoreError>> + Send;

    /// Writes `value` at `key` if the key matches `expect`; returns the new revision. Once
    /// this returns, the write is durable.
    fn put(
        &self,
        key: &str,
        value: Vec<u8>,
        expect: Expect,
    ) -> impl Future<Output = Result<u64, StoreError>> + Send;

    /// Deletes `key` if it matches `expect`; returns whether it existed.
    fn delete(
        &self,
        key: &str,
        expect: Expect,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;

    /// Every entry whose key starts with `prefix`, in key order.
    fn list(
        &self,
        prefix: &str,
    ) -> impl Future<Output = Result<Vec<(String, Entry)>, StoreError>> + Send;
}
