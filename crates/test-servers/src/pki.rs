//! A certificate authority for one test, made with the `openssl` command: a server
//! certificate for 127.0.0.1 and a client certificate, both signed by it (PEM files in a
//! temporary directory).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// A test's CA and the certificates it signed.
pub struct TestPki {
    dir: tempfile::TempDir,
}

impl TestPki {
    /// Makes the CA, a server certificate for `IP:127.0.0.1` and a client certificate.
    pub fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path();
        openssl(
            path,
            &[
                "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key",
            ],
            &["-out", "ca.crt", "-days", "1", "-subj", "/CN=weft test CA"],
        );
        sign(
            path,
            "server",
            "/CN=127.0.0.1",
            "subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\n",
        );
        sign(
            path,
            "client",
            "/CN=weft test client",
            "extendedKeyUsage=clientAuth\nbasicConstraints=CA:FALSE\n",
        );
        Self { dir }
    }

    /// The CA's certificate.
    pub fn ca(&self) -> PathBuf {
        self.dir.path().join("ca.crt")
    }

    /// The server's certificate and key.
    pub fn server(&self) -> (PathBuf, PathBuf) {
        self.pair("server")
    }

    /// The client's certificate and key.
    pub fn client(&self) -> (PathBuf, PathBuf) {
        self.pair("client")
    }

    /// A file in the PKI's directory that is not a certificate.
    pub fn not_a_certificate(&self) -> PathBuf {
        self.dir.path().join("server.cnf")
    }

    fn pair(&self, name: &str) -> (PathBuf, PathBuf) {
        let path = self.dir.path();
        (
            path.join(format!("{name}.crt")),
            path.join(format!("{name}.key")),
        )
    }
}

impl Default for TestPki {
    fn default() -> Self {
        Self::new()
    }
}

/// A key and a certificate for `subject` with `extensions`, signed by the CA in `dir`.
fn sign(dir: &Path, name: &str, subject: &str, extensions: &str) {
    let (key, csr, crt, cnf) = (
        format!("{name}.key"),
        format!("{name}.csr"),
        format!("{name}.crt"),
        format!("{name}.cnf"),
    );
    std::fs::write(dir.join(&cnf), extensions).unwrap();
    openssl(
        dir,
        &["req", "-newkey", "rsa:2048", "-nodes", "-keyout", &key],
        &["-out", &csr, "-subj", subject],
    );
    openssl(
        dir,
        &[
            "x509", "-req", "-in", &csr, "-CA", "ca.crt", "-CAkey", "ca.key",
        ],
        &[
            "-CAcreateserial",
            "-out",
            &crt,
            "-days",
            "1",
            "-extfile",
            &cnf,
        ],
    );
}

/// Runs `openssl ARGS MORE` in `dir`.
fn openssl(dir: &Path, args: &[&str], more: &[&str]) {
    let status = Command::new("openssl")
        .args(args)
        .args(more)
        .current_dir(dir)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("openssl runs (scripts/test installs it)");
    assert!(status.success(), "openssl {args:?} {more:?}");
}
