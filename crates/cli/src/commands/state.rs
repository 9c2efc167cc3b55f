//! How clients find a running `weft up`: its state directory's API file, or `--api`.

use std::path::{Path, PathBuf};

use anyhow::Context as _;
pub use weft_process::ApiFile;
use weft_process::api_file_path;

/// How clients find the API: the state directory's API file, unless `--api` / `--token` say
/// otherwise.
#[derive(Debug, Clone)]
pub struct Endpoint {
    /// The state directory of the `weft up` to talk to.
    pub state_dir: PathBuf,
    /// An explicit API URL (`--api`, `WEFT_API`).
    pub api: Option<String>,
    /// An explicit token (`--token`, `WEFT_TOKEN`).
    pub token: Option<String>,
}

impl Endpoint {
    /// The URL and token to use.
    pub fn resolve(&self) -> anyhow::Result<ApiFile> {
        match &self.api {
            Some(url) => Ok(ApiFile {
                url: url.trim_end_matches('/').to_owned(),
                token: self
                    .token
                    .clone()
                    .or_else(|| read_api_file(&self.state_dir).ok().map(|file| file.token))
                    .unwrap_or_default(),
                read_token: String::new(),
            }),
            None => {
                let mut file = read_api_file(&self.state_dir)?;
                if let Some(token) = &self.token {
                    file.token.clone_from(token);
                }
                Ok(file)
            }
        }
    }
}

/// The user's data directory + `weft` (XDG on Linux), or `./.weft` when there is none.
pub fn default_state_dir() -> PathBuf {
    dirs::data_local_dir().map_or_else(|| PathBuf::from(".weft"), |dir| dir.join("weft"))
}

/// Reads the API file of a running `weft up`.
pub fn read_api_file(state_dir: &Path) -> anyhow::Result<ApiFile> {
    let path = api_file_path(state_dir);
    let text = std::fs::read_to_string(&path).map_err(|_| {
        anyhow::anyhow!(
            "no running weft found in {} (start one with `weft up`, or point --state-dir / WEFT_STATE_DIR at its state directory)",
            state_dir.display()
        )
    })?;
    serde_json::from_str(&text)
        .with_context(|| format!("{} is damaged; restart `weft up`", path.display()))
}

/// How long [`running_api`] waits for an answer.
const RUNNING_CHECK_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(2);

/// The API URL of the `weft up` whose API file is in `state_dir`, if it answers with the
/// file's token (a file left by a process that was killed does not count).
pub fn running_api(state_dir: &Path) -> Option<String> {
    let file = read_api_file(state_dir).ok()?;
    let endpoint = Endpoint {
        state_dir: state_dir.to_owned(),
        api: None,
        token: None,
    };
    let client =
        crate::commands::client::Client::connect_with_timeout(&endpoint, RUNNING_CHECK_TIMEOUT)
            .ok()?;
    client
        .get::<serde_json::Value>("/v1/hosts")
        .ok()
        .map(|_| file.url)
}
