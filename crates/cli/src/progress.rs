//! Progress of a pull or push on stderr: an indicatif bar on a terminal, one plain line per
//! step otherwise (logs and CI), nothing under `-o json`.

use std::io::IsTerminal as _;
use std::sync::Mutex;

use indicatif::{HumanBytes, ProgressBar, ProgressStyle};
use weft_oci::{Progress, Transfer};

use crate::output::Output;

/// How the display reports.
enum Mode {
    Off,
    Lines,
    Bar(ProgressBar),
}

/// Shows one transfer's progress.
pub struct TransferDisplay {
    /// `pulling REF` or `pushing REF`.
    label: String,
    mode: Mode,
    /// The last line shown, so each is shown once.
    last: Mutex<Option<String>>,
}

impl TransferDisplay {
    /// A display for `action` (`pulling`, `pushing`) of `reference`, chosen by where stderr
    /// goes and the output format.
    pub fn new(action: &str, reference: &str, output: &Output) -> Self {
        let label = format!("{action} {reference}");
        let mode = if !output.is_text() {
            Mode::Off
        } else if std::io::stderr().is_terminal() {
            Mode::Bar(bar(&label))
        } else {
            Mode::Lines
        };
        Self {
            label,
            mode,
            last: Mutex::new(None),
        }
    }

    /// Prints `text` as a line of its own, unless it was the last one.
    fn line(&self, text: String) {
        let mut last = self
            .last
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if last.as_deref() != Some(text.as_str()) {
            eprintln!("{}: {text}", self.label);
            *last = Some(text);
        }
    }
}

/// A line on stderr saying `LABEL  STEP`, which becomes a bar,
/// `LABEL  [#####-----]  45%  1.2 MiB / 2.6 MiB`, once bytes are counted.
fn bar(label: &str) -> ProgressBar {
    let bar = ProgressBar::new(0).with_prefix(label.to_owned());
    bar.set_style(step_style());
    bar
}

fn step_style() -> ProgressStyle {
    ProgressStyle::with_template("{prefix}  {msg}").unwrap_or_else(|_| ProgressStyle::default_bar())
}

fn bytes_style() -> ProgressStyle {
    ProgressStyle::with_template(
        "{prefix}  [{bar:30}] {percent:>3}%  {binary_bytes} / {binary_total_bytes}",
    )
    .unwrap_or_else(|_| ProgressStyle::default_bar())
    .progress_chars("#-")
}

/// What a step says when it is not a byte count.
fn describe(step: Transfer) -> String {
    match step {
        Transfer::Resolving => "resolving".to_owned(),
        Transfer::Cached => "already in the cache".to_owned(),
        Transfer::Downloading { total, .. } => format!("downloading {}", HumanBytes(total)),
        Transfer::Uploading { total } => format!("uploading {}", HumanBytes(total)),
        Transfer::Tagging => "writing the manifest".to_owned(),
    }
}

impl Progress for TransferDisplay {
    fn report(&self, step: Transfer) {
        match &self.mode {
            Mode::Off => {}
            Mode::Lines => self.line(describe(step)),
            Mode::Bar(bar) => match step {
                Transfer::Downloading { done, total } => {
                    bar.set_style(bytes_style());
                    bar.set_length(total.max(done));
                    bar.set_position(done);
                }
                other => {
                    bar.set_style(step_style());
                    bar.set_message(describe(other));
                }
            },
        }
    }
}

impl Drop for TransferDisplay {
    /// Clears the bar, so what follows starts on a clean line.
    fn drop(&mut self) {
        if let Mode::Bar(bar) = &self.mode {
            bar.finish_and_clear();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_read_in_binary_units() {
        assert_eq!(
            describe(Transfer::Downloading {
                done: 0,
                total: 2_726_297
            }),
            "downloading 2.60 MiB"
        );
        assert_eq!(
            describe(Transfer::Uploading { total: 512 }),
            "uploading 512 B"
        );
        assert_eq!(describe(Transfer::Cached), "already in the cache");
    }
}
