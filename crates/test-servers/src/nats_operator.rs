//! NATS in operator mode, as `nsc` sets it up: an operator, an account with JetStream, users
//! with `.creds` files, and the server configuration that trusts them (a memory resolver).
//! JWTs are signed here with the `nkeys` crate, so no `nsc` is needed.

use std::path::PathBuf;

use base64::Engine as _;
use nkeys::KeyPair;
use serde_json::{Value, json};

/// An operator and one account with JetStream, in a temporary directory.
pub struct NatsOperator {
    operator: KeyPair,
    account: KeyPair,
    dir: tempfile::TempDir,
}

impl Default for NatsOperator {
    fn default() -> Self {
        Self::new()
    }
}

impl NatsOperator {
    /// A fresh operator and account.
    pub fn new() -> Self {
        Self {
            operator: KeyPair::new_operator(),
            account: KeyPair::new_account(),
            dir: tempfile::tempdir().expect("a directory for the operator's files"),
        }
    }

    /// The configuration file for `nats-server -c`: trusts the operator and knows the account.
    pub fn server_config(&self) -> PathBuf {
        let operator = jwt(
            &self.operator,
            &self.operator.public_key(),
            json!({"type": "operator", "version": 2}),
        );
        let account = jwt(
            &self.operator,
            &self.account.public_key(),
            json!({
                "type": "account",
                "version": 2,
                "limits": {
                    "subs": -1, "data": -1, "payload": -1, "imports": -1, "exports": -1,
                    "wildcards": true, "conn": -1, "leaf": -1,
                    "mem_storage": -1, "disk_storage": -1, "streams": -1, "consumer": -1
                },
                "default_permissions": {"pub": {}, "sub": {}}
            }),
        );
        // JetStream needs a system account; it has no limits of its own to set.
        let system = KeyPair::new_account();
        let system_jwt = jwt(
            &self.operator,
            &system.public_key(),
            json!({"type": "account", "version": 2}),
        );
        let config = format!(
            "operator: {operator}\nsystem_account: {system}\nresolver: MEMORY\nresolver_preload: {{\n  {system}: {system_jwt}\n  {}: {account}\n}}\n",
            self.account.public_key(),
            system = system.public_key(),
        );
        let path = self.dir.path().join("operator.conf");
        std::fs::write(&path, config).expect("the server configuration is written");
        path
    }

    /// A `.creds` file for a new user of the account.
    pub fn user_creds(&self, name: &str) -> PathBuf {
        self.creds_signed_by(&self.account, name)
    }

    /// A `.creds` file for a user of an account the server does not know.
    pub fn stranger_creds(&self) -> PathBuf {
        self.creds_signed_by(&KeyPair::new_account(), "stranger")
    }

    fn creds_signed_by(&self, account: &KeyPair, name: &str) -> PathBuf {
        let user = KeyPair::new_user();
        let token = jwt(
            account,
            &user.public_key(),
            json!({"type": "user", "version": 2, "pub": {}, "sub": {}, "subs": -1, "data": -1, "payload": -1}),
        );
        let seed = user.seed().expect("a user seed");
        let creds = format!(
            "-----BEGIN NATS USER JWT-----\n{token}\n------END NATS USER JWT------\n\n-----BEGIN USER NKEY SEED-----\n{seed}\n------END USER NKEY SEED------\n"
        );
        let path = self.dir.path().join(format!("{name}.creds"));
        std::fs::write(&path, creds).expect("the creds file is written");
        path
    }
}

/// A NATS JWT for `subject`, issued and signed by `issuer`, with `nats` as its NATS claims.
fn jwt(issuer: &KeyPair, subject: &str, nats: Value) -> String {
    let encode = |bytes: &[u8]| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
    let header = encode(br#"{"typ":"JWT","alg":"ed25519-nkey"}"#);
    let issued_at = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |since| since.as_secs());
    let claims = json!({
        "jti": format!("{subject}-{issued_at}"),
        "iat": issued_at,
        "iss": issuer.public_key(),
        "sub": subject,
        "name": subject,
        "nats": nats,
    });
    let payload = encode(claims.to_string().as_bytes());
    let signed = format!("{header}.{payload}");
    let signature = issuer.sign(signed.as_bytes()).expect("the issuer signs");
    format!("{signed}.{}", encode(&signature))
}
