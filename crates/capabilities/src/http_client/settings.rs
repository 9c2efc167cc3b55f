//! Outgoing HTTP as a link: a component linked to the HTTP client capability over `wasi:http`
//! may reach what the link's target config allows, within its timeouts.

use std::collections::BTreeMap;
use std::time::Duration;

use super::OutgoingHttpPolicy;
use crate::settings_error::SettingsError;

/// Keys the link's target config may have. wasmCloud's certificate keys are accepted (weft
/// always verifies against the bundled web PKI roots) so its manifests load unchanged.
const ACCEPTED_KEYS: &[&str] = &[
    "allowed_hosts",
    "connect_timeout_ms",
    "first_byte_timeout_ms",
    "load_native_certs",
    "load_webpki_certs",
    "ssl_certs_file",
];

/// What an HTTP client link allows.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct HttpClientSettings {
    /// Where requests may go.
    pub policy: OutgoingHttpPolicy,
    /// How long connecting may take.
    pub connect_timeout: Duration,
    /// How long the first byte of the response may take.
    pub first_byte_timeout: Duration,
}

impl HttpClientSettings {
    /// Reads the link's merged target config (keys case-insensitive): `allowed_hosts` (comma
    /// separated `HOST`, `HOST:PORT` or `*`; default `*`, which never includes loopback,
    /// link-local or metadata addresses: name those explicitly), `connect_timeout_ms`
    /// (default 5000), `first_byte_timeout_ms` (default 30000).
    pub fn from_config(config: &BTreeMap<String, String>) -> Result<Self, SettingsError> {
        let mut settings = Self {
            policy: OutgoingHttpPolicy::allow(["*"]).unwrap_or_default(),
            connect_timeout: Duration::from_secs(5),
            first_byte_timeout: Duration::from_secs(30),
        };
        for (key, value) in config {
            let bad = |accepted: &str| SettingsError::bad_value(key, value, accepted);
            match key.to_ascii_lowercase().as_str() {
                "allowed_hosts" => {
                    settings.policy = OutgoingHttpPolicy::allow(
                        value
                            .split(',')
                            .map(str::trim)
                            .filter(|rule| !rule.is_empty()),
                    )
                    .map_err(|error| bad(&error.to_string()))?;
                }
                "connect_timeout_ms" => {
                    settings.connect_timeout = milliseconds(value)
                        .ok_or_else(|| bad("a number of milliseconds above 0"))?;
                }
                "first_byte_timeout_ms" => {
                    settings.first_byte_timeout = milliseconds(value)
                        .ok_or_else(|| bad("a number of milliseconds above 0"))?;
                }
                "load_native_certs" | "load_webpki_certs" | "ssl_certs_file" => {}
                _ => return Err(SettingsError::unknown_key(key, ACCEPTED_KEYS)),
            }
        }
        Ok(settings)
    }
}

fn milliseconds(value: &str) -> Option<Duration> {
    value
        .trim()
        .parse::<u64>()
        .ok()
        .filter(|ms| *ms > 0)
        .map(Duration::from_millis)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(pairs: &[(&str, &str)]) -> Result<HttpClientSettings, SettingsError> {
        HttpClientSettings::from_config(
            &pairs
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
        )
    }

    #[test]
    fn the_link_allows_the_internet_but_local_addresses_only_by_name() {
        let default = read(&[]).unwrap();
        assert!(default.policy.permits("example.com", 443));
        assert!(!default.policy.permits("169.254.169.254", 80));
        let named = read(&[("ALLOWED_HOSTS", "127.0.0.1:8080, api.example.com")]).unwrap();
        assert!(named.policy.permits("127.0.0.1", 8080));
        assert!(!named.policy.permits("example.com", 443));
    }

    #[test]
    fn timeouts_and_mistakes() {
        let settings = read(&[
            ("connect_timeout_ms", "250"),
            ("first_byte_timeout_ms", "900"),
        ])
        .unwrap();
        assert_eq!(settings.connect_timeout, Duration::from_millis(250));
        assert_eq!(settings.first_byte_timeout, Duration::from_millis(900));
        assert!(read(&[("load_webpki_certs", "true")]).is_ok());
        let error = read(&[("timeout", "5")]).unwrap_err().to_string();
        assert!(
            error.contains("`timeout`") && error.contains("allowed_hosts"),
            "{error}"
        );
        assert!(read(&[("connect_timeout_ms", "soon")]).is_err());
        assert!(read(&[("allowed_hosts", "http://x")]).is_err());
    }
}
