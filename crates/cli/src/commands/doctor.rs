//! `weft doctor`: checks what the developer loop needs on this machine — toolchains for each
//! language, the ports weft and wasmCloud's examples use, a running weft, NATS — and says how
//! to fix each thing that is missing.

use std::net::{TcpListener, TcpStream, ToSocketAddrs as _};
use std::path::Path;
use std::process::Command;
use std::time::Duration;

use serde::Serialize;

use crate::args::DoctorArgs;
use crate::commands::state::running_api;
use crate::output::Output;

/// The API's default port.
const API_PORT: u16 = 7878;
/// The port wasmCloud's HTTP examples listen on.
const EXAMPLES_PORT: u16 = 8000;
/// How long a NATS server may take to accept a connection.
const NATS_TIMEOUT: Duration = Duration::from_secs(2);

/// How a check came out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
enum Verdict {
    /// Present and usable.
    Ok,
    /// Not here; needed only for what the check names (a language, a lattice).
    Missing,
    /// In the way of running weft or its examples.
    Problem,
}

/// One check's outcome.
#[derive(Debug, Serialize)]
struct Check {
    name: String,
    verdict: Verdict,
    /// What was found.
    detail: String,
    /// What to do, when it is not ok.
    #[serde(skip_serializing_if = "Option::is_none")]
    fix: Option<String>,
}

impl Check {
    fn ok(name: &str, detail: impl Into<String>) -> Self {
        Self {
            name: name.to_owned(),
            verdict: Verdict::Ok,
            detail: detail.into(),
            fix: None,
        }
    }

    fn not_ok(name: &str, verdict: Verdict, detail: impl Into<String>, fix: &str) -> Self {
        Self {
            name: name.to_owned(),
            verdict,
            detail: detail.into(),
            fix: Some(fix.to_owned()),
        }
    }
}

/// Runs every check, prints them, and fails when one found a problem.
pub fn execute(args: &DoctorArgs, state_dir: &Path, output: &Output) -> anyhow::Result<()> {
    let running = running_api(state_dir);
    let mut checks = toolchain_checks();
    checks.push(weft_check(running.as_deref(), state_dir));
    let weft_on_api_port = running
        .as_deref()
        .is_some_and(|url| url.trim_end_matches('/').ends_with(&format!(":{API_PORT}")));
    checks.push(port_check(API_PORT, "the API", weft_on_api_port));
    checks.push(examples_port_check(running.is_some()));
    checks.extend(args.nats.iter().map(|url| nats_check(url)));
    let problems = checks
        .iter()
        .filter(|check| check.verdict == Verdict::Problem)
        .count();
    output.result(
        &report_text(&checks),
        &serde_json::json!({ "checks": checks, "problems": problems }),
    );
    anyhow::ensure!(
        problems == 0,
        "weft doctor found {problems} problem(s); each says what to do"
    );
    Ok(())
}

fn report_text(checks: &[Check]) -> String {
    checks
        .iter()
        .map(|check| {
            let mark = match check.verdict {
                Verdict::Ok => "ok     ",
                Verdict::Missing => "missing",
                Verdict::Problem => "PROBLEM",
            };
            let fix = check
                .fix
                .as_ref()
                .map(|fix| format!("\n          {fix}"))
                .unwrap_or_default();
            format!("{mark} {}: {}{fix}", check.name, check.detail)
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The toolchains `weft build` uses, per language.
fn toolchain_checks() -> Vec<Check> {
    vec![
        tool_check(
            "cargo (Rust components)",
            "cargo",
            "install Rust with rustup: https://rustup.rs",
        ),
        wasm_target_check(),
        tool_check(
            "componentize-py (Python components)",
            "componentize-py",
            "pip install componentize-py",
        ),
        tool_check(
            "node (TypeScript and JavaScript components)",
            "node",
            "install Node.js 18 or newer (your package manager, or https://nodejs.org)",
        ),
        tool_check(
            "npm (TypeScript and JavaScript components)",
            "npm",
            "install Node.js 18 or newer, which brings npm; a project's own package.json \
             brings componentize-js",
        ),
    ]
}

/// Whether `program --version` runs; its first line when it does.
fn tool_check(name: &str, program: &str, fix: &str) -> Check {
    match Command::new(program).arg("--version").output() {
        Ok(output) if output.status.success() => {
            let version = String::from_utf8_lossy(&output.stdout);
            Check::ok(name, version.lines().next().unwrap_or(program).trim())
        }
        Ok(output) => Check::not_ok(
            name,
            Verdict::Missing,
            format!("`{program} --version` failed ({})", output.status),
            fix,
        ),
        Err(_) => Check::not_ok(
            name,
            Verdict::Missing,
            format!("`{program}` is not on PATH"),
            fix,
        ),
    }
}

/// Whether Rust can build for `wasm32-wasip2` (its standard library is installed).
fn wasm_target_check() -> Check {
    const NAME: &str = "wasm32-wasip2 target (Rust components)";
    const FIX: &str = "rustup target add wasm32-wasip2";
    let sysroot = Command::new("rustc")
        .args(["--print", "sysroot"])
        .output()
        .ok()
        .filter(|output| output.status.success())
        .map(|output| String::from_utf8_lossy(&output.stdout).trim().to_owned());
    match sysroot {
        None => Check::not_ok(NAME, Verdict::Missing, "`rustc` is not on PATH", FIX),
        Some(sysroot)
            if Path::new(&sysroot)
                .join("lib/rustlib/wasm32-wasip2")
                .is_dir() =>
        {
            Check::ok(NAME, "installed")
        }
        Some(_) => Check::not_ok(
            NAME,
            Verdict::Missing,
            "not installed for the active toolchain",
            FIX,
        ),
    }
}

/// Whether a `weft up` answers for `state_dir`.
fn weft_check(running: Option<&str>, state_dir: &Path) -> Check {
    const NAME: &str = "weft";
    match running {
        Some(url) => Check::ok(NAME, format!("up, API at {url}")),
        None => Check::not_ok(
            NAME,
            Verdict::Missing,
            format!("none running with state in {}", state_dir.display()),
            "start one with `weft up -d` (or `weft up` in another terminal)",
        ),
    }
}

/// Whether `port` on loopback is free, or held by the running weft (`weft_holds`).
fn port_check(port: u16, used_by: &str, weft_holds: bool) -> Check {
    let name = format!("port {port} ({used_by})");
    if weft_holds {
        return Check::ok(&name, "served by the running weft");
    }
    match TcpListener::bind(("127.0.0.1", port)) {
        Ok(_) => Check::ok(&name, "free"),
        Err(error) => Check::not_ok(
            &name,
            Verdict::Problem,
            format!("taken ({error})"),
            &format!(
                "find what holds it (`ss -ltnp 'sport = :{port}'`) and stop it, or move weft's use of it (`weft up --api-addr`, the manifest's `address`)"
            ),
        ),
    }
}

/// Whether wasmCloud's HTTP examples can listen on their port: free, or (with weft running)
/// perhaps held by one of weft's own apps.
fn examples_port_check(weft_running: bool) -> Check {
    let check = port_check(EXAMPLES_PORT, "wasmCloud's HTTP examples", false);
    if weft_running && check.verdict == Verdict::Problem {
        return Check::not_ok(
            &check.name,
            Verdict::Missing,
            "in use",
            "fine if one of weft's apps listens there (`weft get inventory`); otherwise wasmCloud's HTTP examples cannot",
        );
    }
    check
}

/// Whether the NATS server at `url` accepts a TCP connection (on any address its host
/// resolves to). The check's name shows the URL without a user and password.
fn nats_check(url: &str) -> Check {
    let Some(authority) = weft_lattice::nats_server_authority(url) else {
        return Check::not_ok(
            "NATS",
            Verdict::Problem,
            "--nats is not a NATS server URL",
            "write nats://HOST:PORT (or tls://HOST:PORT)",
        );
    };
    let name = format!("NATS at {authority}");
    let fix = "start nats-server with JetStream (`nats-server -js`), or correct --nats";
    let Ok(addresses) = authority.to_socket_addrs() else {
        return Check::not_ok(
            &name,
            Verdict::Problem,
            "its host does not resolve",
            "write nats://HOST:PORT",
        );
    };
    let mut last_error = None;
    for address in addresses {
        match TcpStream::connect_timeout(&address, NATS_TIMEOUT) {
            Ok(_) => return Check::ok(&name, format!("reachable at {address}")),
            Err(error) => last_error = Some(error),
        }
    }
    let why = last_error.map_or("no address".to_owned(), |error| error.to_string());
    Check::not_ok(&name, Verdict::Problem, format!("unreachable ({why})"), fix)
}
