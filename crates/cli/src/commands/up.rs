//! `weft up`: the API, the deployment manager and one host in this process.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use serde::Serialize;
use weft_api::ControlPlane;
use weft_host::Host;
use weft_lattice::{EmbeddedStore, EventBus as _, InProcessBus};
use weft_runtime::{Runtime, RuntimeSettings};
use weft_secrets::SecretKey;

use crate::args::UpArgs;
use crate::commands::config::parse_values;
use crate::commands::run::StopSignal;
use crate::commands::state::{ApiFile, api_file_path, new_token, write_api_file};
use crate::output::Output;

/// What `weft up` reports once it is ready.
#[derive(Debug, Serialize)]
struct Ready {
    api: String,
    state_dir: String,
    apps: Vec<weft_api::AppView>,
}

/// Runs `weft up` until Ctrl-C or SIGTERM.
pub fn execute(args: UpArgs, state_dir: &Path, output: &Output) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(up(args, state_dir, output))
}

async fn up(args: UpArgs, state_dir: &Path, output: &Output) -> anyhow::Result<()> {
    let stop = StopSignal::install()?;
    std::fs::create_dir_all(state_dir)
        .with_context(|| format!("cannot create the state directory {}", state_dir.display()))?;
    // Absolute, so the example's `file://` image and stored paths do not depend on the cwd.
    let state_dir = &std::path::absolute(state_dir)
        .with_context(|| format!("cannot resolve the state directory {}", state_dir.display()))?;
    let store = EmbeddedStore::open(state_dir.join("state.redb"))?;
    let runtime = Runtime::new(&RuntimeSettings {
        cache_dir: Some(state_dir.join("compiled")),
        ..RuntimeSettings::default()
    })?;
    let mut labels = parse_values(&args.labels)?;
    labels.extend([
        ("hostcore.os".to_owned(), std::env::consts::OS.to_owned()),
        (
            "hostcore.arch".to_owned(),
            std::env::consts::ARCH.to_owned(),
        ),
    ]);
    let bus = Arc::new(InProcessBus::new());
    let events = bus.subscribe();
    let host = Host::new(
        "local",
        labels,
        Arc::new(runtime),
        Duration::from_secs(10),
        bus,
    )
    .with_data_dir(state_dir.join("data"))
    .with_oci(
        crate::commands::oci::cache(state_dir)?,
        weft_oci::Registry::new(crate::commands::oci::settings(&args.oci)?),
    );
    let secret_key = SecretKey::load_or_create(&state_dir.join("secrets.key"))?;
    let control = Arc::new(ControlPlane::new(store, secret_key, host, events));
    control.restore().await?;
    control.start();
    if !args.no_example && control.list().await?.is_empty() {
        deploy_bundled_example(&control, state_dir, &args).await?;
    }

    let token = new_token()?;
    let api = weft_api::serve(Arc::clone(&control), args.api_addr, token.clone())
        .await
        .with_context(|| {
            format!(
                "cannot serve the API on {} (pick another with --api-addr)",
                args.api_addr
            )
        })?;
    let url = format!("http://{}", api.addr);
    write_api_file(
        state_dir,
        &ApiFile {
            url: url.clone(),
            token,
        },
    )?;

    let apps = control.list().await?;
    let mut text = format!("weft is up: API at {url}, state in {}", state_dir.display());
    for app in &apps {
        text.push_str(&format!(
            "\n  app {} {}: {}{}",
            app.name,
            app.deployed.as_deref().unwrap_or("-"),
            app.status,
            if app.reasons.is_empty() {
                String::new()
            } else {
                format!(" ({})", app.reasons.join("; "))
            }
        ));
    }
    output.result(
        &text,
        &Ready {
            api: url,
            state_dir: state_dir.display().to_string(),
            apps,
        },
    );

    tokio::select! {
        () = stop.wait() => {}
        () = api.shutdown_requested() => tracing::info!("stop requested through the API (weft down)"),
    }
    tracing::info!("shutting down: finishing in-flight requests");
    api.stop();
    let _ = std::fs::remove_file(api_file_path(state_dir));
    control.shutdown().await;
    Ok(())
}

/// Writes the bundled hello example into the state directory and deploys it.
async fn deploy_bundled_example(
    control: &ControlPlane,
    state_dir: &Path,
    args: &UpArgs,
) -> anyhow::Result<()> {
    let example =
        weft_examples::find("hello").context("the hello example is missing from this build")?;
    let dir = state_dir.join("examples").join(example.name);
    std::fs::create_dir_all(dir.join("build"))?;
    std::fs::write(
        dir.join("build").join("http_hello_world.wasm"),
        example.wasm,
    )?;
    let manifest = example
        .manifest
        .replace("127.0.0.1:8000", &args.example_address.to_string());
    let file = dir.join("wadm.yaml");
    std::fs::write(&file, &manifest)?;
    let file = file.display().to_string();
    let (name, version) = control.put(&file, &manifest, "weft up").await?;
    let view = control.deploy(&name, Some(&version), "weft up").await?;
    tracing::info!(app = %name, status = %view.status, "deployed the bundled example");
    Ok(())
}
