//! Stored applications: every manifest version put, which one is deployed, and the history of
//! who did what when. Kept in the lattice [`Store`] under `apps/{name}`, updated with
//! compare-and-swap so concurrent writers never lose each other's changes.

use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};
use weft_lattice::{Expect, Store, StoreError};
use weft_manifest::{Diagnostics, LimitProblem, Manifest};

use crate::id_conflict::{IdConflict, explicit_ids, find_id_conflict};

const PREFIX: &str = "apps/";
/// Attempts of one read-modify-write before giving up on contention: every failed attempt
/// means another writer succeeded, so this bounds how many concurrent writers one outlasts.
const ATTEMPTS: usize = 32;

/// `problems`, one after another.
fn join_problems(problems: &[LimitProblem]) -> String {
    let texts: Vec<String> = problems.iter().map(ToString::to_string).collect();
    texts.join("; ")
}

/// Why an application operation was refused.
#[derive(Debug, thiserror::Error)]
pub enum AppStoreError {
    /// The manifest does not validate.
    #[error("the manifest is not valid:\n{0}")]
    Invalid(Diagnostics),
    /// That version was already put; versions are immutable.
    #[error(
        "application `{name}` already has version `{version}`; versions cannot be replaced, so give the manifest a new `version` annotation (or leave it out to get a generated one)"
    )]
    VersionExists {
        /// Application.
        name: String,
        /// Version.
        version: String,
    },
    /// No such application.
    #[error("there is no application `{name}`; `weft app list` shows what there is")]
    NoSuchApp {
        /// Application.
        name: String,
    },
    /// No such version.
    #[error("application `{name}` has no version `{version}`; its versions are: {known}")]
    NoSuchVersion {
        /// Application.
        name: String,
        /// Version asked for.
        version: String,
        /// Versions it has.
        known: String,
    },
    /// Deleting what is deployed would orphan running parts.
    #[error(
        "version `{version}` of `{name}` is deployed; undeploy it first (`weft app undeploy {name}`) or deploy another version"
    )]
    Deployed {
        /// Application.
        name: String,
        /// The deployed version.
        version: String,
    },
    /// Its limits policies cannot be applied as written (wadm accepts the manifest, so it was
    /// stored; deploying it would run components under limits nobody meant).
    #[error(
        "version `{version}` of `{name}` has limits weft cannot apply, so it was not deployed (what was deployed keeps running): {}; fix the manifest and put it as a new version",
        join_problems(problems)
    )]
    Limits {
        /// Application.
        name: String,
        /// Version.
        version: String,
        /// What is wrong, each with its place and a hint.
        problems: Vec<LimitProblem>,
    },
    /// Another deployed application gives one of its explicit ids (wadm refuses this deploy).
    #[error(transparent)]
    IdTaken(#[from] IdConflict),
    /// The store failed or stayed contended.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A stored record could not be read.
    #[error("the stored record of `{name}` is damaged: {reason}")]
    Damaged {
        /// Application.
        name: String,
        /// What is wrong.
        reason: String,
    },
}

/// One stored manifest version: the text as put (re-validated when read).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredVersion {
    /// Its version (from the `version` annotation, or generated: sortable by time).
    pub version: String,
    /// The file name it was put from, for diagnostics.
    pub file: String,
    /// The manifest text.
    pub source: String,
    /// When it was put (milliseconds since the Unix epoch).
    pub put_at_ms: u64,
}

/// Something that happened to an application.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    /// A version was put.
    Put,
    /// A version was deployed.
    Deploy,
    /// The application was undeployed.
    Undeploy,
    /// A version was deleted.
    Delete,
}

/// One line of an application's history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryEntry {
    /// When (milliseconds since the Unix epoch).
    pub at_ms: u64,
    /// Who (the API client's identity).
    pub by: String,
    /// What.
    pub action: Action,
    /// Which version, when one applies.
    pub version: Option<String>,
}

/// Everything stored about one application.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredApp {
    /// Its name.
    pub name: String,
    /// Versions in the order they were put.
    pub versions: Vec<StoredVersion>,
    /// The deployed version, if any.
    pub deployed: Option<String>,
    /// What happened, oldest first.
    pub history: Vec<HistoryEntry>,
}

impl StoredApp {
    /// The version called `version`, or the newest for `None` / `latest`.
    pub fn version(&self, version: Option<&str>) -> Result<&StoredVersion, AppStoreError> {
        let found = match version {
            None | Some("latest") => self.versions.last(),
            Some(wanted) => self.versions.iter().find(|stored| stored.version == wanted),
        };
        found.ok_or_else(|| AppStoreError::NoSuchVersion {
            name: self.name.clone(),
            version: version.unwrap_or("latest").to_owned(),
            known: self
                .versions
                .iter()
                .map(|v| v.version.as_str())
                .collect::<Vec<_>>()
                .join(", "),
        })
    }
}

/// Applications kept in a lattice store.
#[derive(Debug, Clone)]
pub struct AppStore<S> {
    store: S,
}

impl<S: Store> AppStore<S> {
    /// Applications kept in `store`.
    pub fn new(store: S) -> Self {
        Self { store }
    }

    /// Validates and stores a new version; returns the application name and the version.
    pub async fn put(
        &self,
        file: &str,
        source: &str,
        by: &str,
    ) -> Result<(String, String), AppStoreError> {
        let loaded = weft_manifest::load(file, source).map_err(AppStoreError::Invalid)?;
        let name = loaded.manifest.name().to_owned();
        let now = now_ms();
        let version = loaded
            .manifest
            .version()
            .map(str::to_owned)
            .unwrap_or_else(|| generated_version(now));
        let stored = StoredVersion {
            version: version.clone(),
            file: file.to_owned(),
            source: source.to_owned(),
            put_at_ms: now,
        };
        self.update(&name, true, |app| {
            if app
                .versions
                .iter()
                .any(|existing| existing.version == version)
            {
                return Err(AppStoreError::VersionExists {
                    name: name.clone(),
                    version: version.clone(),
                });
            }
            app.versions.push(stored.clone());
            app.history.push(HistoryEntry {
                at_ms: now,
                by: by.to_owned(),
                action: Action::Put,
                version: Some(version.clone()),
            });
            Ok(())
        })
        .await?;
        Ok((name, version))
    }

    /// Marks `version` (or the newest) deployed; returns that stored version and its manifest.
    /// Refused when another deployed application gives one of its explicit ids (two deploys
    /// racing each other can both pass this check; the reconciler then reports the second as
    /// `Blocker::IdTaken`).
    pub async fn deploy(
        &self,
        name: &str,
        version: Option<&str>,
        by: &str,
    ) -> Result<(StoredVersion, Manifest), AppStoreError> {
        let staged = self.get(name).await?.version(version)?.clone();
        let staged_manifest = manifest_of(&staged)?;
        let problems = staged_manifest.limit_problems();
        if !problems.is_empty() {
            return Err(AppStoreError::Limits {
                name: name.to_owned(),
                version: staged.version.clone(),
                problems,
            });
        }
        self.refuse_taken_ids(&staged_manifest).await?;
        let now = now_ms();
        let app = self
            .update(name, false, |app| {
                // The version checked, even if a newer one was put meanwhile.
                let chosen = app.version(Some(&staged.version))?.version.clone();
                app.deployed = Some(chosen.clone());
                app.history.push(HistoryEntry {
                    at_ms: now,
                    by: by.to_owned(),
                    action: Action::Deploy,
                    version: Some(chosen),
                });
                Ok(())
            })
            .await?;
        let stored = app.version(app.deployed.as_deref())?.clone();
        let manifest = manifest_of(&stored)?;
        Ok((stored, manifest))
    }

    /// Clears the deployed version; returns the one that was deployed.
    pub async fn undeploy(&self, name: &str, by: &str) -> Result<Option<String>, AppStoreError> {
        let now = now_ms();
        let mut previous = None;
        self.update(name, false, |app| {
            previous = app.deployed.take();
            app.history.push(HistoryEntry {
                at_ms: now,
                by: by.to_owned(),
                action: Action::Undeploy,
                version: previous.clone(),
            });
            Ok(())
        })
        .await?;
        Ok(previous)
    }

    /// Deletes one version, or the whole application; refuses to delete what is deployed. The
    /// check and the write are one compare-and-swap, so a concurrent deploy cannot slip between.
    pub async fn delete(
        &self,
        name: &str,
        version: Option<&str>,
        by: &str,
    ) -> Result<(), AppStoreError> {
        let refuse_if_deployed = |app: &StoredApp| match &app.deployed {
            Some(deployed) if version.is_none_or(|version| version == deployed) => {
                Err(AppStoreError::Deployed {
                    name: name.to_owned(),
                    version: deployed.clone(),
                })
            }
            _ => Ok(()),
        };
        let Some(version) = version else {
            for _ in 0..ATTEMPTS {
                let entry =
                    self.store
                        .get(&key(name))
                        .await?
                        .ok_or_else(|| AppStoreError::NoSuchApp {
                            name: name.to_owned(),
                        })?;
                refuse_if_deployed(&decode(name, &entry.value)?)?;
                match self
                    .store
                    .delete(&key(name), Expect::Revision(entry.revision))
                    .await
                {
                    Ok(_) => return Ok(()),
                    Err(StoreError::Conflict { .. }) => continue,
                    Err(other) => return Err(other.into()),
                }
            }
            return Err(AppStoreError::Store(StoreError::Conflict {
                key: key(name),
                expected: Expect::Any,
                found: None,
            }));
        };
        let now = now_ms();
        self.update(name, false, |app| {
            refuse_if_deployed(app)?;
            app.version(Some(version))?;
            app.versions.retain(|stored| stored.version != version);
            app.history.push(HistoryEntry {
                at_ms: now,
                by: by.to_owned(),
                action: Action::Delete,
                version: Some(version.to_owned()),
            });
            Ok(())
        })
        .await?;
        Ok(())
    }

    /// Everything stored about `name`.
    pub async fn get(&self, name: &str) -> Result<StoredApp, AppStoreError> {
        let entry = self
            .store
            .get(&key(name))
            .await?
            .ok_or_else(|| AppStoreError::NoSuchApp {
                name: name.to_owned(),
            })?;
        decode(name, &entry.value)
    }

    /// Every application, by name.
    pub async fn list(&self) -> Result<Vec<StoredApp>, AppStoreError> {
        let entries = self.store.list(PREFIX).await?;
        entries
            .iter()
            .map(|(key, entry)| decode(key.trim_start_matches(PREFIX), &entry.value))
            .collect()
    }

    /// Fails when another deployed application gives one of `staged`'s explicit ids (only a
    /// manifest with explicit ids reads the others).
    async fn refuse_taken_ids(&self, staged: &Manifest) -> Result<(), AppStoreError> {
        if explicit_ids(staged).next().is_none() {
            return Ok(());
        }
        let mut deployed = Vec::new();
        for app in self.list().await? {
            if app.name == staged.name() {
                continue;
            }
            // A deployed version that no longer loads gives no ids to compare.
            if let Some(Ok(manifest)) = app
                .deployed
                .as_deref()
                .map(|version| app.version(Some(version)).and_then(manifest_of))
            {
                deployed.push(manifest);
            }
        }
        match find_id_conflict(staged, &deployed) {
            Some(conflict) => Err(conflict.into()),
            None => Ok(()),
        }
    }

    /// Read-modify-write of one application with compare-and-swap, retried on contention.
    async fn update(
        &self,
        name: &str,
        create: bool,
        mut change: impl FnMut(&mut StoredApp) -> Result<(), AppStoreError>,
    ) -> Result<StoredApp, AppStoreError> {
        let key = key(name);
        let mut last_conflict = None;
        for _ in 0..ATTEMPTS {
            let current = self.store.get(&key).await?;
            let (mut app, expect) = match &current {
                Some(entry) => (
                    decode(name, &entry.value)?,
                    Expect::Revision(entry.revision),
                ),
                None if create => (
                    StoredApp {
                        name: name.to_owned(),
                        versions: Vec::new(),
                        deployed: None,
                        history: Vec::new(),
                    },
                    Expect::Absent,
                ),
                None => {
                    return Err(AppStoreError::NoSuchApp {
                        name: name.to_owned(),
                    });
                }
            };
            change(&mut app)?;
            let bytes = serde_json::to_vec(&app).map_err(|error| AppStoreError::Damaged {
                name: name.to_owned(),
                reason: error.to_string(),
            })?;
            match self.store.put(&key, bytes, expect).await {
                Ok(_) => return Ok(app),
                Err(conflict @ StoreError::Conflict { .. }) => last_conflict = Some(conflict),
                Err(other) => return Err(other.into()),
            }
        }
        Err(last_conflict.map_or_else(
            || AppStoreError::NoSuchApp {
                name: name.to_owned(),
            },
            AppStoreError::Store,
        ))
    }
}

fn key(name: &str) -> String {
    format!("{PREFIX}{name}")
}

fn decode(name: &str, bytes: &[u8]) -> Result<StoredApp, AppStoreError> {
    serde_json::from_slice(bytes).map_err(|error| AppStoreError::Damaged {
        name: name.to_owned(),
        reason: error.to_string(),
    })
}

fn manifest_of(stored: &StoredVersion) -> Result<Manifest, AppStoreError> {
    weft_manifest::load(&stored.file, &stored.source)
        .map(|loaded| loaded.manifest)
        .map_err(AppStoreError::Invalid)
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| {
            u64::try_from(elapsed.as_millis()).unwrap_or(u64::MAX)
        })
}

/// A version for a manifest without one: a ULID, so versions sort by the time they were put.
fn generated_version(now_ms: u64) -> String {
    ulid::Ulid::from_parts(now_ms, ulid::Ulid::new().random()).to_string()
}
