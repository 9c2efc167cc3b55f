//! Problems found in a manifest, each with its place (`file:line:col` and a JSON pointer) and,
//! where we can guess, a hint.

use std::fmt;

use serde::Serialize;

/// How bad a problem is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The manifest cannot be used.
    Error,
    /// The manifest works, but probably not as meant (or uses a deprecated form).
    Warning,
}

/// One problem.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    /// Error or warning.
    pub severity: Severity,
    /// The file name given to [`load`](crate::load).
    pub file: String,
    /// 1-based line (0 when the problem is with the file as a whole).
    pub line: usize,
    /// 1-based column (0 when the problem is with the file as a whole).
    pub column: usize,
    /// JSON pointer to the offending value, e.g. `/spec/components/0/traits/1/type`.
    pub pointer: String,
    /// What is wrong.
    pub message: String,
    /// What to do about it, when we can tell.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let severity = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        if self.line == 0 {
            // A problem with the file as a whole (e.g. it cannot be read).
            write!(f, "{}: {severity}: {}", self.file, self.message)?;
        } else {
            let pointer = if self.pointer.is_empty() {
                "/"
            } else {
                &self.pointer
            };
            write!(
                f,
                "{}:{}:{}: {severity}: {} (at {pointer})",
                self.file, self.line, self.column, self.message
            )?;
        }
        if let Some(hint) = &self.hint {
            write!(f, "; hint: {hint}")?;
        }
        Ok(())
    }
}

/// Everything found in one manifest, in document order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnostics {
    file: String,
    items: Vec<Diagnostic>,
}

impl Diagnostics {
    pub(crate) fn new(file: &str) -> Self {
        Self {
            file: file.to_owned(),
            items: Vec::new(),
        }
    }

    pub(crate) fn push(
        &mut self,
        severity: Severity,
        (line, column): (usize, usize),
        pointer: &str,
        message: impl Into<String>,
        hint: Option<String>,
    ) {
        self.items.push(Diagnostic {
            severity,
            file: self.file.clone(),
            line,
            column,
            pointer: pointer.to_owned(),
            message: message.into(),
            hint,
        });
    }

    /// Whether any problem is an error.
    pub fn has_errors(&self) -> bool {
        self.items.iter().any(|d| d.severity == Severity::Error)
    }

    /// The errors only.
    pub fn errors(&self) -> impl Iterator<Item = &Diagnostic> {
        self.items.iter().filter(|d| d.severity == Severity::Error)
    }

    /// All problems, sorted by position.
    pub fn into_vec(mut self) -> Vec<Diagnostic> {
        self.items
            .sort_by_key(|d| (d.line, d.column, d.severity == Severity::Warning));
        self.items
    }

    /// All problems, in the order found.
    pub fn iter(&self) -> impl Iterator<Item = &Diagnostic> {
        self.items.iter()
    }
}

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut sorted: Vec<&Diagnostic> = self.items.iter().collect();
        sorted.sort_by_key(|d| (d.line, d.column));
        for (index, diagnostic) in sorted.iter().enumerate() {
            if index > 0 {
                writeln!(f)?;
            }
            write!(f, "{diagnostic}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Diagnostics {}
