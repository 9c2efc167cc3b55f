//! Registry credentials: given for one registry each, sent to that registry only. They come
//! from flags or the environment, or from the docker `config.json` (`docker login` writes it).

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use crate::OciError;

/// A user name and password for one registry. `Debug` hides the password.
#[derive(Clone, PartialEq, Eq)]
pub struct Credential {
    /// User name.
    pub username: String,
    /// Password or token.
    pub password: String,
}

impl fmt::Debug for Credential {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "Credential({}, <password>)", self.username)
    }
}

/// The docker config file: `$DOCKER_CONFIG/config.json`, else `~/.docker/config.json`.
pub fn docker_config_path() -> Option<PathBuf> {
    match std::env::var_os("DOCKER_CONFIG") {
        Some(dir) => Some(PathBuf::from(dir).join("config.json")),
        None => {
            std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".docker/config.json"))
        }
    }
}

/// The credentials in the docker config at `path` (none when it does not exist), by
/// registry. Entries kept by a credential helper (`credsStore`) are not read.
pub fn docker_credentials(path: &Path) -> Result<BTreeMap<String, Credential>, OciError> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(BTreeMap::new()),
        Err(source) => {
            return Err(OciError::Cache {
                path: path.to_owned(),
                source,
            });
        }
    };
    let damaged = |reason: &str| OciError::Credentials {
        path: path.to_owned(),
        reason: reason.to_owned(),
    };
    let config: serde_json::Value =
        serde_json::from_str(&text).map_err(|_| damaged("it is not JSON"))?;
    let mut credentials = BTreeMap::new();
    let Some(auths) = config.get("auths").and_then(serde_json::Value::as_object) else {
        return Ok(credentials);
    };
    for (registry, entry) in auths {
        let registry = registry
            .trim_start_matches("https://")
            .trim_start_matches("http://")
            .trim_end_matches('/')
            .to_owned();
        let from_fields = entry
            .get("username")
            .and_then(serde_json::Value::as_str)
            .zip(entry.get("password").and_then(serde_json::Value::as_str))
            .map(|(username, password)| (username.to_owned(), password.to_owned()));
        let from_auth = entry
            .get("auth")
            .and_then(serde_json::Value::as_str)
            .and_then(decode_base64)
            .and_then(|decoded| {
                decoded
                    .split_once(':')
                    .map(|(username, password)| (username.to_owned(), password.to_owned()))
            });
        if let Some((username, password)) = from_fields.or(from_auth) {
            credentials.insert(registry, Credential { username, password });
        }
    }
    Ok(credentials)
}

/// Standard base64 (what `docker login` writes in `auth`), decoded to text.
fn decode_base64(text: &str) -> Option<String> {
    use base64::Engine as _;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(text)
        .ok()?;
    String::from_utf8(bytes).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn docker_config_entries_by_auth_or_fields() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.json");
        // `auth` is base64 of `ann:s3cret`.
        std::fs::write(
            &path,
            r#"{"auths": {"https://reg.example:5000/": {"auth": "YW5uOnMzY3JldA=="},
                "other.example": {"username": "bob", "password": "pw"},
                "helper.example": {}}, "credsStore": "desktop"}"#,
        )
        .unwrap();
        let credentials = docker_credentials(&path).unwrap();
        assert_eq!(credentials["reg.example:5000"].username, "ann");
        assert_eq!(credentials["reg.example:5000"].password, "s3cret");
        assert_eq!(credentials["other.example"].username, "bob");
        assert!(!credentials.contains_key("helper.example"));
        assert!(!format!("{:?}", credentials["other.example"]).contains("pw"));
        assert!(
            docker_credentials(&dir.path().join("absent.json"))
                .unwrap()
                .is_empty()
        );
    }
}
