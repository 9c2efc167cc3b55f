//! Registry credentials: given for one registry each, sent to that registry only. They come
//! from flags or the environment, or from the docker `config.json` (`docker login` writes it):
//! written in the file, or kept by a credential helper it names.

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

/// What the docker config says about credentials.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DockerCredentials {
    /// Credentials written in the file (`auths`), by registry.
    pub inline: BTreeMap<String, Credential>,
    /// Credential helpers, by registry (`credHelpers`).
    pub helpers: BTreeMap<String, String>,
    /// The credential helper for every other registry (`credsStore`).
    pub store: Option<String>,
}

/// What the docker config at `path` says about credentials (nothing when it does not exist).
pub fn docker_credentials(path: &Path) -> Result<DockerCredentials, OciError> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            return Ok(DockerCredentials::default());
        }
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
    let mut found = DockerCredentials {
        store: config
            .get("credsStore")
            .and_then(serde_json::Value::as_str)
            .filter(|helper| !helper.is_empty())
            .map(str::to_owned),
        ..DockerCredentials::default()
    };
    if let Some(helpers) = config
        .get("credHelpers")
        .and_then(serde_json::Value::as_object)
    {
        for (registry, helper) in helpers {
            let Some(helper) = helper.as_str() else {
                return Err(damaged(&format!(
                    "`credHelpers.{registry}` must name a helper (a string)"
                )));
            };
            found
                .helpers
                .insert(registry_key(registry), helper.to_owned());
        }
    }
    let Some(auths) = config.get("auths").and_then(serde_json::Value::as_object) else {
        return Ok(found);
    };
    for (registry, entry) in auths {
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
            found
                .inline
                .insert(registry_key(registry), Credential { username, password });
        }
    }
    Ok(found)
}

/// The registry a docker config key names, as image references name it: no scheme, no
/// trailing path, and Docker Hub's old addresses as `docker.io`.
pub(crate) fn registry_key(key: &str) -> String {
    let host = key
        .trim_start_matches("https://")
        .trim_start_matches("http://")
        .split('/')
        .next()
        .unwrap_or_default();
    match host {
        "index.docker.io" | "registry-1.docker.io" => "docker.io".to_owned(),
        other => other.to_owned(),
    }
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
        let found = docker_credentials(&path).unwrap();
        let credentials = &found.inline;
        assert_eq!(credentials["reg.example:5000"].username, "ann");
        assert_eq!(credentials["reg.example:5000"].password, "s3cret");
        assert_eq!(credentials["other.example"].username, "bob");
        assert!(!credentials.contains_key("helper.example"));
        assert!(!format!("{:?}", credentials["other.example"]).contains("pw"));
        assert_eq!(found.store.as_deref(), Some("desktop"));
        assert_eq!(
            docker_credentials(&dir.path().join("absent.json")).unwrap(),
            DockerCredentials::default()
        );
    }

    #[test]
    fn credential_helpers_by_registry_and_docker_hub_keys() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.json");
        std::fs::write(
            &path,
            r#"{"credHelpers": {"reg.example:5000": "pass", "https://index.docker.io/v1/": "desktop"}}"#,
        )
        .unwrap();
        let found = docker_credentials(&path).unwrap();
        assert_eq!(found.helpers["reg.example:5000"], "pass");
        assert_eq!(found.helpers["docker.io"], "desktop");
        assert_eq!(found.store, None);
        std::fs::write(&path, r#"{"credHelpers": {"reg.example": 7}}"#).unwrap();
        let error = docker_credentials(&path).unwrap_err().to_string();
        assert!(error.contains("credHelpers.reg.example"), "{error}");
    }
}
