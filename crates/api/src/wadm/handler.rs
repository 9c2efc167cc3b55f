//! Carries out one model request on the control plane and answers in wadm's shape, with
//! wadm's `result` values and messages (weft's own located messages for a bad manifest).

use std::sync::Arc;

use weft_manager::AppStoreError;

use crate::wadm::lifecycle::{delete, deploy, status, undeploy};
use crate::wadm::notify::Notifier;
use crate::wadm::status::summary_of;
use crate::wadm::subject::ModelRequest;
use crate::wadm::wire::{
    ErrorResponse, GetResponse, ListResponse, PutResponse, VersionInfo, VersionRequest,
    VersionsResponse,
};
use crate::{ControlError, ControlPlane};

/// Who the history names for changes made through wadm's API.
pub(super) const BY: &str = "wadm api";

/// What a request needs besides itself.
pub struct Context {
    /// The control plane.
    pub control: Arc<ControlPlane>,
    /// Where manifest notifications go.
    pub notifier: Notifier,
}

/// The JSON answer to `request` with `body` (sent with `content_type`).
pub async fn handle(
    context: &Context,
    request: ModelRequest,
    content_type: Option<&str>,
    body: &[u8],
) -> Vec<u8> {
    if request.changes()
        && let Some(reason) = context.control.standing_by()
    {
        return json(&ErrorResponse::new(reason));
    }
    let answer = match request {
        ModelRequest::Put => put(&context.control, content_type, body).await,
        ModelRequest::List => list(&context.control).await.map(|list| json(&list.models)),
        ModelRequest::ListWrapped => list(&context.control).await.map(|list| json(&list)),
        ModelRequest::Get(name) => get(&context.control, &name, body).await,
        ModelRequest::Versions(name) => versions(&context.control, &name).await,
        ModelRequest::Delete(name) => delete(context, &name, body).await,
        ModelRequest::Deploy(name) => deploy(context, &name, body).await,
        ModelRequest::Undeploy(name) => undeploy(context, &name).await,
        ModelRequest::Status(name) => status(context, &name).await,
        ModelRequest::History(name) => Err(ErrorResponse::new(format!(
            "wadm's API has no deployment history; weft keeps one: `weft app history {name}` or GET /v1/apps/{name}/history"
        ))),
    };
    answer.unwrap_or_else(|error| json(&error))
}

pub(super) type Answer = Result<Vec<u8>, ErrorResponse>;

pub(super) fn json<T: serde::Serialize + ?Sized>(value: &T) -> Vec<u8> {
    weft_lattice::json_bytes(value)
}

pub(super) fn failed(error: ControlError) -> ErrorResponse {
    ErrorResponse::new(error.to_string())
}

/// The version a get, deploy or delete body asks for; `None` for an empty body.
pub(super) fn version_in(body: &[u8], what: &str) -> Result<Option<String>, ErrorResponse> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(None);
    }
    serde_json::from_slice::<VersionRequest>(body)
        .map(|request| request.version)
        .map_err(|error| {
            ErrorResponse::new(format!(
                "Unable to parse {what} application request: {error}; send {{\"version\": \"VERSION\"}} or nothing for the latest"
            ))
        })
}

pub(super) fn is_no_such_app(error: &ControlError) -> bool {
    matches!(error, ControlError::Apps(AppStoreError::NoSuchApp { .. }))
}

pub(super) fn not_found_message(name: &str) -> String {
    format!("Application with the name {name} not found")
}

async fn put(control: &ControlPlane, content_type: Option<&str>, body: &[u8]) -> Answer {
    if let Some(kind) = content_type
        && !["json", "yaml", "yml"]
            .iter()
            .any(|known| kind.contains(known))
    {
        return Err(ErrorResponse::new(format!(
            "Unsupported content type {kind} given. Wadm supports YAML and JSON"
        )));
    }
    let text = std::str::from_utf8(body)
        .map_err(|_| ErrorResponse::new("the manifest is not UTF-8 text; send YAML or JSON"))?;
    refuse_relative_images(text)?;
    let (name, version) = control.put("model.put", text, BY).await.map_err(failed)?;
    let total_versions = control.stored(&name).await.map_err(failed)?.versions.len();
    Ok(json(&PutResponse {
        result: if total_versions == 1 {
            "created"
        } else {
            "newversion"
        },
        total_versions,
        message: format!("Successfully put manifest {name} {version}"),
        current_version: version,
        name,
    }))
}

/// A manifest sent over NATS has no directory, so a `file://` image relative to one could
/// never be found: say so at once, with the ways out. (An invalid manifest is left to the
/// store, which reports every problem.)
fn refuse_relative_images(text: &str) -> Result<(), ErrorResponse> {
    let Ok(loaded) = weft_manifest::load("model.put", text) else {
        return Ok(());
    };
    let desired = weft_manager::desired_state(&loaded.manifest);
    match weft_manager::first_relative_image(&desired) {
        Some(workload) => Err(ErrorResponse::new(format!(
            "`{}` has the image `{}`, a path relative to the manifest's directory, and a manifest sent over wadm's API has none; give an absolute path (`file:///…`), push the component to a registry (`weft push`), or deploy the file with `weft app deploy FILE`, which resolves paths against its directory",
            workload.name, workload.image
        ))),
        None => Ok(()),
    }
}

async fn list(control: &ControlPlane) -> Result<ListResponse, ErrorResponse> {
    let mut models = Vec::new();
    for view in control.list().await.map_err(failed)? {
        let description = control
            .manifest(&view.name, None)
            .await
            .ok()
            .and_then(|stored| weft_manifest::load(&stored.file, &stored.source).ok())
            .and_then(|loaded| loaded.manifest.description().map(str::to_owned));
        models.push(summary_of(&view, description));
    }
    Ok(ListResponse {
        result: "success",
        message: "Successfully fetched list of applications".to_owned(),
        models,
    })
}

async fn get(control: &ControlPlane, name: &str, body: &[u8]) -> Answer {
    let version = version_in(body, "get")?;
    let not_found = |message: String| {
        json(&GetResponse {
            result: "notfound",
            message,
            manifest: None,
        })
    };
    let stored = match control.manifest(name, version.as_deref()).await {
        Ok(stored) => stored,
        Err(error) if is_no_such_app(&error) => return Ok(not_found(not_found_message(name))),
        Err(ControlError::Apps(AppStoreError::NoSuchVersion { version, .. })) => {
            return Ok(not_found(format!(
                "Application {name} with version {version} doesn't exist"
            )));
        }
        Err(error) => return Err(failed(error)),
    };
    let manifest = manifest_json(&stored).map_err(ErrorResponse::new)?;
    Ok(json(&GetResponse {
        result: "success",
        message: format!("Successfully fetched application {name} {}", stored.version),
        manifest: Some(manifest),
    }))
}

/// A stored version's manifest as JSON, its `version` annotation set to the stored version.
pub(super) fn manifest_json(
    stored: &weft_manager::StoredVersion,
) -> Result<serde_json::Value, String> {
    let loaded = weft_manifest::load(&stored.file, &stored.source)
        .map_err(|diagnostics| format!("the stored manifest no longer loads: {diagnostics}"))?;
    let mut manifest = loaded.manifest;
    manifest
        .metadata
        .annotations
        .entry("version".to_owned())
        .or_insert_with(|| stored.version.clone());
    serde_json::to_value(&manifest).map_err(|error| error.to_string())
}

async fn versions(control: &ControlPlane, name: &str) -> Answer {
    let app = match control.stored(name).await {
        Ok(app) => app,
        Err(error) if is_no_such_app(&error) => {
            return Ok(json(&VersionsResponse {
                result: "notfound",
                message: not_found_message(name),
                versions: Vec::new(),
            }));
        }
        Err(error) => return Err(failed(error)),
    };
    let versions = app
        .versions
        .iter()
        .map(|stored| VersionInfo {
            deployed: app.deployed.as_deref() == Some(stored.version.as_str()),
            version: stored.version.clone(),
        })
        .collect();
    Ok(json(&VersionsResponse {
        result: "success",
        message: format!("Successfully fetched versions for application {name}"),
        versions,
    }))
}
