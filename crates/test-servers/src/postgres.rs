//! A PostgreSQL server of the test's own: `initdb` into a temporary directory, `postgres` on
//! a free port of 127.0.0.1 with password (SCRAM) logins, stopped when dropped. Postgres
//! refuses to run as root, so when the tests run as root the server runs as the `postgres`
//! user the Debian package creates (through `setpriv`, so the process killed on drop is the
//! server itself).

use std::os::unix::fs::PermissionsExt as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use crate::{Started, free_port};

/// The superuser the server is created with.
pub const SUPERUSER: &str = "postgres";
/// The superuser's password.
pub const SUPERUSER_PASSWORD: &str = "weft-test-superuser";
/// How many ports to try before giving up.
const ATTEMPTS: usize = 5;

/// A PostgreSQL server this test started.
pub struct PostgresServer {
    process: Started,
    /// Its port on 127.0.0.1.
    pub port: u16,
    bin: PathBuf,
    _dir: tempfile::TempDir,
}

/// Where the server binaries are: `WEFT_TEST_POSTGRES_BIN`, else the newest
/// `/usr/lib/postgresql/N/bin` (Debian's layout).
fn bin_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("WEFT_TEST_POSTGRES_BIN") {
        return PathBuf::from(dir);
    }
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| {
            let version = entry.file_name().to_str()?.parse().ok()?;
            let bin = entry.path().join("bin");
            bin.join("initdb").exists().then_some((version, bin))
        })
        .collect();
    versions.sort();
    versions
        .pop()
        .map(|(_, bin)| bin)
        .expect("PostgreSQL is installed (scripts/test installs the `postgresql` package)")
}

/// Whether this process runs as root (`id -u`).
fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|output| output.stdout.starts_with(b"0\n"))
}

/// Runs `program` as the user that may run PostgreSQL.
fn as_server_user(program: &Path) -> Command {
    if !is_root() {
        return Command::new(program);
    }
    let mut command = Command::new("setpriv");
    command
        .args([
            "--reuid=postgres",
            "--regid=postgres",
            "--init-groups",
            "--",
        ])
        .arg(program);
    command
}

/// Hands `path` to the `postgres` user when running as root.
fn give_to_server_user(path: &Path) {
    if is_root() {
        let status = Command::new("chown")
            .args(["-R", "postgres:postgres"])
            .arg(path)
            .status()
            .expect("chown runs");
        assert!(status.success(), "chown postgres {}", path.display());
    }
}

impl PostgresServer {
    /// Creates a cluster and starts it on a free port (another one when it was taken).
    pub fn start() -> Self {
        let (bin, dir, data) = Self::create_cluster();
        for _ in 0..ATTEMPTS {
            if let Some((process, port)) = Self::try_start_on(&bin, &data, free_port()) {
                return Self {
                    process,
                    port,
                    bin,
                    _dir: dir,
                };
            }
        }
        panic!("postgres found no free port in {ATTEMPTS} attempts")
    }

    /// Creates a cluster and starts it on `port`, where weft was already told to look.
    pub fn start_on(port: u16) -> Self {
        let (bin, dir, data) = Self::create_cluster();
        let (process, port) = Self::try_start_on(&bin, &data, port)
            .unwrap_or_else(|| panic!("postgres cannot listen on {port}: is it taken?"));
        Self {
            process,
            port,
            bin,
            _dir: dir,
        }
    }

    /// `initdb` into a new temporary directory: (binaries, directory, data directory).
    fn create_cluster() -> (PathBuf, tempfile::TempDir, PathBuf) {
        let bin = bin_dir();
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        std::fs::create_dir(&data).unwrap();
        std::fs::set_permissions(&data, std::fs::Permissions::from_mode(0o700)).unwrap();
        let password_file = dir.path().join("password");
        std::fs::write(&password_file, SUPERUSER_PASSWORD).unwrap();
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
        give_to_server_user(dir.path());
        let output = as_server_user(&bin.join("initdb"))
            .arg("-D")
            .arg(&data)
            .args(["-U", SUPERUSER, "--auth=scram-sha-256", "-E", "UTF8"])
            .arg(format!("--pwfile={}", password_file.display()))
            .output()
            .expect("initdb runs");
        assert!(
            output.status.success(),
            "initdb failed: {}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        (bin, dir, data)
    }

    fn try_start_on(bin: &Path, data: &Path, port: u16) -> Option<(Started, u16)> {
        let mut command = as_server_user(&bin.join("postgres"));
        command
            .arg("-D")
            .arg(data)
            .args(["-p", &port.to_string()])
            .args(["-c", "listen_addresses=127.0.0.1"])
            .arg("-c")
            .arg(format!("unix_socket_directories={}", data.display()))
            .args(["-c", "fsync=off", "-c", "max_connections=300"]);
        let log = data
            .parent()
            .unwrap_or(data)
            .join(format!("postgres-{port}.log"));
        let mut process = Started::spawn(command, &log, "postgres");
        process.wait_listening(|_| Some(port))?;
        let deadline = Instant::now() + Duration::from_secs(20);
        while !process.output().contains("ready to accept connections") {
            assert!(
                Instant::now() < deadline,
                "postgres never got ready:\n{}",
                process.output()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        Some((process, port))
    }

    /// Runs `sql` with `psql` as the superuser in database `postgres`; returns its unaligned
    /// output. Panics with psql's message when it fails.
    pub fn psql(&self, sql: &str) -> String {
        self.psql_in("postgres", sql)
    }

    /// Runs `sql` with `psql` as the superuser in `database`.
    pub fn psql_in(&self, database: &str, sql: &str) -> String {
        let output = Command::new(self.bin.join("psql"))
            .env("PGPASSWORD", SUPERUSER_PASSWORD)
            .args([
                "-h",
                "127.0.0.1",
                "-p",
                &self.port.to_string(),
                "-U",
                SUPERUSER,
            ])
            .args(["-d", database, "-v", "ON_ERROR_STOP=1", "-At", "-c", sql])
            .output()
            .expect("psql runs");
        assert!(
            output.status.success(),
            "psql {sql:?} failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8_lossy(&output.stdout).trim().to_owned()
    }

    /// Creates login role `user` with `password` owning a new database `database`.
    pub fn create_database(&self, database: &str, user: &str, password: &str) {
        self.psql(&format!("CREATE ROLE {user} LOGIN PASSWORD '{password}'"));
        self.psql(&format!("CREATE DATABASE {database} OWNER {user}"));
    }

    /// What the server logged so far.
    pub fn log(&self) -> String {
        self.process.output()
    }
}
