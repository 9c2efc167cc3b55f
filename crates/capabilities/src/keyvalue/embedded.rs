//! The embedded durable backend: one redb file per capability; an acknowledged write
//! survives a crash.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use async_trait::async_trait;
use redb::{Database, ReadableDatabase as _, ReadableTable as _, TableDefinition};

use super::backend::{KeyValueBackend, KeyValueError, KeyValuePage, add_to_counter, page_of};

/// (bucket, key) → value.
const ENTRIES: TableDefinition<(&str, &str), &[u8]> = TableDefinition::new("entries");

/// Buckets in one local file.
pub struct EmbeddedKeyValue {
    db: Arc<Database>,
    path: PathBuf,
}

impl EmbeddedKeyValue {
    /// Opens (or creates) the store at `path`.
    pub fn open(path: &Path) -> Result<Self, KeyValueError> {
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|error| {
                KeyValueError::Other(format!("cannot create {}: {error}", parent.display()))
            })?;
        }
        let db = Database::create(path).map_err(|error| {
            KeyValueError::Other(format!("cannot open {}: {error}", path.display()))
        })?;
        Ok(Self {
            db: Arc::new(db),
            path: path.to_owned(),
        })
    }

    /// Runs `work` on the blocking pool (redb does file I/O).
    async fn run<T: Send + 'static>(
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
}

#[async_trait]
impl KeyValueBackend for EmbeddedKeyValue {
    async fn get(&self, bucket: &str, key: &str) -> Result<Option<Vec<u8>>, KeyValueError> {
        let (bucket, key) = (bucket.to_owned(), key.to_owned());
        self.run(move |db| {
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
        let (bucket, key) = (bucket.to_owned(), key.to_owned());
        self.run(move |db| {
            let write = db.begin_write()?;
            write
                .open_table(ENTRIES)?
                .insert((bucket.as_str(), key.as_str()), value.as_slice())?;
            write.commit()?;
            Ok(())
        })
        .await
    }

    async fn delete(&self, bucket: &str, key: &str) -> Result<(), KeyValueError> {
        let (bucket, key) = (bucket.to_owned(), key.to_owned());
        self.run(move |db| {
            let write = db.begin_write()?;
            write
                .open_table(ENTRIES)?
                .remove((bucket.as_str(), key.as_str()))?;
            write.commit()?;
            Ok(())
        })
        .await
    }

    async fn list_keys(
        &self,
        bucket: &str,
        cursor: Option<u64>,
    ) -> Result<KeyValuePage, KeyValueError> {
        let bucket = bucket.to_owned();
        let keys = self
            .run(move |db| {
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
        let (bucket, key) = (bucket.to_owned(), key.to_owned());
        self.run(move |db| {
            let write = db.begin_write()?;
            let next = {
                let mut table = write.open_table(ENTRIES)?;
                let current = table
                    .get((bucket.as_str(), key.as_str()))?
                    .map(|value| value.value().to_vec());
                match add_to_counter(&key, current.as_deref(), delta) {
                    Ok(next) => {
                        table
                            .insert((bucket.as_str(), key.as_str()), next.to_string().as_bytes())?;
                        Ok(next)
                    }
                    Err(refused) => Err(refused),
                }
            };
            if next.is_ok() {
                write.commit()?;
            }
            Ok(next)
        })
        .await?
    }
}
