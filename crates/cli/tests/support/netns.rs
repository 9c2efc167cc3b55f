//! Runs a test inside a network namespace of its own, with only a loopback interface, so it can
//! use the fixed ports real-world manifests and clients name (8000, 4222, 6379, 7878) without
//! meeting anything else on the machine.

use std::process::Command;

/// Set in the environment of the test run inside the namespace.
const INSIDE: &str = "WEFT_TEST_IN_OWN_NETWORK";

/// Returns true when the caller runs in its own network namespace. Otherwise runs test `name`
/// of this test binary again inside a new one (`unshare --net`, through a user namespace when
/// not root), fails if it failed there, and returns false: the caller then returns at once.
pub fn in_own_network(name: &str) -> bool {
    if std::env::var_os(INSIDE).is_some() {
        return true;
    }
    let exe = std::env::current_exe().expect("the test binary's path");
    let mut command = Command::new("unshare");
    if !is_root() {
        command.args(["--user", "--map-root-user"]);
    }
    command
        .args([
            "--net",
            "--",
            "sh",
            "-c",
            r#"ip link set lo up && exec "$0" "$@""#,
        ])
        .arg(exe)
        .args([name, "--exact", "--nocapture", "--test-threads", "1"])
        .env(INSIDE, "1");
    let status = command
        .status()
        .expect("unshare runs (util-linux; scripts/test installs iproute2 for `ip`)");
    assert!(
        status.success(),
        "{name} failed inside its own network namespace ({status}); its output is above"
    );
    false
}

fn is_root() -> bool {
    std::fs::read_to_string("/proc/self/status").is_ok_and(|status| {
        status
            .lines()
            .find_map(|line| line.strip_prefix("Uid:"))
            .and_then(|ids| ids.split_whitespace().next())
            == Some("0")
    })
}
