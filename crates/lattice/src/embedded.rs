//! The embedded store: one redb file. Each commit is fsynced before it is acknowledged.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use redb::{Database, ReadableDatabase as _, ReadableTable as _, TableDefinition};

use crate::store::{Entry, Expect, Store, StoreError};

/// key → (revision, value)
const ENTRIES: TableDefinition<&str, (u64, &[u8])> = TableDefinition::new("entries");
/// "revision" → the last revision handed out
const META: TableDefinition<&str, u64> = TableDefinition::new("meta");
const LAST_REVISION: &str = "revision";

/// A [`Store`] in a single local file.
#[derive(Clone)]
pub struct EmbeddedStore {
    database: Arc<Database>,
    path: PathBuf,
}

impl std::fmt::Debug for EmbeddedStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EmbeddedStore")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

impl EmbeddedStore {
    /// Opens the store at `path`, creating it (and its directory) if needed.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, StoreError> {
        let path = path.as_ref().to_path_buf();
        let unavailable = |reason: String| StoreError::Unavailable {
            location: path.display().to_string(),
            reason,
        };
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|error| unavailable(error.to_string()))?;
        }
        let database = Database::create(&path).map_err(|error| {
            let hint = if error.to_string().contains("lock")
                || error.to_string().contains("Database already open")
            {
                " (is another weft process using this state directory?)"
            } else {
                ""
            };
            unavailable(format!("{error}{hint}"))
        })?;
        let write = database
            .begin_write()
            .map_err(|error| unavailable(error.to_string()))?;
        {
            write
                .open_table(ENTRIES)
                .map_err(|error| unavailable(error.to_string()))?;
            write
                .open_table(META)
                .map_err(|error| unavailable(error.to_string()))?;
        }
        write
            .commit()
            .map_err(|error| unavailable(error.to_string()))?;
        Ok(Self {
            database: Arc::new(database),
            path,
        })
    }

    /// The file the store lives in.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn fail(&self, error: impl std::fmt::Display) -> StoreError {
        StoreError::Unavailable {
            location: self.path.display().to_string(),
            reason: error.to_string(),
        }
    }

    /// Runs `work` on the blocking pool: redb commits wait for the disk.
    async fn blocking<T: Send + 'static>(
        &self,
        work: impl FnOnce(&EmbeddedStore) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        let store = self.clone();
        tokio::task::spawn_blocking(move || work(&store))
            .await
            .map_err(|error| self.fail(error))?
    }

    fn get_now(&self, key: &str) -> Result<Option<Entry>, StoreError> {
        let read = self.database.begin_read().map_err(|e| self.fail(e))?;
        let table = read.open_table(ENTRIES).map_err(|e| self.fail(e))?;
        let entry = table.get(key).map_err(|e| self.fail(e))?;
        Ok(entry.map(|guard| {
            let (revision, value) = guard.value();
            Entry {
                value: value.to_vec(),
                revision,
            }
        }))
    }

    fn write_now(
        &self,
        key: &str,
        value: Option<&[u8]>,
        expect: Expect,
    ) -> Result<(u64, bool), StoreError> {
        let write = self.database.begin_write().map_err(|e| self.fail(e))?;
        let outcome = {
            let mut entries = write.open_table(ENTRIES).map_err(|e| self.fail(e))?;
            let found = entries
                .get(key)
                .map_err(|e| self.fail(e))?
                .map(|guard| guard.value().0);
            let matches = match expect {
                Expect::Any => true,
                Expect::Absent => found.is_none(),
                Expect::Revision(revision) => found == Some(revision),
            };
            if value.is_none() && found.is_none() && matches {
                // Deleting what is not there: nothing to write.
                return Ok((0, false));
            }
            if !matches {
                return Err(StoreError::Conflict {
                    key: key.to_owned(),
                    expected: expect,
                    found,
                });
            }
            let mut meta = write.open_table(META).map_err(|e| self.fail(e))?;
            let revision = meta
                .get(LAST_REVISION)
                .map_err(|e| self.fail(e))?
                .map_or(0, |guard| guard.value())
                + 1;
            meta.insert(LAST_REVISION, revision)
                .map_err(|e| self.fail(e))?;
            match value {
                Some(value) => {
                    entries
                        .insert(key, (revision, value))
                        .map_err(|e| self.fail(e))?;
                }
                None => {
                    entries.remove(key).map_err(|e| self.fail(e))?;
                }
            }
            (revision, found.is_some())
        };
        write.commit().map_err(|e| self.fail(e))?;
        Ok(outcome)
    }

    fn list_now(&self, prefix: &str) -> Result<Vec<(String, Entry)>, StoreError> {
        let read = self.database.begin_read().map_err(|e| self.fail(e))?;
        let table = read.open_table(ENTRIES).map_err(|e| self.fail(e))?;
        let mut found = Vec::new();
        for item in table.range(prefix..).map_err(|e| self.fail(e))? {
            let (key, value) = item.map_err(|e| self.fail(e))?;
            let key = key.value();
            if !key.starts_with(prefix) {
                break;
            }
            let (revision, value) = value.value();
            found.push((
                key.to_owned(),
                Entry {
                    value: value.to_vec(),
                    revision,
                },
            ));
        }
        Ok(found)
    }
}

impl Store for EmbeddedStore {
    async fn get(&self, key: &str) -> Result<Option<Entry>, StoreError> {
        let key = key.to_owned();
        self.blocking(move |store| store.get_now(&key)).await
    }

    async fn put(&self, key: &str, value: Vec<u8>, expect: Expect) -> Result<u64, StoreError> {
        let key = key.to_owned();
        self.blocking(move |store| {
            store
                .write_now(&key, Some(&value), expect)
                .map(|(revision, _)| revision)
        })
        .await
    }

    async fn delete(&self, key: &str, expect: Expect) -> Result<bool, StoreError> {
        let key = key.to_owned();
        self.blocking(move |store| {
            store
                .write_now(&key, None, expect)
                .map(|(_, existed)| existed)
        })
        .await
    }

    async fn list(&self, prefix: &str) -> Result<Vec<(String, Entry)>, StoreError> {
        let prefix = prefix.to_owned();
        self.blocking(move |store| store.list_now(&prefix)).await
    }
}
