//! The audit log: one entry per change asked of the lattice (through the API, a control
//! request or wadm's API), who asked, what, when and how it ended. Entries live in the
//! lattice's store under `audit/`, keyed by a ULID so they list in the order they were made.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

use crate::{CtlResponse, Expect, LatticeStore, Store, StoreError};

/// Where audit entries are kept in the store.
const PREFIX: &str = "audit/";

/// The header a NATS request may name its sender in (as the API's `x-weft-user`).
pub const USER_HEADER: &str = "x-weft-user";

/// The longest sender name an audit entry keeps from [`USER_HEADER`].
const MAX_USER_LEN: usize = 128;

/// The sender a request names in its [`USER_HEADER`], when that is usable: not empty and at
/// most 128 bytes. Shared by the API and NATS so both read the claim by one rule.
pub fn claimed_user(header: Option<&str>) -> Option<&str> {
    header.filter(|value| !value.is_empty() && value.len() <= MAX_USER_LEN)
}

/// The way a change reached weft.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum AuditChannel {
    /// weft's HTTP API (the `weft` CLI).
    Api,
    /// A control request on NATS (`wasmbus.ctl.…`, what `wash` sends).
    Ctl,
    /// wadm's API on NATS (`wadm.api.…`, `wash app`, `wadm-client`).
    Wadm,
}

impl std::fmt::Display for AuditChannel {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str(match self {
            Self::Api => "api",
            Self::Ctl => "ctl",
            Self::Wadm => "wadm",
        })
    }
}

/// One change asked of the lattice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    /// When it was answered (milliseconds since the Unix epoch).
    pub at_ms: u64,
    /// Who asked, as the client names itself (`x-weft-user`), or the channel when it does not.
    pub who: String,
    /// Where the request came from: the client's address for the API, the subject for NATS.
    pub from: String,
    /// How it came.
    pub via: AuditChannel,
    /// What was asked, e.g. `POST /v1/apps/shop/deploy` or `config.put redis-url`; never a
    /// value, only names.
    pub action: String,
    /// `ok`, or why it was refused or failed.
    pub outcome: String,
    /// The process that answered it (`weft up`, a manager or a host id).
    pub answered_by: String,
}

impl AuditEntry {
    /// An entry stamped now.
    pub fn now(via: AuditChannel, who: String, from: String, action: String) -> Self {
        Self {
            at_ms: now_ms(),
            who,
            from,
            via,
            action,
            outcome: "ok".to_owned(),
            answered_by: String::new(),
        }
    }

    /// When it was answered, as RFC 3339 in UTC (milliseconds).
    pub fn at_text(&self) -> String {
        let nanos = i128::from(self.at_ms) * 1_000_000;
        time::OffsetDateTime::from_unix_timestamp_nanos(nanos)
            .ok()
            .and_then(|at| {
                at.format(&time::format_description::well_known::Rfc3339)
                    .ok()
            })
            .unwrap_or_else(|| format!("{} ms", self.at_ms))
    }

    /// An entry for a request on NATS: `who` from its `x-weft-user` header (else `nats`),
    /// what from its subject after `prefix` (e.g. `config.put.redis-url`).
    pub fn nats_request(via: AuditChannel, message: &async_nats::Message, prefix: &str) -> Self {
        let header = message
            .headers
            .as_ref()
            .and_then(|headers| headers.get(USER_HEADER))
            .map(|value| value.as_str());
        let who = claimed_user(header).unwrap_or("nats");
        let subject = message.subject.as_str();
        let action = subject.strip_prefix(prefix).unwrap_or(subject);
        Self::now(via, who.to_owned(), String::new(), action.to_owned())
    }

    /// The same entry, ended as the control answer `response` says.
    #[must_use]
    pub fn answered(self, response: &CtlResponse) -> Self {
        if response.success {
            self.ended("ok")
        } else {
            let reason = response.message.clone();
            self.ended(format!("refused: {reason}"))
        }
    }

    /// The same entry with `outcome`.
    #[must_use]
    pub fn ended(mut self, outcome: impl Into<String>) -> Self {
        self.outcome = outcome.into();
        self
    }
}

/// Which entries to read.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AuditQuery {
    /// Only entries at or after this time (milliseconds since the Unix epoch).
    pub since_ms: Option<u64>,
    /// At most this many, the newest.
    pub limit: Option<usize>,
}

/// Why the audit log could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum AuditError {
    /// The store failed.
    #[error("the audit log cannot be used: {0}")]
    Store(#[from] StoreError),
    /// A stored entry is not an audit entry.
    #[error("audit entry `{key}` cannot be read")]
    Unreadable {
        /// Its key.
        key: String,
        /// Why.
        #[source]
        source: serde_json::Error,
    },
}

/// The lattice's audit log, kept in its store; `answered_by` names this process in each
/// entry it records.
#[derive(Clone)]
pub struct AuditLog {
    store: LatticeStore,
    answered_by: String,
    /// Keys that increase even within one millisecond, so this process's entries list in
    /// the order they were made.
    keys: Arc<Mutex<ulid::Generator>>,
}

impl AuditLog {
    /// The log in `store`, for entries this process (`answered_by`) records.
    pub fn new(store: LatticeStore, answered_by: impl Into<String>) -> Self {
        Self {
            store,
            answered_by: answered_by.into(),
            keys: Arc::default(),
        }
    }

    /// A key later than every key this process made before.
    fn next_key(&self) -> String {
        let mut keys = self.keys.lock().unwrap_or_else(PoisonError::into_inner);
        // Generating fails only past 2^80 keys in one millisecond.
        let id = keys.generate().unwrap_or_else(|_| ulid::Ulid::new());
        format!("{PREFIX}{id}")
    }

    /// Keeps `entry`; once this returns, it is as durable as the store.
    pub async fn record(&self, mut entry: AuditEntry) -> Result<(), AuditError> {
        entry.answered_by.clone_from(&self.answered_by);
        let key = self.next_key();
        self.store
            .put(&key, crate::json_bytes(&entry), Expect::Absent)
            .await?;
        Ok(())
    }

    /// Keeps `entry`, and logs a warning when it cannot: a change that was carried out is
    /// not undone because its record could not be written.
    pub async fn record_or_warn(&self, entry: AuditEntry) {
        let action = entry.action.clone();
        if let Err(failure) = self.record(entry).await {
            tracing::warn!(%failure, %action, "a change was not written to the audit log");
        }
    }

    /// The entries `query` asks for, oldest first.
    pub async fn read(&self, query: AuditQuery) -> Result<Vec<AuditEntry>, AuditError> {
        let mut entries = Vec::new();
        for (key, entry) in self.store.list(PREFIX).await? {
            let entry: AuditEntry = serde_json::from_slice(&entry.value)
                .map_err(|source| AuditError::Unreadable { key, source })?;
            if query.since_ms.is_none_or(|since| entry.at_ms >= since) {
                entries.push(entry);
            }
        }
        if let Some(limit) = query.limit {
            entries.drain(..entries.len().saturating_sub(limit));
        }
        Ok(entries)
    }
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |since| {
            u64::try_from(since.as_millis()).unwrap_or(u64::MAX)
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::EmbeddedStore;

    fn log() -> (tempfile::TempDir, AuditLog) {
        let dir = tempfile::tempdir().unwrap();
        let store = EmbeddedStore::open(dir.path().join("state.redb")).unwrap();
        (dir, AuditLog::new(LatticeStore::Embedded(store), "weft up"))
    }

    fn entry(action: &str) -> AuditEntry {
        AuditEntry::now(
            AuditChannel::Api,
            "ann".into(),
            "127.0.0.1".into(),
            action.into(),
        )
    }

    #[tokio::test]
    async fn entries_read_back_in_order_with_who_answered_them() {
        let (_dir, log) = log();
        // Many within one millisecond: they still list in the order they were made.
        let made: Vec<String> = (0..200).map(|n| format!("change {n}")).collect();
        for action in &made {
            log.record(entry(action)).await.unwrap();
        }
        let all = log.read(AuditQuery::default()).await.unwrap();
        let actions: Vec<_> = all.iter().map(|entry| entry.action.clone()).collect();
        assert_eq!(actions, made);
        assert!(all.iter().all(|entry| entry.answered_by == "weft up"));
        let mut dated = entry("dated");
        dated.at_ms = 1_765_000_000_123;
        assert_eq!(dated.at_text(), "2025-12-06T05:46:40.123Z");
        let last_two = log
            .read(AuditQuery {
                limit: Some(2),
                ..AuditQuery::default()
            })
            .await
            .unwrap();
        assert_eq!(last_two[0].action, "change 198");
        assert_eq!(last_two.len(), 2);
    }

    #[tokio::test]
    async fn since_leaves_out_older_entries() {
        let (_dir, log) = log();
        let mut old = entry("old");
        old.at_ms = 1_000;
        log.record(old).await.unwrap();
        log.record(entry("new").ended("refused: no such app"))
            .await
            .unwrap();
        let recent = log
            .read(AuditQuery {
                since_ms: Some(2_000),
                limit: None,
            })
            .await
            .unwrap();
        assert_eq!(recent.len(), 1);
        assert_eq!(recent[0].outcome, "refused: no such app");
    }
}
