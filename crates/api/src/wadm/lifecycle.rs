//! The model requests that deploy, undeploy and delete, and the status they lead to.

use crate::ControlError;
use crate::wadm::handler::{
    Answer, BY, Context, failed, is_no_such_app, json, manifest_json, not_found_message, version_in,
};
use crate::wadm::status::status_of;
use crate::wadm::wire::{DeleteResponse, DeployResponse, ErrorResponse, StatusResponse};

/// `model.deploy.{name}`: acknowledged once stored as deployed; converged in the background.
pub(super) async fn deploy(context: &Context, name: &str, body: &[u8]) -> Answer {
    let asked = version_in(body, "deploy")?.filter(|version| version != "latest");
    let control = &context.control;
    let stored = match control.manifest(name, asked.as_deref()).await {
        Ok(stored) => stored,
        Err(error) if is_no_such_app(&error) => {
            return Ok(json(&DeployResponse {
                result: "notfound",
                message: not_found_message(name),
                name: name.to_owned(),
                version: asked,
            }));
        }
        Err(ControlError::Apps(weft_manager::AppStoreError::NoSuchVersion { version, .. })) => {
            return Err(ErrorResponse::new(format!(
                "Application with the name '{name}' does not have a version '{version}' to deploy"
            )));
        }
        Err(error) => return Err(failed(error)),
    };
    let version = control
        .deploy_acknowledged(name, Some(&stored.version), BY)
        .await
        .map_err(failed)?;
    if let Ok(manifest) = manifest_json(&stored) {
        context.notifier.published(&manifest).await;
    }
    Ok(json(&DeployResponse {
        result: "acknowledged",
        message: format!("Successfully deployed application {name} {version}"),
        name: name.to_owned(),
        version: Some(version),
    }))
}

/// `model.undeploy.{name}`.
pub(super) async fn undeploy(context: &Context, name: &str) -> Answer {
    let answer = |result, message| {
        json(&DeployResponse {
            result,
            message,
            name: name.to_owned(),
            version: None,
        })
    };
    match context.control.undeploy_acknowledged(name, BY).await {
        Ok(previous) => {
            context.notifier.unpublished(name).await;
            Ok(answer(
                "acknowledged",
                match previous {
                    Some(_) => format!("Successfully undeployed application {name}"),
                    None => format!("Application {name} was already undeployed"),
                },
            ))
        }
        Err(error) if is_no_such_app(&error) => Ok(answer("notfound", not_found_message(name))),
        Err(error) => Err(failed(error)),
    }
}

/// `model.del.{name}`: a version, or the whole app; deleting what is deployed (or the last
/// version) undeploys it first, as wadm does.
pub(super) async fn delete(context: &Context, name: &str, body: &[u8]) -> Answer {
    let version = version_in(body, "delete")?;
    let control = &context.control;
    let answer = |result, message: String, undeploy| {
        json(&DeleteResponse {
            result,
            message,
            undeploy,
        })
    };
    let app = match control.stored(name).await {
        Ok(app) => app,
        Err(error) if is_no_such_app(&error) => {
            return Ok(answer(
                "noop",
                format!("Application {name} doesn't exist or was already deleted"),
                false,
            ));
        }
        Err(error) => return Err(failed(error)),
    };
    if let Some(version) = &version
        && !app.versions.iter().any(|stored| &stored.version == version)
    {
        return Ok(answer(
            "noop",
            format!("Application version {version} doesn't exist"),
            false,
        ));
    }
    let last = version.is_none() || app.versions.len() == 1;
    let deployed = app.deployed.as_deref();
    let undeploy = deployed.is_some() && (last || deployed == version.as_deref());
    if undeploy {
        control
            .undeploy_acknowledged(name, BY)
            .await
            .map_err(failed)?;
        context.notifier.unpublished(name).await;
    }
    let whole = if last { None } else { version.as_deref() };
    control.delete(name, whole, BY).await.map_err(failed)?;
    let message = match (&version, last) {
        (None, _) => format!("Successfully deleted application {name}"),
        (Some(_), true) => format!("Successfully deleted last version of application {name}"),
        (Some(version), false) => {
            format!("Successfully deleted version {version} of application {name}")
        }
    };
    // As wadm: deleting the whole app, or its last version, reports an undeploy.
    Ok(answer("deleted", message, undeploy || last))
}

/// `model.status.{name}`.
pub(super) async fn status(context: &Context, name: &str) -> Answer {
    match context.control.view(name).await {
        Ok(view) => Ok(json(&StatusResponse {
            result: "ok",
            message: format!("Successfully fetched status for application {name}"),
            status: Some(status_of(&view)),
        })),
        Err(error) if is_no_such_app(&error) => Ok(json(&StatusResponse {
            result: "notfound",
            message: not_found_message(name),
            status: None,
        })),
        Err(error) => Err(failed(error)),
    }
}
