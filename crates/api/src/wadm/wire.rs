//! The bodies of wadm's model API as wadm 0.21 and its client (`wadm-client` 0.10) read them:
//! lowercase `result` values, `message` always present, absent options left out where wadm
//! leaves them out.

use serde::{Deserialize, Serialize};

/// `{"version": …}`: the body of get, deploy and delete requests (all optional).
#[derive(Debug, Default, Deserialize)]
pub struct VersionRequest {
    /// A version; absent (or an empty body) means the latest.
    #[serde(default)]
    pub version: Option<String>,
}

/// Any failed request.
#[derive(Debug, Serialize)]
pub struct ErrorResponse {
    /// Always `error`.
    pub result: &'static str,
    /// What went wrong and what to do.
    pub message: String,
}

impl ErrorResponse {
    /// A failure saying `message`.
    pub fn new(message: impl Into<String>) -> Self {
        Self {
            result: "error",
            message: message.into(),
        }
    }
}

/// The answer to `model.put`.
#[derive(Debug, Serialize)]
pub struct PutResponse {
    /// `created` (the first version) or `newversion`.
    pub result: &'static str,
    /// How many versions the app has now.
    pub total_versions: usize,
    /// The version just stored.
    pub current_version: String,
    /// What happened.
    pub message: String,
    /// The app's name.
    pub name: String,
}

/// The answer to `model.get.{name}`.
#[derive(Debug, Serialize)]
pub struct GetResponse {
    /// `success` or `notfound`.
    pub result: &'static str,
    /// What happened.
    pub message: String,
    /// The manifest, as JSON.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub manifest: Option<serde_json::Value>,
}

/// The answer to `model.get` (the wrapped list).
#[derive(Debug, Serialize)]
pub struct ListResponse {
    /// Always `success`.
    pub result: &'static str,
    /// What happened.
    pub message: String,
    /// Every app.
    pub models: Vec<ModelSummary>,
}

/// One app in a list.
#[derive(Debug, Serialize)]
pub struct ModelSummary {
    /// Its name.
    pub name: String,
    /// Its latest version.
    pub version: String,
    /// Its `description` annotation.
    pub description: Option<String>,
    /// The deployed version.
    pub deployed_version: Option<String>,
    /// Its status in full.
    pub detailed_status: Status,
    /// The status type alone (`waiting` reads as `undeployed`, as in wadm).
    pub status: &'static str,
    /// The status message.
    pub status_message: Option<String>,
}

/// The answer to `model.versions.{name}`.
#[derive(Debug, Serialize)]
pub struct VersionsResponse {
    /// `success` or `notfound`.
    pub result: &'static str,
    /// What happened.
    pub message: String,
    /// Every version, oldest first.
    pub versions: Vec<VersionInfo>,
}

/// One version of an app.
#[derive(Debug, Serialize)]
pub struct VersionInfo {
    /// The version.
    pub version: String,
    /// Whether it is the deployed one.
    pub deployed: bool,
}

/// The answer to `model.del.{name}`.
#[derive(Debug, Serialize)]
pub struct DeleteResponse {
    /// `deleted` or `noop`.
    pub result: &'static str,
    /// What happened.
    pub message: String,
    /// Whether deleting undeployed the app.
    pub undeploy: bool,
}

/// The answer to `model.deploy.{name}` and `model.undeploy.{name}`.
#[derive(Debug, Serialize)]
pub struct DeployResponse {
    /// `acknowledged` or `notfound`.
    pub result: &'static str,
    /// What happened.
    pub message: String,
    /// The app's name.
    pub name: String,
    /// The version deployed (`null` for an undeploy).
    pub version: Option<String>,
}

/// The answer to `model.status.{name}`.
#[derive(Debug, Serialize)]
pub struct StatusResponse {
    /// `ok` or `notfound`.
    pub result: &'static str,
    /// What happened.
    pub message: String,
    /// The app's status.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<Status>,
}

/// An app's status as wadm publishes it on `wadm.status.{lattice}.{name}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Status {
    /// Its type and message.
    pub status: StatusInfo,
    /// Each scaler (component, capability or link) and where it stands.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub scalers: Vec<ScalerStatus>,
    /// Deprecated by wadm and always empty; kept because wadm always sends it.
    pub version: String,
    /// Deprecated by wadm and always empty; kept because wadm always sends it.
    pub components: Vec<serde_json::Value>,
}

/// One scaler of an app as wadm lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ScalerStatus {
    /// Stable while the scaler's goal stays the same.
    pub id: String,
    /// `SpreadScaler`, `DaemonScaler` or `LinkScaler`.
    pub kind: String,
    /// The component or capability id, or the link as `SOURCE -(NAMESPACE:PACKAGE)-> TARGET`.
    pub name: String,
    /// Its type and message.
    pub status: StatusInfo,
}

/// A status type and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StatusInfo {
    /// `deployed`, `reconciling`, `failed` or `undeployed` (weft has no `waiting`: an app
    /// without hosts is `failed`, saying so).
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// What stands in the way, if anything.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub message: String,
}
