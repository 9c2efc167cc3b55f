//! `weft app ...`: application manifests.

use std::path::Path;

use anyhow::Context as _;
use serde::Serialize;
use weft_api::AppView;
use weft_manifest::{Diagnostic, Severity};

use crate::args::AppCommand;
use crate::commands::client::{Client, segment};
use crate::commands::state::Endpoint;
use crate::output::{Output, ReportedFailure};

/// One line (plus a line per reason) for an application.
fn app_line(app: &AppView) -> String {
    let mut line = format!(
        "{} {}: {}",
        app.name,
        app.deployed.as_deref().unwrap_or("-"),
        app.status
    );
    for reason in &app.reasons {
        line.push_str(&format!("\n  - {reason}"));
    }
    for ignored in &app.ignored {
        line.push_str(&format!("\n  - ignored: {ignored}"));
    }
    for hit in &app.limit_hits {
        line.push_str(&format!("\n  - {hit}"));
    }
    line
}

/// Runs one `weft app` subcommand.
pub fn execute(command: AppCommand, endpoint: &Endpoint, output: &Output) -> anyhow::Result<()> {
    match command {
        AppCommand::Deploy {
            target,
            app_version,
        } => deploy(&target, app_version.as_deref(), endpoint, output),
        AppCommand::List => list(endpoint, output),
        AppCommand::Put { file } => put(&file, endpoint, output),
        AppCommand::Get { name, app_version } => {
            get(&name, app_version.as_deref(), endpoint, output)
        }
        AppCommand::Status { name, watch } => status(&name, watch, endpoint, output),
        AppCommand::Versions { name } => versions(&name, endpoint, output),
        AppCommand::History { name } => history(&name, endpoint, output),
        AppCommand::Undeploy { name } => {
            let app: AppView = Client::connect(endpoint)?.post(
                &format!("/v1/apps/{}/undeploy", segment(&name)),
                serde_json::json!({}),
            )?;
            output.result(&app_line(&app), &app);
            Ok(())
        }
        AppCommand::Delete { name, app_version } => {
            delete(&name, app_version.as_deref(), endpoint, output)
        }
        AppCommand::Validate { files } => validate(&files, output),
        AppCommand::Schema => {
            println!("{}", weft_manifest::json_schema());
            Ok(())
        }
    }
}

/// `weft app list`.
fn list(endpoint: &Endpoint, output: &Output) -> anyhow::Result<()> {
    let apps: Vec<AppView> = Client::connect(endpoint)?.get("/v1/apps")?;
    let text = if apps.is_empty() {
        "no applications (deploy one with `weft app deploy FILE`)".to_owned()
    } else {
        apps.iter().map(app_line).collect::<Vec<_>>().join("\n")
    };
    output.result(&text, &serde_json::json!({ "apps": apps }));
    Ok(())
}

/// `weft app put FILE`.
fn put(file: &Path, endpoint: &Endpoint, output: &Output) -> anyhow::Result<()> {
    let client = Client::connect(endpoint)?;
    let (name, version) = put_file(&client, file)?;
    output.result(
        &format!("stored {name} {version} (deploy it with `weft app deploy {name} {version}`)"),
        &serde_json::json!({ "name": name, "version": version }),
    );
    Ok(())
}

/// `weft app get NAME [VERSION]`: the stored manifest.
fn get(
    name: &str,
    version: Option<&str>,
    endpoint: &Endpoint,
    output: &Output,
) -> anyhow::Result<()> {
    let path = match version {
        Some(version) => format!(
            "/v1/apps/{}/manifest?version={}",
            segment(name),
            segment(version)
        ),
        None => format!("/v1/apps/{}/manifest", segment(name)),
    };
    let stored: serde_json::Value = Client::connect(endpoint)?.get(&path)?;
    let source = stored["source"].as_str().unwrap_or_default();
    output.result(source.trim_end(), &stored);
    Ok(())
}

/// `weft app status NAME [--watch]`.
fn status(name: &str, watch: bool, endpoint: &Endpoint, output: &Output) -> anyhow::Result<()> {
    let client = Client::connect(endpoint)?;
    if !watch {
        let app: AppView = client.get(&format!("/v1/apps/{}", segment(name)))?;
        output.result(&app_line(&app), &app);
        return Ok(());
    }
    client.watch(
        &format!("/v1/apps/{}/watch", segment(name)),
        || {},
        |data| {
            let app: AppView = serde_json::from_str(data)
                .context("the API sent a status weft does not understand")?;
            output.result(&app_line(&app), &app);
            Ok(true)
        },
    )
}

/// `weft app versions NAME`.
fn versions(name: &str, endpoint: &Endpoint, output: &Output) -> anyhow::Result<()> {
    let versions: Vec<serde_json::Value> =
        Client::connect(endpoint)?.get(&format!("/v1/apps/{}/versions", segment(name)))?;
    let text = versions
        .iter()
        .map(|v| {
            let marker = if v["deployed"] == true {
                " (deployed)"
            } else {
                ""
            };
            format!("{}{marker}", v["version"].as_str().unwrap_or_default())
        })
        .collect::<Vec<_>>()
        .join("\n");
    output.result(&text, &serde_json::json!({ "versions": versions }));
    Ok(())
}

/// `weft app history NAME`.
fn history(name: &str, endpoint: &Endpoint, output: &Output) -> anyhow::Result<()> {
    let history: Vec<serde_json::Value> =
        Client::connect(endpoint)?.get(&format!("/v1/apps/{}/history", segment(name)))?;
    let text = history
        .iter()
        .map(|entry| {
            format!(
                "{} {} {} by {}",
                entry["at_ms"],
                entry["action"].as_str().unwrap_or_default(),
                entry["version"].as_str().unwrap_or("-"),
                entry["by"].as_str().unwrap_or_default()
            )
        })
        .collect::<Vec<_>>()
        .join("\n");
    output.result(&text, &serde_json::json!({ "history": history }));
    Ok(())
}

/// `weft app delete NAME [VERSION]`.
fn delete(
    name: &str,
    version: Option<&str>,
    endpoint: &Endpoint,
    output: &Output,
) -> anyhow::Result<()> {
    let path = match version {
        Some(version) => format!("/v1/apps/{}?version={}", segment(name), segment(version)),
        None => format!("/v1/apps/{}", segment(name)),
    };
    let deleted: serde_json::Value = Client::connect(endpoint)?.delete(&path)?;
    let what = version.map_or_else(
        || format!("application {name}"),
        |v| format!("version {v} of {name}"),
    );
    output.result(&format!("deleted {what}"), &deleted);
    Ok(())
}

/// `weft app deploy FILE` (store, then deploy) or `weft app deploy NAME [VERSION]`.
fn deploy(
    target: &str,
    version: Option<&str>,
    endpoint: &Endpoint,
    output: &Output,
) -> anyhow::Result<()> {
    let client = Client::connect(endpoint)?;
    let path = Path::new(target);
    let (name, version) = if path.is_file() {
        let (name, version) = put_file(&client, path)?;
        (name, Some(version))
    } else if target.contains('/')
        || target.ends_with(".yaml")
        || target.ends_with(".yml")
        || target.ends_with(".json")
    {
        anyhow::bail!(
            "{target} does not exist; give a manifest file or the name of a stored application"
        );
    } else {
        (target.to_owned(), version.map(str::to_owned))
    };
    let app: AppView = client.post(
        &format!("/v1/apps/{}/deploy", segment(&name)),
        serde_json::json!({ "version": version }),
    )?;
    if app.status == "failed" {
        return Err(ReportedFailure {
            message: format!(
                "{} {} is deployed but not running: {}",
                app.name,
                app.deployed.as_deref().unwrap_or("-"),
                app.reasons.join("; ")
            ),
            details: serde_json::to_value(&app).unwrap_or_default(),
        }
        .into());
    }
    output.result(&format!("deployed {}", app_line(&app)), &app);
    Ok(())
}

/// Stores the manifest in `path` as a new version; returns its name and version.
fn put_file(client: &Client, path: &Path) -> anyhow::Result<(String, String)> {
    let shown = path.display();
    let source = std::fs::read_to_string(path).with_context(|| format!("cannot read {shown}"))?;
    let file = std::fs::canonicalize(path).with_context(|| format!("cannot resolve {shown}"))?;
    store(client, &file, &source)
}

/// Stores manifest `source` as a new version (`file`, absolute, is where its relative
/// `file://` images resolve); returns its name and version.
pub fn store(client: &Client, file: &Path, source: &str) -> anyhow::Result<(String, String)> {
    let stored: serde_json::Value = client.post(
        "/v1/apps",
        serde_json::json!({ "file": file.display().to_string(), "source": source }),
    )?;
    let field = |name: &str| stored[name].as_str().unwrap_or_default().to_owned();
    Ok((field("name"), field("version")))
}

/// The verdict on one file.
#[derive(Debug, Serialize)]
struct FileReport {
    file: String,
    valid: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    application: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    version: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    components: Option<usize>,
    diagnostics: Vec<Diagnostic>,
}

fn validate(files: &[impl AsRef<Path>], output: &Output) -> anyhow::Result<()> {
    let reports: Vec<FileReport> = files.iter().map(|file| check(file.as_ref())).collect();
    let invalid = reports.iter().filter(|report| !report.valid).count();
    if output.is_text() {
        for report in &reports {
            for diagnostic in &report.diagnostics {
                eprintln!("{diagnostic}");
            }
            if report.valid {
                println!(
                    "{}: valid (application {}{}, {} components)",
                    report.file,
                    report.application.as_deref().unwrap_or_default(),
                    report
                        .version
                        .as_deref()
                        .map(|v| format!(" {v}"))
                        .unwrap_or_default(),
                    report.components.unwrap_or_default(),
                );
            }
        }
    }
    let details = serde_json::json!({ "files": reports });
    if invalid > 0 {
        let message = if files.len() == 1 {
            format!("{} is not a valid application manifest", reports[0].file)
        } else {
            format!("{invalid} of {} manifests are not valid", files.len())
        };
        return Err(ReportedFailure { message, details }.into());
    }
    output.result("", &details);
    Ok(())
}

fn check(path: &Path) -> FileReport {
    let file = path.display().to_string();
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(error) => {
            return FileReport {
                diagnostics: vec![Diagnostic {
                    severity: Severity::Error,
                    file: file.clone(),
                    line: 0,
                    column: 0,
                    pointer: String::new(),
                    message: format!("cannot read the file: {error}"),
                    hint: None,
                }],
                file,
                valid: false,
                application: None,
                version: None,
                components: None,
            };
        }
    };
    match weft_manifest::load(&file, &text) {
        Ok(loaded) => FileReport {
            application: Some(loaded.manifest.name().to_owned()),
            version: loaded.manifest.version().map(str::to_owned),
            components: Some(loaded.manifest.spec.components.len()),
            diagnostics: loaded.warnings,
            file,
            valid: true,
        },
        Err(diagnostics) => FileReport {
            diagnostics: diagnostics.into_vec(),
            file,
            valid: false,
            application: None,
            version: None,
            components: None,
        },
    }
}
