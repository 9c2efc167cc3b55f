//! The store on NATS JetStream: one key-value bucket per lattice (`WEFT_{lattice}`, file
//! storage), compare-and-swap through JetStream's expected-last-subject-sequence, so what
//! [`Store`] promises holds across every process of the lattice.

use async_nats::HeaderMap;
use async_nats::jetstream::{self, consumer::push::OrderedConfig, kv};
use futures_util::StreamExt as _;

use crate::nats_key;
use crate::{Entry, Expect, LatticeName, Store, StoreError};

/// The header JetStream checks a write's expected revision against.
const EXPECTED_LAST_SUBJECT_SEQUENCE: &str = "Nats-Expected-Last-Subject-Sequence";
/// The header that marks a key-value delete.
const KV_OPERATION: &str = "KV-Operation";

/// A lattice's store in a JetStream key-value bucket.
#[derive(Clone)]
pub struct NatsStore {
    client: async_nats::Client,
    jetstream: jetstream::Context,
    kv: kv::Store,
    /// `$KV.{bucket}.`
    prefix: String,
    /// What errors name.
    location: String,
}

impl NatsStore {
    /// The store of `lattice` on `client`'s NATS, creating its bucket if needed; `location`
    /// is how errors name the servers.
    pub async fn open(
        client: async_nats::Client,
        lattice: &LatticeName,
        location: &str,
    ) -> Result<Self, StoreError> {
        let bucket = format!("WEFT_{lattice}");
        let location = format!("{location} (bucket {bucket})");
        let jetstream = jetstream::new(client.clone());
        let kv = match jetstream.get_key_value(bucket.clone()).await {
            Ok(kv) => kv,
            Err(_) => jetstream
                .create_key_value(kv::Config {
                    bucket: bucket.clone(),
                    description: format!("weft lattice {lattice}: apps, configs, links, secrets"),
                    history: 1,
                    storage: jetstream::stream::StorageType::File,
                    ..kv::Config::default()
                })
                .await
                .map_err(|error| StoreError::Unavailable {
                    location: location.clone(),
                    reason: format!(
                        "cannot create the key-value bucket ({error}); is JetStream enabled (`nats-server -js`)?"
                    ),
                })?,
        };
        Ok(Self {
            client,
            jetstream,
            kv,
            prefix: format!("$KV.{bucket}."),
            location,
        })
    }

    fn unavailable(&self, error: impl std::fmt::Display) -> StoreError {
        StoreError::Unavailable {
            location: self.location.clone(),
            reason: error.to_string(),
        }
    }

    /// The latest record of `key`: its revision and whether it holds a value (not a delete
    /// marker).
    async fn latest(&self, encoded: &str) -> Result<Option<kv::Entry>, StoreError> {
        self.kv
            .entry(encoded)
            .await
            .map_err(|error| self.unavailable(error))
    }

    /// Publishes a record for `encoded` expecting its last revision to be `expected` (0: no
    /// record at all); a mismatch is a conflict over `key`.
    async fn publish(
        &self,
        key: &str,
        encoded: &str,
        mut headers: HeaderMap,
        value: Vec<u8>,
        expected: Option<(u64, Expect)>,
    ) -> Result<u64, StoreError> {
        if let Some((revision, _)) = expected {
            headers.insert(
                EXPECTED_LAST_SUBJECT_SEQUENCE,
                revision.to_string().as_str(),
            );
        }
        let acknowledged = async {
            self.jetstream
                .publish_with_headers(format!("{}{encoded}", self.prefix), headers, value.into())
                .await?
                .await
        }
        .await;
        match acknowledged {
            Ok(ack) => Ok(ack.sequence),
            Err(error)
                if error.kind() == jetstream::context::PublishErrorKind::WrongLastSequence =>
            {
                let found = self
                    .latest(encoded)
                    .await?
                    .filter(|entry| entry.operation == kv::Operation::Put)
                    .map(|entry| entry.revision);
                Err(StoreError::Conflict {
                    key: key.to_owned(),
                    expected: expected.map_or(Expect::Any, |(_, expect)| expect),
                    found,
                })
            }
            Err(error) => Err(self.unavailable(error)),
        }
    }
}

impl Store for NatsStore {
    async fn get(&self, key: &str) -> Result<Option<Entry>, StoreError> {
        Ok(self
            .latest(&nats_key::encode(key))
            .await?
            .filter(|entry| entry.operation == kv::Operation::Put)
            .map(|entry| Entry {
                value: entry.value.to_vec(),
                revision: entry.revision,
            }))
    }

    async fn put(&self, key: &str, value: Vec<u8>, expect: Expect) -> Result<u64, StoreError> {
        let encoded = nats_key::encode(key);
        let expected = match expect {
            Expect::Any => None,
            Expect::Revision(revision) => Some((revision, expect)),
            Expect::Absent => {
                // After a delete, the key's last record is the delete marker.
                let last = match self.latest(&encoded).await? {
                    Some(entry) if entry.operation == kv::Operation::Put => {
                        return Err(StoreError::Conflict {
                            key: key.to_owned(),
                            expected: expect,
                            found: Some(entry.revision),
                        });
                    }
                    Some(marker) => marker.revision,
                    None => 0,
                };
                Some((last, expect))
            }
        };
        self.publish(key, &encoded, HeaderMap::new(), value, expected)
            .await
    }

    async fn delete(&self, key: &str, expect: Expect) -> Result<bool, StoreError> {
        let encoded = nats_key::encode(key);
        let current = self
            .latest(&encoded)
            .await?
            .filter(|entry| entry.operation == kv::Operation::Put);
        let revision = match (current, expect) {
            (None, Expect::Revision(_)) => {
                return Err(StoreError::Conflict {
                    key: key.to_owned(),
                    expected: expect,
                    found: None,
                });
            }
            (None, _) => return Ok(false),
            (Some(entry), Expect::Absent) => {
                return Err(StoreError::Conflict {
                    key: key.to_owned(),
                    expected: expect,
                    found: Some(entry.revision),
                });
            }
            (Some(entry), Expect::Revision(expected)) if entry.revision != expected => {
                return Err(StoreError::Conflict {
                    key: key.to_owned(),
                    expected: expect,
                    found: Some(entry.revision),
                });
            }
            (Some(entry), _) => entry.revision,
        };
        let mut headers = HeaderMap::new();
        headers.insert(KV_OPERATION, "DEL");
        // The delete lands only on the revision just read, so a write in between wins.
        self.publish(key, &encoded, headers, Vec::new(), Some((revision, expect)))
            .await?;
        Ok(true)
    }

    async fn list(&self, prefix: &str) -> Result<Vec<(String, Entry)>, StoreError> {
        let (filter, refine) = nats_key::filter(prefix);
        let consumer = self
            .kv
            .stream
            .create_consumer(OrderedConfig {
                deliver_subject: self.client.new_inbox(),
                filter_subject: format!("{}{filter}", self.prefix),
                deliver_policy: jetstream::consumer::DeliverPolicy::LastPerSubject,
                replay_policy: jetstream::consumer::ReplayPolicy::Instant,
                ..OrderedConfig::default()
            })
            .await
            .map_err(|error| self.unavailable(error))?;
        let mut entries = Vec::new();
        if consumer.cached_info().num_pending == 0 {
            return Ok(entries);
        }
        let mut messages = consumer
            .messages()
            .await
            .map_err(|error| self.unavailable(error))?;
        while let Some(message) = messages.next().await {
            let message = message.map_err(|error| self.unavailable(error))?;
            let info = message.info().map_err(|error| self.unavailable(error))?;
            let (revision, pending) = (info.stream_sequence, info.pending);
            let deleted = message
                .headers
                .as_ref()
                .and_then(|headers| headers.get(KV_OPERATION))
                .is_some();
            let key = message
                .subject
                .strip_prefix(self.prefix.as_str())
                .and_then(nats_key::decode);
            if let Some(key) = key.filter(|key| !deleted && (!refine || key.starts_with(prefix))) {
                entries.push((
                    key,
                    Entry {
                        value: message.payload.to_vec(),
                        revision,
                    },
                ));
            }
            if pending == 0 {
                break;
            }
        }
        entries.sort_by(|a, b| a.0.cmp(&b.0));
        Ok(entries)
    }
}
