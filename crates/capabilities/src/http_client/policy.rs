//! Outgoing HTTP from components: denied unless the destination is allowed.
//!
//! A policy is a list of rules: `HOST` (any port), `HOST:PORT`, or `*` (any host, except
//! loopback, link-local and unspecified IP literals and `localhost`, which must be named
//! explicitly, so `*` never reaches the host's own services or a cloud metadata endpoint).

use crate::call_context::{TRACE_HEADERS, TraceContext};
use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use wasmtime_wasi_http::{Error, RequestOptions, WasiBody, WasiHttpHooks};
use weft_telemetry::ComponentRecorder;

/// A destination rule that could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{rule}` is not an outgoing HTTP rule; write HOST, HOST:PORT or *")]
pub struct InvalidRule {
    /// The rule as given.
    pub rule: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Rule {
    Any,
    Host { host: String, port: Option<u16> },
}

/// Which destinations a component's outgoing HTTP requests may reach. Empty denies all.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct OutgoingHttpPolicy {
    rules: Arc<[Rule]>,
}

impl OutgoingHttpPolicy {
    /// Denies every outgoing request.
    pub fn deny_all() -> Self {
        Self::default()
    }

    /// Allows the destinations `rules` name (`HOST`, `HOST:PORT`, `[IPV6]:PORT` or `*`).
    pub fn allow<'a>(rules: impl IntoIterator<Item = &'a str>) -> Result<Self, InvalidRule> {
        let rules = rules
            .into_iter()
            .map(parse_rule)
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self {
            rules: rules.into(),
        })
    }

    /// Whether a request to `host` (a name or IP literal, brackets allowed) on `port` may go.
    pub fn permits(&self, host: &str, port: u16) -> bool {
        let host = host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_ascii_lowercase();
        self.rules.iter().any(|rule| match rule {
            Rule::Any => !is_local(&host),
            Rule::Host { .. } => rule_names(rule, &host, port),
        })
    }

    /// Whether a rule names `host` on `port` itself (not only `*`): such destinations are
    /// few, so metrics may be labelled with them.
    pub fn names(&self, host: &str, port: u16) -> bool {
        let host = host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_ascii_lowercase();
        self.rules.iter().any(|rule| rule_names(rule, &host, port))
    }
}

/// Whether `rule` names `host` (lowercase, no brackets) on `port`.
fn rule_names(rule: &Rule, host: &str, port: u16) -> bool {
    match rule {
        Rule::Any => false,
        Rule::Host {
            host: allowed,
            port: allowed_port,
        } => allowed == host && allowed_port.is_none_or(|allowed_port| allowed_port == port),
    }
}

fn parse_rule(rule: &str) -> Result<Rule, InvalidRule> {
    let invalid = || InvalidRule {
        rule: rule.to_owned(),
    };
    let text = rule.trim();
    if text == "*" {
        return Ok(Rule::Any);
    }
    let (host, port) = if let Some(rest) = text.strip_prefix('[') {
        let (host, after) = rest.split_once(']').ok_or_else(invalid)?;
        let port = after
            .strip_prefix(':')
            .map(str::parse::<u16>)
            .transpose()
            .map_err(|_| invalid())?;
        (host, port)
    } else if let Some((host, port)) = text
        .rsplit_once(':')
        .filter(|(host, _)| !host.contains(':'))
    {
        (host, Some(port.parse::<u16>().map_err(|_| invalid())?))
    } else {
        (text, None)
    };
    if host.is_empty() || host.contains('/') || host.contains(char::is_whitespace) {
        return Err(invalid());
    }
    Ok(Rule::Host {
        host: host.to_ascii_lowercase(),
        port,
    })
}

/// Loopback, link-local (cloud metadata) and unspecified literals, and `localhost`.
fn is_local(host: &str) -> bool {
    if host == "localhost" || host.ends_with(".localhost") {
        return true;
    }
    match host.parse::<IpAddr>() {
        Ok(IpAddr::V4(ip)) => ip.is_loopback() || ip.is_link_local() || ip.is_unspecified(),
        Ok(IpAddr::V6(ip)) => {
            ip.is_loopback() || ip.is_unspecified() || (ip.segments()[0] & 0xffc0) == 0xfe80
        }
        Err(_) => false,
    }
}

/// The `wasi:http` hooks of one instance: its outgoing requests go through the policy.
pub(crate) struct OutgoingHooks {
    pub(crate) policy: OutgoingHttpPolicy,
    pub(crate) component: Arc<str>,
    /// Upper bounds on (connect, first byte) the component's own options cannot raise.
    pub(crate) timeouts: Option<(Duration, Duration)>,
    /// How to allow a denied destination, for the log line (`HOST:PORT` is filled in).
    pub(crate) allow_hint: &'static str,
    /// The invocation's trace, handed on in requests that carry none of their own.
    pub(crate) trace: Option<TraceContext>,
    /// Records each request's duration and CLIENT span (the component's recorder).
    pub(crate) recorder: ComponentRecorder,
}

/// The hint for components run by `weft run`.
pub(crate) const RUN_HINT: &str = "allow it with --allow-http HOST:PORT";
/// The hint for components linked to the HTTP client capability.
pub(crate) const LINK_HINT: &str = "add HOST:PORT to allowed_hosts in the target config of the component's link to the HTTP client";
/// The hint for components with no HTTP client link.
pub(crate) const UNLINKED_HINT: &str = "link the component to an HTTP client capability (ghcr.io/wasmcloud/http-client) over wasi:http/outgoing-handler";

type SendResult = Result<
    (
        http::Response<WasiBody>,
        Box<dyn std::future::Future<Output = Result<(), Error>> + Send>,
    ),
    Error,
>;

impl WasiHttpHooks for OutgoingHooks {
    fn send_request(
        &mut self,
        request: http::Request<WasiBody>,
        options: Option<RequestOptions>,
        fut: Box<dyn std::future::Future<Output = Result<(), Error>> + Send>,
    ) -> Box<dyn std::future::Future<Output = SendResult> + Send> {
        drop(fut);
        let mut request = request;
        let (host, port) = destination(request.uri());
        let permitted = self.policy.permits(&host, port);
        let outgoing = self.recorder.outgoing(
            request.method(),
            request.uri(),
            permitted && self.policy.names(&host, port),
            self.trace.as_ref(),
        );
        let own_trace = TRACE_HEADERS
            .iter()
            .any(|name| request.headers().contains_key(*name));
        if !own_trace && let Some(trace) = outgoing.hand_on(self.trace.clone()) {
            for (name, value) in trace.headers() {
                if let Ok(value) = http::HeaderValue::from_str(value) {
                    request.headers_mut().insert(name, value);
                }
            }
        }
        let options = match self.timeouts {
            None => options,
            Some((connect, first_byte)) => {
                let mut bounded = options.unwrap_or_default();
                bounded.connect_timeout = Some(
                    bounded
                        .connect_timeout
                        .map_or(connect, |asked| asked.min(connect)),
                );
                bounded.first_byte_timeout = Some(
                    bounded
                        .first_byte_timeout
                        .map_or(first_byte, |asked| asked.min(first_byte)),
                );
                Some(bounded)
            }
        };
        if !permitted {
            tracing::warn!(
                component = &*self.component,
                destination = format!("{host}:{port}"),
                "outgoing HTTP request denied: the destination is not allowed ({})",
                self.allow_hint
                    .replace("HOST:PORT", &format!("{host}:{port}"))
            );
            outgoing.failed("denied");
            return Box::new(async { Err(Error::HttpRequestDenied) });
        }
        Box::new(async move {
            use http_body_util::BodyExt;
            let sent = wasmtime_wasi_http::default_send_request(request, options).await;
            match &sent {
                Ok((response, _)) => outgoing.answered(response.status().as_u16()),
                Err(error) => outgoing.failed(error_type(error)),
            }
            let (response, io) = sent?;
            Ok((
                response.map(BodyExt::boxed_unsync),
                Box::new(io) as Box<dyn std::future::Future<Output = _> + Send>,
            ))
        })
    }
}

/// The host and port `uri` names (the scheme's port when it names none).
fn destination(uri: &http::Uri) -> (String, u16) {
    let host = uri.host().unwrap_or_default().to_owned();
    let port = uri
        .port_u16()
        .unwrap_or(if uri.scheme_str() == Some("https") {
            443
        } else {
            80
        });
    (host, port)
}

/// A bounded name for how a request failed, for `error.type`.
fn error_type(error: &Error) -> &'static str {
    match error {
        Error::DnsTimeout
        | Error::ConnectionTimeout
        | Error::ConnectionReadTimeout
        | Error::ConnectionWriteTimeout => "timeout",
        Error::ConnectionRefused => "connection_refused",
        Error::DnsError { .. } | Error::DestinationNotFound => "dns",
        Error::Tls(_)
        | Error::TlsProtocolError
        | Error::TlsCertificateError
        | Error::TlsAlertReceived { .. } => "tls",
        Error::Connect(_) | Error::ConnectionTerminated | Error::DestinationUnavailable => {
            "connection"
        }
        _ => "_OTHER",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deny_by_default() {
        assert!(!OutgoingHttpPolicy::deny_all().permits("example.com", 80));
    }

    #[test]
    fn named_hosts_and_ports() {
        let policy =
            OutgoingHttpPolicy::allow(["api.example.com", "127.0.0.1:8080", "[::1]:9000"]).unwrap();
        assert!(policy.permits("API.example.com", 443));
        assert!(policy.permits("127.0.0.1", 8080));
        assert!(!policy.permits("127.0.0.1", 8081));
        assert!(policy.permits("[::1]", 9000));
        assert!(!policy.permits("other.example.com", 443));
    }

    #[test]
    fn star_never_reaches_local_or_metadata_addresses() {
        let policy = OutgoingHttpPolicy::allow(["*"]).unwrap();
        assert!(policy.permits("example.com", 443));
        for local in [
            "127.0.0.1",
            "169.254.169.254",
            "localhost",
            "[::1]",
            "0.0.0.0",
            "fe80::1",
        ] {
            assert!(!policy.permits(local, 80), "{local}");
        }
    }

    #[test]
    fn only_named_destinations_may_label_metrics() {
        let policy = OutgoingHttpPolicy::allow(["*", "api.example.com:443"]).unwrap();
        assert!(policy.names("API.example.com", 443));
        assert!(!policy.names("api.example.com", 80));
        assert!(policy.permits("other.example.com", 443));
        assert!(!policy.names("other.example.com", 443));
    }

    #[test]
    fn bad_rules_are_refused() {
        for bad in ["", "http://x", "host:port", "[::1", "a b"] {
            assert!(OutgoingHttpPolicy::allow([bad]).is_err(), "{bad}");
        }
    }
}
