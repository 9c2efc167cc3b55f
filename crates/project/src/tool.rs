//! Running a build tool: its output shown live or captured, a missing tool named with how to
//! install it, a failure carrying what the tool printed.

use std::io;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::build::BuildError;

/// Where a tool's own output goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ToolOutput {
    /// To weft's standard error, as the tool prints it (a person at a terminal sees the
    /// compiler's progress and errors as they come).
    Show,
    /// Kept, and put into the error when the tool fails (for `-o json`).
    Capture,
}

/// How many of the last lines of a failed tool's captured output an error carries.
const TAIL_LINES: usize = 60;

/// One tool invocation: the program, its arguments, and where it runs.
pub(crate) struct Tool<'a> {
    /// The program.
    pub program: &'a Path,
    /// Its arguments.
    pub args: Vec<String>,
    /// The directory it runs in.
    pub dir: &'a Path,
    /// How to install the program, said when it is missing.
    pub install_hint: &'a str,
}

impl Tool<'_> {
    /// The command line, as a person would type it.
    pub fn command_line(&self) -> String {
        let mut line = self.program.display().to_string();
        for arg in &self.args {
            line.push(' ');
            line.push_str(arg);
        }
        line
    }

    /// Runs the tool to completion; fails when it cannot start or exits unsuccessfully.
    pub fn run(&self, output: ToolOutput) -> Result<(), BuildError> {
        let mut command = Command::new(self.program);
        command
            .args(&self.args)
            .current_dir(self.dir)
            .stdin(Stdio::null());
        let result = match output {
            ToolOutput::Show => command
                .stdout(io::stderr())
                .stderr(Stdio::inherit())
                .status()
                .map(|status| (status, String::new())),
            ToolOutput::Capture => command.output().map(|out| {
                let mut text = String::from_utf8_lossy(&out.stdout).into_owned();
                text.push_str(&String::from_utf8_lossy(&out.stderr));
                (out.status, text)
            }),
        };
        let (status, printed) = result.map_err(|source| self.not_started(source))?;
        if status.success() {
            return Ok(());
        }
        Err(BuildError::ToolFailed {
            command: self.command_line(),
            dir: self.dir.to_owned(),
            status: status.to_string(),
            output: tail(&printed),
        })
    }

    /// Runs the tool and returns what it printed on standard output; its standard error is
    /// kept for the error when it fails.
    pub fn stdout(&self) -> Result<String, BuildError> {
        let out = Command::new(self.program)
            .args(&self.args)
            .current_dir(self.dir)
            .stdin(Stdio::null())
            .output()
            .map_err(|source| self.not_started(source))?;
        if out.status.success() {
            return Ok(String::from_utf8_lossy(&out.stdout).into_owned());
        }
        Err(BuildError::ToolFailed {
            command: self.command_line(),
            dir: self.dir.to_owned(),
            status: out.status.to_string(),
            output: tail(&String::from_utf8_lossy(&out.stderr)),
        })
    }

    fn not_started(&self, source: io::Error) -> BuildError {
        if source.kind() == io::ErrorKind::NotFound {
            return BuildError::ToolMissing {
                tool: self.program.display().to_string(),
                install_hint: self.install_hint.to_owned(),
            };
        }
        BuildError::ToolStart {
            command: self.command_line(),
            source,
        }
    }
}

/// The last [`TAIL_LINES`] lines of `text`, or nothing when it was shown already.
fn tail(text: &str) -> Option<String> {
    if text.trim().is_empty() {
        return None;
    }
    let lines: Vec<_> = text.trim_end().lines().collect();
    let start = lines.len().saturating_sub(TAIL_LINES);
    Some(lines[start..].join("\n"))
}

/// `program` when it names a file relative to `dir`'s project (`./tools/x`), else as given
/// (a name looked up on `PATH`).
pub(crate) fn program_in(dir: &Path, program: &str) -> PathBuf {
    let path = Path::new(program);
    if path.components().count() > 1 && path.is_relative() {
        dir.join(path)
    } else {
        path.to_owned()
    }
}
