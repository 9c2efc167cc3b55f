//! Results on stdout and errors on stderr, as text or JSON (`-o json`).

use serde::Serialize;

use crate::args::OutputFormat;

/// Where and how a command reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Output {
    format: OutputFormat,
}

impl Output {
    /// Reports in `format`.
    pub fn new(format: OutputFormat) -> Self {
        Self { format }
    }

    /// Whether results are for people (not `-o json`).
    pub fn is_text(&self) -> bool {
        self.format == OutputFormat::Text
    }

    /// Prints a result: `text` for people, `value` (plus `"success": true`) for `-o json`.
    pub fn result<T: Serialize>(&self, text: &str, value: &T) {
        match self.format {
            OutputFormat::Text => {
                if !text.is_empty() {
                    println!("{text}");
                }
            }
            OutputFormat::Json => {
                let mut json = serde_json::to_value(value).unwrap_or_default();
                if let Some(object) = json.as_object_mut() {
                    object.insert("success".into(), true.into());
                }
                println!("{json}");
            }
        }
    }

    /// Tells a person what is going on (on stderr); nothing with `-o json`, where only
    /// results and errors are printed.
    pub fn note(&self, text: &str) {
        if self.is_text() {
            eprintln!("{text}");
        }
    }

    /// Prints an error as one line: `error: what: why` or `{"success": false, "error": ...}`.
    pub fn error(&self, error: &anyhow::Error) {
        let message = format!("{error:#}");
        match self.format {
            OutputFormat::Text => eprintln!("error: {message}"),
            OutputFormat::Json => {
                let mut json = serde_json::json!({ "success": false, "error": message });
                if let (Some(reported), Some(object)) = (
                    error.downcast_ref::<ReportedFailure>(),
                    json.as_object_mut(),
                ) && let Some(details) = reported.details.as_object()
                {
                    for (key, value) in details {
                        object.insert(key.clone(), value.clone());
                    }
                }
                eprintln!("{json}");
            }
        }
    }
}

/// A failure whose details the command has already shown as text; with `-o json` the details
/// are merged into the error object.
#[derive(Debug)]
pub struct ReportedFailure {
    /// The one-line summary.
    pub message: String,
    /// Fields added to the JSON error object.
    pub details: serde_json::Value,
}

impl std::fmt::Display for ReportedFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ReportedFailure {}
