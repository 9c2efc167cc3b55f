//! A Postgres link's settings, read from the keys wasmCloud's `sqldb-postgres` provider reads
//! (`POSTGRES_HOST`, `POSTGRES_PORT`, …) in the link's target config and target secrets; a
//! secret wins over a config value of the same name.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use crate::capability::LinkRequest;
use crate::settings_error::SettingsError;

/// Where Postgres listens when the link names no port.
pub const DEFAULT_PORT: u16 = 5432;

const HOST: &str = "POSTGRES_HOST";
const PORT: &str = "POSTGRES_PORT";
const USERNAME: &str = "POSTGRES_USERNAME";
const PASSWORD: &str = "POSTGRES_PASSWORD";
const DATABASE: &str = "POSTGRES_DATABASE";
const TLS_REQUIRED: &str = "POSTGRES_TLS_REQUIRED";
const POOL_SIZE: &str = "POSTGRES_POOL_SIZE";
const SHARE_CONNECTIONS: &str = "POSTGRES_SHARE_CONNECTIONS_BY_URL";
const ACCEPTED: &[&str] = &[
    HOST,
    PORT,
    USERNAME,
    PASSWORD,
    DATABASE,
    TLS_REQUIRED,
    POOL_SIZE,
    SHARE_CONNECTIONS,
];

/// One link's connection settings. Links with equal settings share a pool only when
/// `POSTGRES_SHARE_CONNECTIONS_BY_URL` is true; otherwise each link has its own, as each
/// component has its own in wasmCloud.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct PostgresSettings {
    /// The server's host name or address.
    pub host: String,
    /// Its port.
    pub port: u16,
    /// The role to log in as.
    pub username: String,
    /// Its password, if the server asks for one. Never printed.
    pub password: Option<String>,
    /// The database.
    pub database: String,
    /// Whether the connection must be TLS (verified against the public CA roots).
    pub tls_required: bool,
    /// How many connections the pool may open.
    pub pool_size: usize,
    /// The link that owns the pool (source component, link name); `None` when links with the
    /// same settings share one.
    pub owner: Option<(String, String)>,
}

impl fmt::Debug for PostgresSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PostgresSettings")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("username", &self.username)
            .field("password", &self.password.as_ref().map(|_| "…"))
            .field("database", &self.database)
            .field("tls_required", &self.tls_required)
            .field("pool_size", &self.pool_size)
            .field("owner", &self.owner)
            .finish()
    }
}

impl PostgresSettings {
    /// `host:port/database`, for messages (never the password).
    pub fn describe(&self) -> String {
        format!(
            "{}:{}/{} as {}",
            self.host, self.port, self.database, self.username
        )
    }

    /// Reads a link: its target secrets over its target config (keys compared
    /// case-insensitively); the error names the key and what is accepted.
    pub fn from_link(request: &LinkRequest<'_>) -> Result<Self, SettingsError> {
        let (values, secret_keys) = merged(request.link_config, request.link_secrets)?;
        // A bad value from a secret is not quoted back.
        let shown = |key: &str, value: &'_ str| -> String {
            if secret_keys.contains(key) {
                "(a secret)".to_owned()
            } else {
                value.to_owned()
            }
        };
        let required = |key: &str| {
            values.get(key).cloned().ok_or_else(|| SettingsError::Missing {
                key: key.to_owned(),
                hint: "wasmCloud's sqldb-postgres reads POSTGRES_HOST, POSTGRES_PORT (5432), POSTGRES_USERNAME, POSTGRES_PASSWORD (best as a link secret) and POSTGRES_DATABASE from the link's target config".to_owned(),
            })
        };
        let port =
            match values.get(PORT) {
                None => DEFAULT_PORT,
                Some(port) => port.parse().ok().filter(|port| *port != 0).ok_or_else(|| {
                    SettingsError::bad_value(PORT, port, "a port number (1-65535)")
                })?,
            };
        let pool_size = match values.get(POOL_SIZE) {
            None => default_pool_size(),
            Some(size) => size
                .parse()
                .ok()
                .filter(|size| (1..=1000).contains(size))
                .ok_or_else(|| {
                    SettingsError::bad_value(POOL_SIZE, size, "a number from 1 to 1000")
                })?,
        };
        let read_flag = |key: &str| {
            flag(&values, key).map_err(|error| match error {
                SettingsError::BadValue { value, .. } => {
                    SettingsError::bad_value(key, &shown(key, &value), "true or false")
                }
                other => other,
            })
        };
        let share = read_flag(SHARE_CONNECTIONS)?;
        Ok(Self {
            host: required(HOST)?,
            port,
            username: required(USERNAME)?,
            password: values.get(PASSWORD).cloned(),
            database: required(DATABASE)?,
            tls_required: read_flag(TLS_REQUIRED)?,
            pool_size,
            owner: (!share).then(|| (request.source_id.to_owned(), request.link_name.to_owned())),
        })
    }
}

/// Twice the cores, at least 4: enough for the instances a host runs at once.
fn default_pool_size() -> usize {
    std::thread::available_parallelism().map_or(4, |cores| (cores.get() * 2).max(4))
}

/// The link's values by canonical key (secrets over config; unknown keys refused), and the
/// keys whose value came from a secret.
fn merged(
    config: &BTreeMap<String, String>,
    secrets: &BTreeMap<String, String>,
) -> Result<(BTreeMap<&'static str, String>, BTreeSet<&'static str>), SettingsError> {
    let mut values = BTreeMap::new();
    let mut secret_keys = BTreeSet::new();
    for (source, is_secret) in [(config, false), (secrets, true)] {
        for (key, value) in source {
            let Some(canonical) = ACCEPTED
                .iter()
                .find(|known| known.eq_ignore_ascii_case(key))
            else {
                if is_secret {
                    continue; // Secrets the link carries for something else.
                }
                return Err(SettingsError::unknown_key(key, ACCEPTED));
            };
            values.insert(*canonical, value.clone());
            if is_secret {
                secret_keys.insert(*canonical);
            }
        }
    }
    Ok((values, secret_keys))
}

fn flag(values: &BTreeMap<&'static str, String>, key: &str) -> Result<bool, SettingsError> {
    match values.get(key).map(|value| value.to_ascii_lowercase()) {
        None => Ok(false),
        Some(value) if value == "true" || value == "yes" => Ok(true),
        Some(value) if value == "false" || value == "no" => Ok(false),
        Some(value) => Err(SettingsError::bad_value(key, &value, "true or false")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::postgres::POSTGRES;

    fn map(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(key, value)| ((*key).to_owned(), (*value).to_owned()))
            .collect()
    }

    fn settings(
        config: &[(&str, &str)],
        secrets: &[(&str, &str)],
    ) -> Result<PostgresSettings, SettingsError> {
        let (config, secrets, none) = (map(config), map(secrets), BTreeMap::new());
        PostgresSettings::from_link(&LinkRequest {
            capability_id: "db",
            kind: &POSTGRES,
            link_config: &config,
            capability_config: &none,
            link_secrets: &secrets,
            source_id: "app-querier",
            link_name: "default",
        })
    }

    const BASE: &[(&str, &str)] = &[
        ("POSTGRES_HOST", "db.internal"),
        ("POSTGRES_USERNAME", "app"),
        ("POSTGRES_PASSWORD", "from-config"),
        ("POSTGRES_DATABASE", "shop"),
    ];

    #[test]
    fn wasmcloud_keys_with_a_secret_winning_over_config() {
        let read = settings(BASE, &[("POSTGRES_PASSWORD", "from-secret")]).unwrap();
        assert_eq!(read.password.as_deref(), Some("from-secret"));
        assert_eq!((read.port, read.tls_required), (DEFAULT_PORT, false));
        assert_eq!(read.owner, Some(("app-querier".into(), "default".into())));
        assert!(
            !format!("{read:?}").contains("from-secret"),
            "never printed"
        );
        assert_eq!(read.describe(), "db.internal:5432/shop as app");
    }

    #[test]
    fn sharing_drops_the_owner_and_bad_values_name_their_key() {
        let mut shared = BASE.to_vec();
        shared.push(("postgres_share_connections_by_url", "yes"));
        assert_eq!(settings(&shared, &[]).unwrap().owner, None);
        let mut bad = BASE.to_vec();
        bad.push(("POSTGRES_PORT", "five"));
        let error = settings(&bad, &[]).unwrap_err().to_string();
        assert!(error.contains("POSTGRES_PORT: five"), "{error}");
        let error = settings(&BASE[1..], &[]).unwrap_err().to_string();
        assert!(error.contains("POSTGRES_HOST"), "{error}");
        let mut typo = BASE.to_vec();
        typo.push(("POSTGRES_USER", "x"));
        let error = settings(&typo, &[]).unwrap_err().to_string();
        assert!(
            error.contains("POSTGRES_USERNAME"),
            "lists the accepted keys: {error}"
        );
    }
}
