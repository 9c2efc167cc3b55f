//! Docker credential helpers: `docker-credential-NAME get` reads a registry's address on
//! stdin and answers `{"Username": …, "Secret": …}` on stdout, or fails with "credentials not
//! found" when it keeps none for that registry.

use std::process::Stdio;
use std::time::Duration;

use serde::Deserialize;
use tokio::io::AsyncWriteExt as _;

use crate::{Credential, OciError};

/// How long a helper may take (some ask a keychain or a cloud API).
const HELPER_TIMEOUT: Duration = Duration::from_secs(20);

/// What a helper answers.
#[derive(Deserialize)]
struct Answer {
    #[serde(rename = "Username")]
    username: String,
    #[serde(rename = "Secret")]
    secret: String,
}

/// The address helpers know `registry` by (`docker login` stores Docker Hub under its old
/// index address).
fn server_address(registry: &str) -> &str {
    if registry == "docker.io" {
        "https://index.docker.io/v1/"
    } else {
        registry
    }
}

/// Asks `helper` for `registry`'s credentials: `None` when it keeps none for it.
pub(crate) async fn ask(helper: &str, registry: &str) -> Result<Option<Credential>, OciError> {
    let program = format!("docker-credential-{helper}");
    let failed = |reason: String| OciError::CredentialHelper {
        program: program.clone(),
        registry: registry.to_owned(),
        reason,
    };
    let mut child = tokio::process::Command::new(&program)
        .arg("get")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .map_err(|error| {
            failed(if error.kind() == std::io::ErrorKind::NotFound {
                "it is not installed (not found on PATH); install it, or remove it from the docker config.json (`credHelpers` or `credsStore`)".to_owned()
            } else {
                format!("it cannot be started: {error}")
            })
        })?;
    if let Some(mut stdin) = child.stdin.take() {
        stdin
            .write_all(server_address(registry).as_bytes())
            .await
            .map_err(|error| failed(format!("it did not read the registry's address: {error}")))?;
    }
    let output = tokio::time::timeout(HELPER_TIMEOUT, child.wait_with_output())
        .await
        .map_err(|_| {
            failed(format!(
                "it did not answer within {} s",
                HELPER_TIMEOUT.as_secs()
            ))
        })?
        .map_err(|error| failed(format!("it could not be waited for: {error}")))?;
    if !output.status.success() {
        // Only a failure's output is shown: a success's carries the secret.
        let said = format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        if said.to_ascii_lowercase().contains("credentials not found") {
            return Ok(None);
        }
        return Err(failed(format!(
            "it failed ({}): {}",
            output.status,
            said.trim()
        )));
    }
    let answer: Answer = serde_json::from_slice(&output.stdout).map_err(|_| {
        failed("it did not answer with JSON `{\"Username\": …, \"Secret\": …}`".to_owned())
    })?;
    if answer.username == "<token>" {
        return Err(failed(
            "it gave an identity token, which weft cannot exchange yet; give a user and password with `--registry-user` and `--registry-password`".to_owned(),
        ));
    }
    Ok(Some(Credential {
        username: answer.username,
        password: answer.secret,
    }))
}
