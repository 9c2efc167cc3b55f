//! The state directory `weft up` owns, and the API file clients find it by.

use std::path::{Path, PathBuf};

use anyhow::Context as _;
use serde::{Deserialize, Serialize};

/// Where `weft up` listens and the token its mutating calls need; written mode 0600.
#[derive(Debug, Serialize, Deserialize)]
pub struct ApiFile {
    /// Base URL of the API.
    pub url: String,
    /// Bearer token.
    pub token: String,
}

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

/// Creates `state_dir` if needed and returns it absolute, so stored paths (the bundled
/// example's `file://` image) do not depend on the working directory.
pub fn prepare_state_dir(state_dir: &Path) -> anyhow::Result<PathBuf> {
    std::fs::create_dir_all(state_dir)
        .with_context(|| format!("cannot create the state directory {}", state_dir.display()))?;
    std::path::absolute(state_dir)
        .with_context(|| format!("cannot resolve the state directory {}", state_dir.display()))
}

/// The API file inside `state_dir`.
pub fn api_file_path(state_dir: &Path) -> PathBuf {
    state_dir.join("api.json")
}

/// Writes the API file readable by the owner only.
pub fn write_api_file(state_dir: &Path, api: &ApiFile) -> anyhow::Result<()> {
    let path = api_file_path(state_dir);
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options
        .open(&path)
        .with_context(|| format!("cannot write {}", path.display()))?;
    std::io::Write::write_all(&mut file, &serde_json::to_vec_pretty(api)?)
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
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

/// A fresh random token (32 bytes from the operating system, hex).
pub fn new_token() -> anyhow::Result<String> {
    let mut bytes = [0u8; 32];
    std::io::Read::read_exact(&mut std::fs::File::open("/dev/urandom")?, &mut bytes)
        .context("cannot read random bytes for the API token")?;
    Ok(bytes.iter().map(|byte| format!("{byte:02x}")).collect())
}
