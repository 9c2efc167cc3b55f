//! One manager acts on a lattice at a time: the one holding the lease, a record in the
//! lattice store that its holder renews well within its term. The others watch it: a lease
//! whose revision has not moved for a whole term, measured on the watcher's own clock (so
//! machines' clocks need not agree), has lapsed, and the first watcher to swap it for its own
//! record takes over. The lease's revision is the fencing token: a holder whose renewal finds
//! another revision has lost the lease and must stop acting.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use tokio::time::Instant;
use weft_lattice::{Expect, Store, StoreError};

/// Where the lease lives in the store.
const KEY: &str = "manager/lease";

/// Who holds the lease.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LeaseRecord {
    /// The holder's id (its host id).
    pub holder: String,
    /// Where the holder serves its API, for clients sent there.
    pub api: Option<String>,
}

/// Why holding the lease failed.
#[derive(Debug, thiserror::Error)]
pub enum LeaseError {
    /// Someone else holds it now.
    #[error("the manager lease passed to {} (API {}); this manager stops acting so two never act at once", .0.holder, .0.api.as_deref().unwrap_or("unknown"))]
    Lost(LeaseRecord),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// This process's claim on the lease.
pub struct Lease<S: Store> {
    store: S,
    record: LeaseRecord,
    term: Duration,
}

impl<S: Store> Lease<S> {
    /// A claim for `record` in `store`; a lease not renewed for `term` lapses.
    pub fn new(store: S, record: LeaseRecord, term: Duration) -> Self {
        Self {
            store,
            record,
            term,
        }
    }

    /// How often the holder renews: a third of the term, so two renewals can fail in a row.
    pub fn renew_every(&self) -> Duration {
        self.term / 3
    }

    fn encoded(&self) -> Vec<u8> {
        weft_lattice::json_bytes(&self.record)
    }

    /// Takes the lease if nobody holds it: the fencing revision, or who holds it.
    pub async fn try_acquire(&self) -> Result<Result<u64, LeaseRecord>, StoreError> {
        match self.store.get(KEY).await? {
            None => match self.store.put(KEY, self.encoded(), Expect::Absent).await {
                Ok(fence) => Ok(Ok(fence)),
                Err(StoreError::Conflict { .. }) => Ok(Err(self.holder().await?)),
                Err(error) => Err(error),
            },
            Some(entry) => Ok(Err(parse(&entry.value))),
        }
    }

    /// Waits until this process holds the lease and returns its fencing revision; `waiting`
    /// hears each new holder it waits on.
    pub async fn acquire(&self, waiting: impl Fn(&LeaseRecord)) -> Result<u64, StoreError> {
        let poll = (self.term / 8).clamp(Duration::from_millis(20), Duration::from_millis(100));
        let mut watched: Option<(u64, Instant)> = None;
        let mut announced: Option<LeaseRecord> = None;
        loop {
            let entry = match self.store.get(KEY).await {
                Ok(entry) => entry,
                Err(error) => {
                    tracing::warn!(%error, "cannot read the manager lease; retrying");
                    tokio::time::sleep(poll).await;
                    continue;
                }
            };
            let Some(entry) = entry else {
                match self.store.put(KEY, self.encoded(), Expect::Absent).await {
                    Ok(fence) => return Ok(fence),
                    Err(StoreError::Conflict { .. }) => continue,
                    Err(error) => return Err(error),
                }
            };
            match watched {
                Some((revision, since)) if revision == entry.revision => {
                    if since.elapsed() >= self.term {
                        let taken = self
                            .store
                            .put(KEY, self.encoded(), Expect::Revision(revision))
                            .await;
                        match taken {
                            Ok(fence) => return Ok(fence),
                            Err(StoreError::Conflict { .. }) => watched = None,
                            Err(error) => return Err(error),
                        }
                    }
                }
                _ => {
                    let holder = parse(&entry.value);
                    if announced.as_ref() != Some(&holder) {
                        waiting(&holder);
                        announced = Some(holder);
                    }
                    watched = Some((entry.revision, Instant::now()));
                }
            }
            tokio::time::sleep(poll).await;
        }
    }

    /// Renews the lease held at `fence`; returns the new fencing revision.
    pub async fn renew(&self, fence: u64) -> Result<u64, LeaseError> {
        match self
            .store
            .put(KEY, self.encoded(), Expect::Revision(fence))
            .await
        {
            Ok(fence) => Ok(fence),
            Err(StoreError::Conflict { .. }) => Err(LeaseError::Lost(self.holder().await?)),
            Err(error) => Err(error.into()),
        }
    }

    /// Keeps the lease held from `fence` until it is lost (a store that fails keeps being
    /// retried: nobody else can take the lease through a store that fails either).
    pub async fn hold(&self, mut fence: u64) -> LeaseError {
        loop {
            tokio::time::sleep(self.renew_every()).await;
            match self.renew(fence).await {
                Ok(renewed) => fence = renewed,
                Err(LeaseError::Store(error)) => {
                    tracing::warn!(%error, "cannot renew the manager lease; retrying");
                }
                Err(lost) => return lost,
            }
        }
    }

    /// Gives the lease up (on a clean stop), so a standby takes over at once.
    pub async fn release(&self) -> Result<(), StoreError> {
        if let Some(entry) = self.store.get(KEY).await?
            && parse(&entry.value) == self.record
        {
            self.store
                .delete(KEY, Expect::Revision(entry.revision))
                .await?;
        }
        Ok(())
    }

    async fn holder(&self) -> Result<LeaseRecord, StoreError> {
        Ok(self
            .store
            .get(KEY)
            .await?
            .map(|entry| parse(&entry.value))
            .unwrap_or_else(|| LeaseRecord {
                holder: "nobody".to_owned(),
                api: None,
            }))
    }
}

/// Who holds the lease in `store` now, if anyone (for a host's hint that its lattice has no
/// manager).
pub async fn lease_holder<S: Store>(store: &S) -> Result<Option<LeaseRecord>, StoreError> {
    Ok(store.get(KEY).await?.map(|entry| parse(&entry.value)))
}

/// A stored lease record; one that does not parse is held by an unknown manager (it lapses
/// like any other).
fn parse(bytes: &[u8]) -> LeaseRecord {
    serde_json::from_slice(bytes).unwrap_or_else(|_| LeaseRecord {
        holder: "an unknown manager".to_owned(),
        api: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use weft_lattice::EmbeddedStore;

    fn claim(store: &EmbeddedStore, holder: &str) -> Lease<EmbeddedStore> {
        Lease::new(
            store.clone(),
            LeaseRecord {
                holder: holder.to_owned(),
                api: Some(format!("http://{holder}")),
            },
            Duration::from_millis(300),
        )
    }

    #[tokio::test]
    async fn one_holds_and_the_other_takes_over_once_renewals_stop() {
        let dir = tempfile::tempdir().unwrap();
        let store = EmbeddedStore::open(dir.path().join("state.redb")).unwrap();
        let (first, second) = (claim(&store, "a"), claim(&store, "b"));
        let fence = first.try_acquire().await.unwrap().unwrap();
        let held_by = second.try_acquire().await.unwrap().unwrap_err();
        assert_eq!(held_by.holder, "a");

        // While `a` renews, `b` waits.
        let renewed = first.renew(fence).await.unwrap();
        let waiting = tokio::time::timeout(Duration::from_millis(450), second.acquire(|_| {}));
        let renewing = async {
            let mut fence = renewed;
            for _ in 0..5 {
                tokio::time::sleep(Duration::from_millis(80)).await;
                fence = first.renew(fence).await.unwrap();
            }
            fence
        };
        let (waited, fence) = tokio::join!(waiting, renewing);
        assert!(waited.is_err(), "b must not take a lease that is renewed");

        // `a` stops renewing: `b` takes over after a term, and `a` finds it lost.
        let started = Instant::now();
        let taken = second.acquire(|_| {}).await.unwrap();
        assert!(started.elapsed() >= Duration::from_millis(300));
        assert!(taken > fence);
        match first.renew(fence).await {
            Err(LeaseError::Lost(record)) => assert_eq!(record.holder, "b"),
            other => panic!("{other:?}"),
        }
    }

    #[tokio::test]
    async fn a_released_lease_is_taken_at_once() {
        let dir = tempfile::tempdir().unwrap();
        let store = EmbeddedStore::open(dir.path().join("state.redb")).unwrap();
        let (first, second) = (claim(&store, "a"), claim(&store, "b"));
        first.try_acquire().await.unwrap().unwrap();
        second.release().await.unwrap();
        assert!(
            second.try_acquire().await.unwrap().is_err(),
            "b cannot release a's lease"
        );
        first.release().await.unwrap();
        let started = Instant::now();
        second.acquire(|_| {}).await.unwrap();
        assert!(started.elapsed() < Duration::from_millis(100));
    }
}
