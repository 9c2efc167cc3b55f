//! Progress of a pull or push on stderr: a bar redrawn in place on a terminal, one plain line
//! per step otherwise (logs and CI), nothing under `-o json`.

use std::io::{IsTerminal as _, Write as _};
use std::sync::Mutex;

use weft_oci::{Progress, Transfer};

use crate::output::Output;

/// How wide the bar is, in characters.
const BAR_WIDTH: usize = 30;

/// How the display reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Off,
    Lines,
    Bar,
}

/// Shows one transfer's progress.
pub struct TransferDisplay {
    /// `pulling REF` or `pushing REF`.
    label: String,
    mode: Mode,
    /// The last thing shown, so each is shown once.
    last: Mutex<Option<String>>,
}

impl TransferDisplay {
    /// A display for `action` (`pulling`, `pushing`) of `reference`, chosen by where stderr
    /// goes and the output format.
    pub fn new(action: &str, reference: &str, output: &Output) -> Self {
        let mode = if !output.is_text() {
            Mode::Off
        } else if std::io::stderr().is_terminal() {
            Mode::Bar
        } else {
            Mode::Lines
        };
        Self {
            label: format!("{action} {reference}"),
            mode,
            last: Mutex::new(None),
        }
    }

    fn show(&self, text: String) {
        let mut last = self
            .last
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if last.as_deref() == Some(text.as_str()) {
            return;
        }
        let mut stderr = std::io::stderr().lock();
        // Progress is best effort: a closed stderr must not fail the transfer.
        let _ = match self.mode {
            Mode::Off => Ok(()),
            Mode::Lines => writeln!(stderr, "{}: {text}", self.label),
            Mode::Bar => {
                write!(stderr, "\r\x1b[2K{}  {text}", self.label).and_then(|()| stderr.flush())
            }
        };
        *last = Some(text);
    }
}

impl Progress for TransferDisplay {
    fn report(&self, step: Transfer) {
        let text = match (step, self.mode) {
            (Transfer::Resolving, _) => "resolving".to_owned(),
            (Transfer::Cached, _) => "already in the cache".to_owned(),
            (Transfer::Downloading { total, .. }, Mode::Lines | Mode::Off) => {
                format!("downloading {}", format_size(total))
            }
            (Transfer::Downloading { done, total }, Mode::Bar) => bar(done, total),
            (Transfer::Uploading { total }, _) => format!("uploading {}", format_size(total)),
            (Transfer::Tagging, _) => "writing the manifest".to_owned(),
        };
        self.show(text);
    }
}

impl Drop for TransferDisplay {
    /// Clears the bar, so what follows starts on a clean line.
    fn drop(&mut self) {
        let shown = self
            .last
            .get_mut()
            .map(|last| last.is_some())
            .unwrap_or(true);
        if self.mode == Mode::Bar && shown {
            let mut stderr = std::io::stderr().lock();
            let _ = write!(stderr, "\r\x1b[2K").and_then(|()| stderr.flush());
        }
    }
}

/// `[#########---------]  45%  1.2 MiB / 2.6 MiB`.
fn bar(done: u64, total: u64) -> String {
    let fraction = if total == 0 {
        1.0
    } else {
        (done as f64 / total as f64).clamp(0.0, 1.0)
    };
    let filled = (fraction * BAR_WIDTH as f64).round() as usize;
    format!(
        "[{}{}] {:>3}%  {} / {}",
        "#".repeat(filled),
        "-".repeat(BAR_WIDTH - filled),
        (fraction * 100.0).floor() as u32,
        format_size(done),
        format_size(total)
    )
}

/// A size for people: `512 B`, `14.2 KiB`, `2.6 MiB`.
fn format_size(bytes: u64) -> String {
    const UNITS: [&str; 4] = ["KiB", "MiB", "GiB", "TiB"];
    if bytes < 1024 {
        return format!("{bytes} B");
    }
    let mut value = bytes as f64 / 1024.0;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    format!("{value:.1} {}", UNITS[unit])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_fill_with_the_bytes() {
        assert_eq!(
            bar(0, 2048),
            format!("[{}]   0%  0 B / 2.0 KiB", "-".repeat(BAR_WIDTH))
        );
        let half = bar(1024, 2048);
        assert!(half.starts_with(&format!("[{}{}]  50%", "#".repeat(15), "-".repeat(15))));
        assert!(
            bar(5000, 2048).contains("100%"),
            "more than announced is full"
        );
        assert!(bar(0, 0).contains("100%"), "an empty layer is done");
    }

    #[test]
    fn sizes_read_in_binary_units() {
        assert_eq!(format_size(512), "512 B");
        assert_eq!(format_size(14_540), "14.2 KiB");
        assert_eq!(format_size(2_726_297), "2.6 MiB");
        assert_eq!(format_size(3 << 30), "3.0 GiB");
    }
}
