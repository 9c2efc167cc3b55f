//! Results on stdout and errors on stderr, as text or JSON (`-o json`).

use serde::Serialize;

use crate::args::OutputFormat;

/// Where and how a command reports.
#[derive(Debug, Clone, Copy)]
pub struct Output {
    format: OutputFormat,
}

impl Output {
    /// Reports in `format`.
    pub fn new(format: OutputFormat) -> Self {
        Self { format }
    }

    /// Prints a result: `text` for people, `value` (plus `"success": true`) for `-o json`.
    pub fn result<T: Serialize>(&self, text: &str, value: &T) {
        match self.format {
            OutputFormat::Text => println!("{text}"),
            OutputFormat::Json => {
                let mut json = serde_json::to_value(value).unwrap_or_default();
                if let Some(object) = json.as_object_mut() {
                    object.insert("success".into(), true.into());
                }
                println!("{json}");
            }
        }
    }

    /// Prints an error as one line: `error: what: why` or `{"success": false, "error": ...}`.
    pub fn error(&self, error: &anyhow::Error) {
        let message = format!("{error:#}");
        match self.format {
            OutputFormat::Text => eprintln!("error: {message}"),
            OutputFormat::Json => {
                eprintln!(
                    "{}",
                    serde_json::json!({ "success": false, "error": message })
                );
            }
        }
    }
}
