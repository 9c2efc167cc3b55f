//! `component.scale.{id}`, `provider.start.{id}` and `provider.stop.{id}`: running components
//! and capabilities on one host outside any application, as `wash` and other wasmCloud
//! clients ask. Like wasmCloud, scaling and starting are acknowledged at once and carried out
//! afterwards (an image may take a while to pull); the outcome is the host's
//! `component_scaled`/`component_scale_failed`, `provider_started`/`provider_start_failed`
//! event and a log line. What an application runs is refused: its manifest decides.

use std::sync::Arc;

use weft_lattice::Command;
use weft_lattice::{CtlResponse, ScaleComponent, StartProvider, StopProvider, parse_ctl_body};

use crate::Host;

/// The shape `component.scale` takes, for errors.
const SCALE_SHAPE: &str = r#"{"component_ref": "IMAGE", "component_id": "ID", "count": N, "config": ["NAME"], "component_limits": {"max_memory_limit": "BYTES", "max_execution_time": "SECONDS"}}"#;
/// The shape `provider.start` takes, for errors.
const START_SHAPE: &str = r#"{"provider_ref": "IMAGE", "provider_id": "ID", "config": ["NAME"]}"#;

/// Answers `component.scale` with `body` on `host`.
pub(crate) fn scale_component(host: &Arc<Host>, body: &[u8]) -> CtlResponse {
    let scale: ScaleComponent = match parse_ctl_body(body, SCALE_SHAPE) {
        Ok(scale) => scale,
        Err(message) => return CtlResponse::failed(message.to_string()),
    };
    if scale.component_id.is_empty() || scale.component_ref.is_empty() {
        return CtlResponse::failed(format!(
            "`component_id` and `component_ref` must not be empty; send JSON {SCALE_SHAPE}"
        ));
    }
    let limits = match scale.limits() {
        Ok(limits) => limits,
        Err(bad) => return CtlResponse::failed(format!("{bad}; send JSON {SCALE_SHAPE}")),
    };
    let observed = host.observe().hosts.pop().unwrap_or_default();
    if let Some(running) = observed
        .components
        .iter()
        .find(|running| running.id == scale.component_id)
    {
        if let Some(app) = &running.app {
            return CtlResponse::failed(format!(
                "component `{}` runs as part of application `{app}`; change its manifest and deploy it (`weft app deploy FILE`)",
                running.id
            ));
        }
        if running.image != scale.component_ref && !scale.allow_update && scale.count > 0 {
            return CtlResponse::failed(format!(
                "component `{}` runs {}, not {}; set `allow_update: true` to change its image",
                running.id, running.image, scale.component_ref
            ));
        }
    }
    let command = Command::ScaleComponent {
        host_id: host.id().to_owned(),
        component_id: scale.component_id,
        image: scale.component_ref,
        count: scale.count as usize,
        config: scale.config,
        secrets: Vec::new(),
        limits,
        app: None,
    };
    carry_out_later(host, command);
    CtlResponse::done()
}

/// Answers `provider.start` with `body` on `host`.
pub(crate) fn start_provider(host: &Arc<Host>, body: &[u8]) -> CtlResponse {
    let start: StartProvider = match parse_ctl_body(body, START_SHAPE) {
        Ok(start) => start,
        Err(message) => return CtlResponse::failed(message.to_string()),
    };
    if start.provider_id.is_empty() {
        return CtlResponse::failed(format!(
            "`provider_id` must not be empty; send JSON {START_SHAPE}"
        ));
    }
    if weft_capabilities::capability::resolve(&start.provider_ref).is_none() {
        return CtlResponse::failed(format!(
            "`{}` names none of weft's built-in capabilities (weft runs no provider binaries); use one of: {}",
            start.provider_ref,
            weft_capabilities::capability::known_images().join(", ")
        ));
    }
    if let Some(Some(owner)) = capability_owner(host, &start.provider_id) {
        return CtlResponse::failed(format!(
            "capability `{}` runs as part of application `{owner}`; change its manifest and deploy it",
            start.provider_id
        ));
    }
    let command = Command::StartCapability {
        host_id: host.id().to_owned(),
        capability_id: start.provider_id,
        image: start.provider_ref,
        config: start.config,
        app: None,
    };
    carry_out_later(host, command);
    CtlResponse::done()
}

/// Answers `provider.stop` with `body` on `host`.
pub(crate) async fn stop_provider(host: &Arc<Host>, body: &[u8]) -> CtlResponse {
    let stop: StopProvider = match parse_ctl_body(body, r#"{"provider_id": "ID"}"#) {
        Ok(stop) => stop,
        Err(message) => return CtlResponse::failed(message.to_string()),
    };
    match capability_owner(host, &stop.provider_id) {
        None => CtlResponse::failed(format!(
            "no capability `{}` runs on this host",
            stop.provider_id
        )),
        Some(Some(owner)) => CtlResponse::failed(format!(
            "capability `{}` runs as part of application `{owner}`; change its manifest or undeploy it",
            stop.provider_id
        )),
        Some(None) => {
            let command = Command::StopCapability {
                host_id: host.id().to_owned(),
                capability_id: stop.provider_id,
            };
            match host.execute(&command).await {
                Ok(()) => CtlResponse::done(),
                Err(error) => CtlResponse::failed(error.to_string()),
            }
        }
    }
}

/// The owner of capability `id` on `host` if it runs there: its application, or `None` when
/// it was started by hand.
fn capability_owner(host: &Host, id: &str) -> Option<Option<String>> {
    host.observe()
        .hosts
        .pop()
        .unwrap_or_default()
        .capabilities
        .into_iter()
        .find(|capability| capability.id == id)
        .map(|capability| capability.app)
}

/// Carries out `command` on `host` in the background; a failure is logged (the host's event
/// says so too).
fn carry_out_later(host: &Arc<Host>, command: Command) {
    let host = Arc::clone(host);
    tokio::spawn(async move {
        if let Err(error) = host.execute(&command).await {
            tracing::warn!(%error, "a control request could not be carried out");
        }
    });
}
