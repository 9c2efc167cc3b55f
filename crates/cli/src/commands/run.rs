//! `weft run`: serve one `wasi:http` component, a fresh instance per request.

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{Context as _, anyhow};
use serde::Serialize;
use weft_capabilities::OutgoingHttpPolicy;
use weft_capabilities::http_server::{ComponentHandler, HttpServer, RouteSpec};
use weft_runtime::{Allocator, ComponentSource, Runtime, RuntimeSettings};

use crate::args::RunArgs;
use crate::output::Output;

/// What `weft run` reports once it is serving.
#[derive(Debug, Serialize)]
struct Serving {
    url: String,
    component: String,
    digest: String,
    load_ms: f64,
    from_cache: bool,
    pooling: bool,
    allocation: &'static str,
}

/// Runs `weft run` until Ctrl-C or SIGTERM.
pub fn execute(args: RunArgs, output: &Output) -> anyhow::Result<()> {
    block_on(serve(args, output))
}

/// Runs `work` to its end on a multi-threaded async runtime, as the serving commands do.
pub fn block_on(work: impl std::future::Future<Output = anyhow::Result<()>>) -> anyhow::Result<()> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?
        .block_on(work)
}

async fn serve(args: RunArgs, output: &Output) -> anyhow::Result<()> {
    // Listen for Ctrl-C and SIGTERM before announcing readiness, so a stop request sent the
    // moment the URL appears is never lost.
    let stop = StopSignal::install()?;
    let source = component_source(&args)?;
    let outgoing = OutgoingHttpPolicy::allow(args.allow_http.iter().map(String::as_str))?;
    let settings = runtime_settings(&args);
    let runtime = Runtime::new(&settings)?;
    let component = runtime.load(&source)?;
    tracing::info!(
        component = %component.name,
        digest = %component.digest,
        from_cache = component.from_cache,
        load_ms = component.load_time.as_secs_f64() * 1000.0,
        "{}",
        if component.from_cache { "loaded the compiled component from the cache" } else { "compiled the component" }
    );
    let handler = ComponentHandler::new(&runtime, &component, outgoing)?;

    let server = HttpServer::new(args.shutdown_grace);
    let addr = server
        .add_route(
            args.listen,
            RouteSpec::catch_all(),
            format!("weft run {}", component.name),
            Arc::new(handler),
        )
        .await
        .map_err(|error| {
            let hint = if error.is_addr_in_use() {
                " (`weft run --listen ADDRESS` takes another)"
            } else {
                ""
            };
            anyhow!("{error}{hint}")
        })?;

    let url = format!("http://{addr}/");
    output.result(
        &format!("Serving {} at {url}", component.name),
        &Serving {
            url: url.clone(),
            component: component.name.clone(),
            digest: component.digest.clone(),
            load_ms: component.load_time.as_secs_f64() * 1000.0,
            from_cache: component.from_cache,
            pooling: runtime.is_pooling(),
            allocation: runtime.allocation().name(),
        },
    );

    stop.wait().await;
    tracing::info!("shutting down: finishing in-flight requests");
    server.shutdown().await;
    Ok(())
}

/// The engine settings the flags ask for; hidden `--tune-*` flags override the defaults.
fn runtime_settings(args: &RunArgs) -> RuntimeSettings {
    let defaults = RuntimeSettings::default();
    RuntimeSettings {
        memory_limit_bytes: args.instances.memory_limit,
        invocation_deadline: args.instances.deadline,
        busy_lane: args.busy_lane.settings(),
        allocator: if args.no_pooling {
            Allocator::OnDemand
        } else {
            Allocator::PoolingOrFallback
        },
        max_instances: args.max_instances,
        cache_dir: cache_dir(args),
        memory_init_cow: args.tuning.tune_cow,
        pagemap_scan: !args.tuning.tune_no_pagemap_scan,
        keep_resident_bytes: args
            .tuning
            .tune_keep_resident
            .unwrap_or(defaults.keep_resident_bytes),
        ..defaults
    }
}

fn component_source(args: &RunArgs) -> anyhow::Result<ComponentSource> {
    if let Some(name) = &args.example {
        let example = weft_examples::find(name).ok_or_else(|| {
            anyhow!(
                "there is no bundled example named `{name}`; the examples are: {}",
                weft_examples::names().join(", ")
            )
        })?;
        return Ok(ComponentSource::Bytes {
            name: format!("example:{}", example.name),
            bytes: Arc::from(example.wasm),
        });
    }
    let path = args
        .component
        .clone()
        .ok_or_else(|| anyhow!("name a component file to serve, or pass --example hello"))?;
    Ok(ComponentSource::File(path))
}

fn cache_dir(args: &RunArgs) -> Option<PathBuf> {
    if args.no_cache {
        return None;
    }
    args.cache_dir
        .clone()
        .or_else(|| dirs::cache_dir().map(|dir| dir.join("weft").join("compiled")))
}

/// Ctrl-C (SIGINT) or SIGTERM, installed up front.
pub struct StopSignal {
    #[cfg(unix)]
    interrupt: tokio::signal::unix::Signal,
    #[cfg(unix)]
    terminate: tokio::signal::unix::Signal,
}

impl StopSignal {
    /// Starts listening for the signals.
    pub fn install() -> anyhow::Result<Self> {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            Ok(Self {
                interrupt: signal(SignalKind::interrupt()).context("cannot listen for Ctrl-C")?,
                terminate: signal(SignalKind::terminate()).context("cannot listen for SIGTERM")?,
            })
        }
        #[cfg(not(unix))]
        Ok(Self {})
    }

    /// Waits for one of them.
    pub async fn wait(mut self) {
        #[cfg(unix)]
        tokio::select! {
            _ = self.interrupt.recv() => {}
            _ = self.terminate.recv() => {}
        }
        #[cfg(not(unix))]
        let _ = tokio::signal::ctrl_c().await;
    }
}
