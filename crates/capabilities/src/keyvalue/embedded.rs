//! The embedded durable backend: one redb file per capability; an acknowledged write survives
//! a crash. Writes go through one writer thread that commits every write waiting at that
//! moment in one transaction (group commit), so concurrent writers share each disk sync.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::mpsc;

use async_trait::async_trait;
use redb::{Database, ReadableDatabase as _, ReadableTable as _, Table, TableDefinition};
use tokio::sync::oneshot;

use super::backend::{KeyValueBackend, KeyValueError, KeyValuePage, add_to_counter, page_of};

/// (bucket, key) → value.
const ENTRIES: TableDefinition<(&str, &str), &[u8]> = TableDefinition::new("entries");
/// Most writes committed together.
const BATCH: usize = 512;

/// One write and where its outcome goes.
struct Write {
    bucket: String,
    key: String,
    change: Change,
    reply: oneshot::Sender<Result<u64, KeyValueError>>,
}

enum Change {
    Set(Vec<u8>),
    Delete,
    Increment(u64),
}

/// Buckets in one local file.
pub struct EmbeddedKeyValue {
    db: Arc<Database>,
    path: PathBuf,
    /// `None` only while dropping.
    writes: Option<mpsc::Sender<Write>>,
    writer: Option<std::thread::JoinHandle<()>>,
}

impl Drop for EmbeddedKeyValue {
    /// Stops the writer (after what it is committing) and waits, so the file is closed and
    /// can be opened again at once.
    fn drop(&mut self) {
        self.writes = None;
        if let Some(writer) = self.writer.take() {
            let _ = writer.join();
        }
    }
}

impl EmbeddedKeyValue {
    /// Opens (or creates) the store at `path` and starts its writer thread.
    pub fn open(path: &Path) -> Result<Self, KeyValueError> {
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|error| {
                KeyValueError::Other(format!("cannot create {}: {error}", parent.display()))
            })?;
        }
        let db = Arc::new(Database::create(path).map_err(|error| {
            KeyValueError::Other(format!("cannot open {}: {error}", path.display()))
        })?);
        let (writes, pending) = mpsc::channel();
        let writer_db = Arc::clone(&db);
        let writer_path = path.to_owned();
        let writer = std::thread::Builder::new()
            .name("weft-kv-writer".into())
            .spawn(move || write_loop(&writer_db, &writer_path, &pending))
            .map_err(|error| KeyValueError::Other(format!("cannot start the writer: {error}")))?;
        Ok(Self {
            db,
            path: path.to_owned(),
            writes: Some(writes),
            writer: Some(writer),
        })
    }

    /// Runs a read on the blocking pool (redb does file I/O).
    async fn read<T: Send + 'static>(
        &self,
        work: impl FnOnce(&Database) -> Result<T, redb::Error> + Send + 'static,
    ) -> Result<T, KeyValueError> {
        let db = Arc::clone(&self.db);
        let path = self.path.clone();
        tokio::task::spawn_blocking(move || work(&db))
            .await
            .map_err(|error| KeyValueError::Other(format!("the store task failed: {error}")))?
            .map_err(|error| KeyValueError::Other(format!("{}: {error}", path.display())))
    }

    /// Hands a write to the writer thread and waits until it is committed.
    async fn write(&self, bucket: &str, key: &str, change: Change) -> Result<u64, KeyValueError> {
        let (reply, outcome) = oneshot::channel();
        let gone =
            || KeyValueError::Other(format!("the writer of {} stopped", self.path.display()));
        self.writes
            .as_ref()
            .ok_or_else(gone)?
            .send(Write {
                bucket: bucket.to_owned(),
                key: key.to_owned(),
                change,
                reply,
            })
            .map_err(|_| gone())?;
        outcome.await.map_err(|_| gone())?
    }
}

/// Commits whatever writes are waiting, together, until the store is dropped.
fn write_loop(db: &Database, path: &Path, pending: &mpsc::Receiver<Write>) {
    while let Ok(first) = pending.recv() {
        let mut batch = vec![first];
        while batch.len() < BATCH {
            match pending.try_recv() {
                Ok(write) => batch.push(write),
                Err(_) => break,
            }
        }
        match commit(db, &batch) {
            Ok(outcomes) => {
                for (write, outcome) in batch.into_iter().zip(outcomes) {
                    let _ = write.reply.send(outcome);
                }
            }
            Err(error) => {
                let message = format!("{}: {error}", path.display());
                for write in batch {
                    let _ = write.reply.send(Err(KeyValueError::Other(message.clone())));
                }
            }
        }
    }
}

/// Applies `batch` in one transaction; a write refused on its own (a non-counter
/// incremented) does not stop the others.
fn commit(db: &Database, batch: &[Write]) -> Result<Vec<Result<u64, KeyValueError>>, redb::Error> {
    let transaction = db.begin_write()?;
    let outcomes = {
        let mut table = transaction.open_table(ENTRIES)?;
        batch
            .iter()
            .map(|write| apply(&mut table, write))
            .collect::<Result<Vec<_>, redb::Error>>()?
    };
    transaction.commit()?;
    Ok(outcomes)
}

fn apply(
    table: &mut Table<(&str, &str), &[u8]>,
    write: &Write,
) -> Result<Result<u64, KeyValueError>, redb::Error> {
    let at = (write.bucket.as_str(), write.key.as_str());
    Ok(match &write.change {
        Change::Set(value) => {
            table.insert(at, value.as_slice())?;
            Ok(0)
        }
        Change::Delete => {
            table.remove(at)?;
            Ok(0)
        }
        Change::Increment(delta) => {
            let current = table.get(at)?.map(|value| value.value().to_vec());
            match add_to_counter(&write.key, current.as_deref(), *delta) {
                Ok(next) => {
                    table.insert(at, next.to_string().as_bytes())?;
                    Ok(next)
                }
                Err(refused) => Err(refused),
            }
        }
    })
}

#[async_trait]
impl KeyValueBackend for EmbeddedKeyValue {
    fn system(&self) -> &'static str {
        "weft.embedded"
    }

    async fn get(&self, bucket: &str, key: &str) -> Result<Option<Vec<u8>>, KeyValueError> {
        let (bucket, key) = (bucket.to_owned(), key.to_owned());
        self.read(move |db| {
            let read = db.begin_read()?;
            let table = match read.open_table(ENTRIES) {
                Ok(table) => table,
                Err(redb::TableError::TableDoesNotExist(_)) => return Ok(None),
                Err(error) => return Err(error.into()),
            };
            Ok(table
                .get((bucket.as_str(), key.as_str()))?
                .map(|value| value.value().to_vec()))
        })
        .await
    }

    async fn set(&self, bucket: &str, key: &str, value: Vec<u8>) -> Result<(), KeyValueError> {
        self.write(bucket, key, Change::Set(value))
            .await
            .map(|_| ())
    }

    async fn delete(&self, bucket: &str, key: &str) -> Result<(), KeyValueError> {
        self.write(bucket, key, Change::Delete).await.map(|_| ())
    }

    async fn list_keys(
        &self,
        bucket: &str,
        cursor: Option<u64>,
    ) -> Result<KeyValuePage, KeyValueError> {
        let bucket = bucket.to_owned();
        let keys = self
            .read(move |db| {
                let read = db.begin_read()?;
                let table = match read.open_table(ENTRIES) {
                    Ok(table) => table,
                    Err(redb::TableError::TableDoesNotExist(_)) => return Ok(Vec::new()),
                    Err(error) => return Err(error.into()),
                };
                let mut keys = Vec::new();
                for entry in table.range((bucket.as_str(), "")..)? {
                    let (stored, _) = entry?;
                    let (entry_bucket, key) = stored.value();
                    if entry_bucket != bucket {
                        break;
                    }
                    keys.push(key.to_owned());
                }
                Ok(keys)
            })
            .await?;
        Ok(page_of(keys, cursor))
    }

    async fn increment(&self, bucket: &str, key: &str, delta: u64) -> Result<u64, KeyValueError> {
        self.write(bucket, key, Change::Increment(delta)).await
    }
}
