//! A server process a test started: its output kept in a file, waited for until it listens,
//! killed when dropped.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// How long a server may take to listen.
const START_DEADLINE: Duration = Duration::from_secs(10);

/// A server process this test started; killed when dropped.
pub struct Started {
    child: Child,
    log: PathBuf,
    what: String,
}

impl Started {
    /// Spawns `command` with its output in `log` (named `what` in failures).
    pub fn spawn(mut command: Command, log: &Path, what: &str) -> Self {
        let file = std::fs::File::create(log).unwrap();
        let child = command
            .stdout(Stdio::from(file.try_clone().unwrap()))
            .stderr(Stdio::from(file))
            .spawn()
            .unwrap_or_else(|error| panic!("{what} runs (scripts/test installs it): {error}"));
        Self {
            child,
            log: log.to_path_buf(),
            what: what.to_owned(),
        }
    }

    /// Waits until `port` (once `find_port` names it) accepts connections on 127.0.0.1;
    /// `None` when the process exited first (its port was taken, say).
    pub fn wait_listening(&mut self, find_port: impl Fn(&str) -> Option<u16>) -> Option<u16> {
        let deadline = Instant::now() + START_DEADLINE;
        loop {
            if self.child.try_wait().unwrap().is_some() {
                return None;
            }
            if let Some(port) = find_port(&self.output())
                && std::net::TcpStream::connect(("127.0.0.1", port)).is_ok()
            {
                return Some(port);
            }
            assert!(
                Instant::now() < deadline,
                "{} never listened; its output:\n{}",
                self.what,
                self.output()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// What it printed so far.
    pub fn output(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Panics naming the server and its output: it exited before listening.
    pub fn exited(&self) -> ! {
        panic!(
            "{} exited before listening; its output:\n{}",
            self.what,
            self.output()
        )
    }
}

impl Drop for Started {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
