//! Connecting a weft process to its lattice's NATS: credentials and TLS from flags or the
//! environment, retries with backoff while the servers cannot be reached, and an immediate,
//! plain error when they refuse the credentials.

use std::path::PathBuf;
use std::time::Duration;

use async_nats::{ConnectErrorKind, ConnectOptions, ServerAddr};

/// How to reach a lattice's NATS.
#[derive(Debug, Clone, Default)]
pub struct NatsSettings {
    /// Server URLs (`nats://HOST:PORT`, `tls://…`; a user and password may be in the URL).
    pub urls: Vec<String>,
    /// A `.creds` file (JWT and seed), as `nsc` writes it.
    pub credentials_file: Option<PathBuf>,
    /// A token.
    pub token: Option<String>,
    /// A user name (with `password`).
    pub user: Option<String>,
    /// The user's password.
    pub password: Option<String>,
    /// A file holding an nkey seed (`SU…`), for servers that know users by their nkey.
    pub nkey_file: Option<PathBuf>,
    /// A CA certificate (PEM) to trust for TLS; setting it requires TLS.
    pub tls_ca: Option<PathBuf>,
    /// A client certificate and its key (PEM), for servers that verify clients (mutual TLS);
    /// setting them requires TLS.
    pub tls_client: Option<(PathBuf, PathBuf)>,
    /// The name this connection shows in the server's monitoring.
    pub client_name: Option<String>,
}

/// Why connecting failed for good.
#[derive(Debug, thiserror::Error)]
pub enum NatsConnectError {
    /// The settings cannot be used.
    #[error("{0}")]
    Settings(String),
    /// The servers refused the credentials.
    #[error(
        "NATS at {servers} refused the connection: {reason}; check the credentials (`--nats-user`/`--nats-password`, `--nats-token`, `--nats-nkey`, `--nats-creds`, a client certificate, or a user in the URL)"
    )]
    Refused {
        /// The servers.
        servers: String,
        /// What they said.
        reason: String,
    },
    /// TLS failed.
    #[error(
        "cannot set up TLS with NATS at {servers}: {reason}; give the servers' CA with `--nats-tls-ca FILE`, and a client certificate with `--nats-tls-cert FILE --nats-tls-key FILE` if the servers verify clients"
    )]
    Tls {
        /// The servers.
        servers: String,
        /// Why.
        reason: String,
    },
}

/// The first wait between attempts; it doubles up to [`MAX_RETRY_DELAY`].
const FIRST_RETRY_DELAY: Duration = Duration::from_millis(250);
/// The longest wait between attempts.
const MAX_RETRY_DELAY: Duration = Duration::from_secs(5);
/// How long one attempt may take.
const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(3);

impl NatsSettings {
    /// The servers, for messages.
    pub fn servers(&self) -> String {
        self.urls.join(",")
    }

    /// Connects, retrying with backoff (calling `waiting` with the reason and the wait before
    /// each retry) while the servers cannot be reached; refused credentials and TLS failures
    /// end it at once. The client reconnects by itself afterwards.
    pub async fn connect(
        &self,
        waiting: impl Fn(&str, Duration),
    ) -> Result<async_nats::Client, NatsConnectError> {
        let servers = self.servers();
        if self.urls.is_empty() {
            return Err(NatsConnectError::Settings(
                "name at least one NATS server (`--nats nats://HOST:PORT`)".to_owned(),
            ));
        }
        let addresses = self
            .urls
            .iter()
            .map(|url| {
                url.parse::<ServerAddr>().map_err(|error| {
                    NatsConnectError::Settings(format!(
                        "`{url}` is not a NATS URL ({error}); write nats://HOST:PORT"
                    ))
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        let credentials = self.read_credentials()?;
        let mut delay = FIRST_RETRY_DELAY;
        loop {
            let options = self.options(&credentials)?;
            let attempt =
                tokio::time::timeout(ATTEMPT_TIMEOUT, options.connect(addresses.clone())).await;
            let reason = match attempt {
                Ok(Ok(client)) => return Ok(client),
                Ok(Err(error)) => match error.kind() {
                    ConnectErrorKind::AuthorizationViolation | ConnectErrorKind::Authentication => {
                        return Err(NatsConnectError::Refused {
                            servers,
                            reason: error.to_string(),
                        });
                    }
                    ConnectErrorKind::Tls => {
                        return Err(NatsConnectError::Tls {
                            servers,
                            reason: error.to_string(),
                        });
                    }
                    ConnectErrorKind::Io if is_tls_refusal(&error.to_string()) => {
                        return Err(NatsConnectError::Tls {
                            servers,
                            reason: error.to_string(),
                        });
                    }
                    _ => error.to_string(),
                },
                Err(_) => format!("no answer within {ATTEMPT_TIMEOUT:?}"),
            };
            waiting(&format!("cannot reach NATS at {servers}: {reason}"), delay);
            tokio::time::sleep(delay).await;
            delay = (delay * 2).min(MAX_RETRY_DELAY);
        }
    }

    /// The user and password given by flags, else the first found in a server URL (the
    /// client does not read them from URLs by itself).
    fn user_and_password(&self) -> Option<(String, String)> {
        if let (Some(user), Some(password)) = (&self.user, &self.password) {
            return Some((user.clone(), password.clone()));
        }
        self.urls.iter().find_map(|url| {
            let address = url.parse::<ServerAddr>().ok()?;
            let (user, password) = (address.username()?, address.password()?);
            Some((user.to_owned(), password.to_owned()))
        })
    }

    /// Reads the credentials the settings name, once for all attempts.
    fn read_credentials(&self) -> Result<Credentials, NatsConnectError> {
        let creds = match &self.credentials_file {
            Some(path) => {
                Some(std::fs::read_to_string(path).map_err(|error| unusable_creds(path, &error))?)
            }
            None => None,
        };
        let nkey_seed = match &self.nkey_file {
            Some(path) => Some(read_nkey_seed(path)?),
            None => None,
        };
        Ok(Credentials {
            creds,
            nkey_seed,
            user_and_password: self.user_and_password(),
        })
    }

    /// The client's options for one attempt (they cannot be cloned, so each attempt builds
    /// its own from what [`Self::read_credentials`] read).
    fn options(&self, credentials: &Credentials) -> Result<ConnectOptions, NatsConnectError> {
        let mut options = match (&credentials.creds, &self.credentials_file) {
            (Some(text), Some(path)) => ConnectOptions::with_credentials(text)
                .map_err(|error| unusable_creds(path, &error))?,
            _ => ConnectOptions::new(),
        };
        if let Some(token) = &self.token {
            options = options.token(token.clone());
        }
        if let Some((user, password)) = &credentials.user_and_password {
            options = options.user_and_password(user.clone(), password.clone());
        }
        if let Some(seed) = &credentials.nkey_seed {
            options = options.nkey(seed.clone());
        }
        if let Some(ca) = &self.tls_ca {
            options = options.add_root_certificates(ca.clone()).require_tls(true);
        }
        if let Some((certificate, key)) = &self.tls_client {
            options = options
                .add_client_certificate(certificate.clone(), key.clone())
                .require_tls(true);
        }
        if let Some(name) = &self.client_name {
            options = options.name(name);
        }
        Ok(options)
    }
}

/// Whether a connection error's message tells of a failed TLS handshake (the server's alert,
/// such as "bad certificate", or its certificate not verifying, also when the server asked
/// for TLS by itself), which retrying cannot mend. The client keeps the handshake's error
/// private and only shows it in its message (rustls's wording), so that is read.
fn is_tls_refusal(message: &str) -> bool {
    message.contains("fatal alert") || message.contains("invalid peer certificate")
}

/// The credentials in files and URLs, read once before connecting.
struct Credentials {
    /// The `.creds` file's text.
    creds: Option<String>,
    /// The nkey seed.
    nkey_seed: Option<String>,
    /// A user and password from flags or a URL.
    user_and_password: Option<(String, String)>,
}

/// The error for a `.creds` file that cannot be read or parsed.
fn unusable_creds(path: &std::path::Path, error: &std::io::Error) -> NatsConnectError {
    NatsConnectError::Settings(format!(
        "cannot use the NATS credentials file {}: {error}; it should hold a user JWT and seed, as `nsc generate creds` writes",
        path.display()
    ))
}

/// The nkey seed in the file at `path` (its first line that starts with `SU`, so a file
/// `nsc` or `nk -gen user` wrote works as it is).
fn read_nkey_seed(path: &std::path::Path) -> Result<String, NatsConnectError> {
    let unusable = |why: String| {
        NatsConnectError::Settings(format!(
            "cannot use the NATS nkey file {}: {why}; it should hold a user seed (`SU…`), as `nk -gen user` writes",
            path.display()
        ))
    };
    let text = std::fs::read_to_string(path).map_err(|error| unusable(error.to_string()))?;
    text.lines()
        .map(str::trim)
        .find(|line| line.starts_with("SU"))
        .map(str::to_owned)
        .ok_or_else(|| unusable("no user seed in it".to_owned()))
}

/// `HOST:PORT` of a NATS server URL as the NATS client reads it: no scheme, user, password or
/// path, and the client's default port (4222) when none is given; `None` when the client would
/// not take it as a server URL.
pub fn nats_server_authority(url: &str) -> Option<String> {
    let address = url.parse::<ServerAddr>().ok()?;
    let host = address.host();
    if host.is_empty() {
        return None;
    }
    Some(if host.contains(':') {
        format!("[{host}]:{}", address.port())
    } else {
        format!("{host}:{}", address.port())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tls_refusals_are_told_apart_from_unreachable_servers() {
        // The messages async-nats gives for a handshake the server or the CA refused.
        let no_certificate = async_nats::ConnectError::from(std::io::Error::other(
            "received fatal alert: BadCertificate",
        ));
        assert!(is_tls_refusal(&no_certificate.to_string()));
        let unknown_ca = async_nats::ConnectError::from(std::io::Error::other(
            "invalid peer certificate: UnknownIssuer",
        ));
        assert!(is_tls_refusal(&unknown_ca.to_string()));
        let down = async_nats::ConnectError::from(std::io::Error::from(
            std::io::ErrorKind::ConnectionRefused,
        ));
        assert!(!is_tls_refusal(&down.to_string()));
    }

    #[test]
    fn a_server_url_loses_its_credentials_and_gains_the_default_port() {
        let authority = |url| nats_server_authority(url);
        assert_eq!(
            authority("nats://u:secret@127.0.0.1:4223").as_deref(),
            Some("127.0.0.1:4223")
        );
        assert_eq!(
            authority("tls://nats.internal/").as_deref(),
            Some("nats.internal:4222")
        );
        assert_eq!(authority("127.0.0.1").as_deref(), Some("127.0.0.1:4222"));
        assert_eq!(
            authority("nats://[::1]:4222").as_deref(),
            Some("[::1]:4222")
        );
        assert_eq!(authority("http://x:1"), None);
    }
}
