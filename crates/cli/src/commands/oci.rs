//! `weft push`, `weft pull` and `weft inspect`: component artifacts in OCI registries.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{Context as _, bail};
use serde::Serialize;
use weft_oci::{ArtifactCache, OciSettings, Registry};
use weft_runtime::{ComponentSource, Runtime, RuntimeSettings};

use crate::args::{InspectArgs, OciArgs, PullArgs, PushArgs};
use crate::commands::config::parse_values;
use crate::output::Output;
use crate::progress::TransferDisplay;

/// The registry settings the flags ask for: credentials from the flags (which win for their
/// registry), then from the docker config.json (a registry's credential helper, the
/// credentials written in it, the default helper), and the extra CA certificates.
pub fn settings(args: &OciArgs) -> anyhow::Result<OciSettings> {
    let docker = match weft_oci::docker_config_path() {
        Some(path) => weft_oci::docker_credentials(&path)?,
        None => Default::default(),
    };
    let mut credentials = docker.inline;
    credentials.retain(|registry, _| !docker.helpers.contains_key(registry));
    if let (Some(registry), Some(username)) = (&args.registry, &args.registry_user) {
        let Some(password) = &args.registry_password else {
            bail!(
                "give the password for {username} at {registry} with `--registry-password` or WEFT_OCI_PASSWORD"
            );
        };
        credentials.insert(
            registry.clone(),
            weft_oci::Credential {
                username: username.clone(),
                password: password.clone(),
            },
        );
    }
    let ca_certificates = args
        .ca_certs
        .iter()
        .map(|path| {
            let pem = std::fs::read(path)
                .with_context(|| format!("cannot read the CA certificate {}", path.display()))?;
            anyhow::ensure!(
                pem.windows(27)
                    .any(|window| window == b"-----BEGIN CERTIFICATE-----"),
                "{} is not a PEM certificate (it has no `-----BEGIN CERTIFICATE-----`)",
                path.display()
            );
            Ok(pem)
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    Ok(OciSettings {
        allow_latest: args.allow_latest,
        allow_insecure: args.allow_insecure.clone(),
        credentials,
        credential_helpers: docker.helpers,
        default_credential_helper: docker.store,
        ca_certificates,
    })
}

/// The image cache in `state_dir`, shared with `weft up`'s host.
pub fn cache(state_dir: &Path) -> anyhow::Result<ArtifactCache> {
    Ok(ArtifactCache::open(state_dir.join("oci"))?)
}

fn runtime_for_io() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")
}

/// `weft push FILE REF`.
pub fn push(args: PushArgs, output: &Output) -> anyhow::Result<()> {
    let bytes = std::fs::read(&args.file)
        .with_context(|| format!("cannot read {}", args.file.display()))?;
    if bytes.get(..8) != Some(&b"\0asm\x0d\x00\x01\x00"[..]) {
        bail!(
            "{} is not a WebAssembly component (build it for wasm32-wasip2, or wrap a core module with `wasm-tools component new`)",
            args.file.display()
        );
    }
    let mut annotations = parse_values(&args.annotations)?;
    for (key, value) in [
        ("org.opencontainers.image.version", &args.image_version),
        ("org.opencontainers.image.description", &args.description),
        ("org.opencontainers.image.source", &args.source),
    ] {
        if let Some(value) = value {
            annotations.insert(key.to_owned(), value.clone());
        }
    }
    let registry = Registry::new(settings(&args.oci)?);
    let reference = registry.parse(&args.reference)?;
    let display = TransferDisplay::new("pushing", &args.reference, output);
    let pushed = runtime_for_io()?.block_on(registry.push(
        &reference,
        bytes,
        annotations.clone(),
        &display,
    ))?;
    drop(display);
    output.result(
        &format!(
            "pushed {} ({} bytes)\nmanifest {}\nlayer    {}",
            args.reference, pushed.size, pushed.manifest_digest, pushed.layer_digest
        ),
        &serde_json::json!({
            "reference": args.reference,
            "manifest_digest": pushed.manifest_digest,
            "layer_digest": pushed.layer_digest,
            "size": pushed.size,
            "annotations": annotations,
        }),
    );
    Ok(())
}

/// `weft pull REF [--out FILE]`.
pub fn pull(args: PullArgs, state_dir: &Path, output: &Output) -> anyhow::Result<()> {
    let registry = Registry::new(settings(&args.oci)?);
    let display = TransferDisplay::new("pulling", &args.reference, output);
    let fetched = runtime_for_io()?.block_on(cache(state_dir)?.fetch(
        &registry,
        &args.reference,
        &display,
    ))?;
    drop(display);
    if let Some(out) = &args.out {
        std::fs::write(out, &fetched.bytes)
            .with_context(|| format!("cannot write {}", out.display()))?;
    }
    let how = match (&fetched.offline, fetched.downloaded) {
        (Some(_), _) => "from the cache (the registry did not answer)",
        (None, true) => "downloaded",
        (None, false) => "already cached",
    };
    output.result(
        &format!(
            "{} {how}: {} ({} bytes){}",
            args.reference,
            fetched.facts.layer_digest,
            fetched.bytes.len(),
            args.out
                .as_ref()
                .map(|out| format!(", written to {}", out.display()))
                .unwrap_or_default()
        ),
        &serde_json::json!({
            "reference": args.reference,
            "manifest_digest": fetched.facts.manifest_digest,
            "layer_digest": fetched.facts.layer_digest,
            "size": fetched.bytes.len(),
            "downloaded": fetched.downloaded,
            "offline": fetched.offline,
            "out": args.out,
        }),
    );
    Ok(())
}

/// What `weft inspect` reports.
#[derive(Debug, Serialize)]
struct Inspection {
    target: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    manifest_digest: Option<String>,
    digest: String,
    size: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    layer_media_type: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    config_media_type: Option<String>,
    annotations: BTreeMap<String, String>,
    imports: Vec<String>,
    exports: Vec<String>,
}

/// `weft inspect REF|FILE`.
pub fn inspect(args: InspectArgs, state_dir: &Path, output: &Output) -> anyhow::Result<()> {
    let file = Path::new(&args.target);
    let mut inspection = if file.is_file() {
        let bytes =
            std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
        Inspection {
            target: args.target.clone(),
            manifest_digest: None,
            digest: String::new(), // The loaded component's, below.
            size: bytes.len(),
            layer_media_type: None,
            config_media_type: None,
            annotations: BTreeMap::new(),
            imports: Vec::new(),
            exports: Vec::new(),
        }
        .with_interfaces(state_dir, bytes)?
    } else {
        let registry = Registry::new(settings(&args.oci)?);
        let display = TransferDisplay::new("pulling", &args.target, output);
        let fetched = runtime_for_io()?.block_on(cache(state_dir)?.fetch(
            &registry,
            &args.target,
            &display,
        ))?;
        drop(display);
        Inspection {
            target: args.target.clone(),
            manifest_digest: Some(fetched.facts.manifest_digest),
            digest: fetched.facts.layer_digest,
            size: fetched.bytes.len(),
            layer_media_type: Some(fetched.facts.layer_media_type),
            config_media_type: Some(fetched.facts.config_media_type),
            annotations: fetched.facts.annotations,
            imports: Vec::new(),
            exports: Vec::new(),
        }
        .with_interfaces(state_dir, fetched.bytes)?
    };
    inspection.imports.sort();
    inspection.exports.sort();
    let mut text = vec![inspection.target.clone()];
    if let Some(digest) = &inspection.manifest_digest {
        text.push(format!("  manifest  {digest}"));
    }
    text.push(format!("  digest    {}", inspection.digest));
    text.push(format!("  size      {} bytes", inspection.size));
    if let (Some(layer), Some(config)) =
        (&inspection.layer_media_type, &inspection.config_media_type)
    {
        text.push(format!("  media     layer {layer}, config {config}"));
    }
    for (key, value) in &inspection.annotations {
        text.push(format!("  {key} = {value}"));
    }
    text.push("  imports".to_owned());
    text.extend(inspection.imports.iter().map(|name| format!("    {name}")));
    text.push("  exports".to_owned());
    text.extend(inspection.exports.iter().map(|name| format!("    {name}")));
    output.result(&text.join("\n"), &inspection);
    Ok(())
}

impl Inspection {
    /// Fills in the component's imports and exports (compiling it, cached in the state
    /// directory like every component weft runs).
    fn with_interfaces(mut self, state_dir: &Path, bytes: Vec<u8>) -> anyhow::Result<Self> {
        let runtime = Runtime::new(&RuntimeSettings {
            cache_dir: Some(state_dir.join("compiled")),
            ..RuntimeSettings::default()
        })?;
        let component = runtime.load(&ComponentSource::Bytes {
            name: self.target.clone(),
            bytes: bytes.into(),
        })?;
        if self.digest.is_empty() {
            self.digest = component.digest.clone();
        }
        let engine = runtime.engine();
        let component_type = component.component.component_type();
        self.imports = component_type
            .imports(engine)
            .map(|(name, _)| name.to_owned())
            .collect();
        self.exports = component_type
            .exports(engine)
            .map(|(name, _)| name.to_owned())
            .collect();
        Ok(self)
    }
}
