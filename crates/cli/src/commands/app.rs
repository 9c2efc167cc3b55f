//! `weft app ...`: application manifests.

use std::path::Path;

use serde::Serialize;
use weft_manifest::{Diagnostic, Severity};

use crate::args::AppCommand;
use crate::output::{Output, ReportedFailure};

/// Runs one `weft app` subcommand.
pub fn execute(command: AppCommand, output: &Output) -> anyhow::Result<()> {
    match command {
        AppCommand::Validate { files } => validate(&files, output),
        AppCommand::Schema => {
            println!("{}", weft_manifest::json_schema());
            Ok(())
        }
    }
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
