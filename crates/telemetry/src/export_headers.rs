//! What every export request of a signal carries besides its body: the spec's
//! `OTEL_EXPORTER_OTLP_{,TRACES_,METRICS_,LOGS_}HEADERS` (`key=value` pairs, comma-separated,
//! values percent-encoded, e.g. an API key) and `…_TIMEOUT` (milliseconds, 10 s by default).

use std::time::Duration;

use http::{HeaderMap, HeaderName, HeaderValue};

use crate::ExportConfigError;

/// The spec's default export timeout.
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

/// The headers set for the signal named `upper` (`TRACES`): its own variable, else the
/// shared one, else none. A pair that is not `key=value`, or not a valid header, is an
/// error naming the variable (a silently dropped API key would leave export failing
/// with no reason given).
pub(crate) fn read_headers(
    lookup: &dyn Fn(&str) -> Option<String>,
    upper: &str,
) -> Result<HeaderMap, ExportConfigError> {
    let Some((variable, value)) = set_for_signal(lookup, upper, "HEADERS") else {
        return Ok(HeaderMap::new());
    };
    let mut headers = HeaderMap::new();
    for pair in value.split(',').filter(|pair| !pair.trim().is_empty()) {
        let header = pair.split_once('=').and_then(|(name, text)| {
            let name = HeaderName::from_bytes(name.trim().as_bytes()).ok()?;
            let text = HeaderValue::from_str(&percent_decoded(text.trim())?).ok()?;
            Some((name, text))
        });
        let Some((name, text)) = header else {
            return Err(ExportConfigError {
                variable,
                value,
                problem: "is not a list of header=value pairs",
                hint: "separate pairs with commas and percent-encode commas, spaces and other special characters in values, e.g. api-key=abc%20123,tenant=blue",
            });
        };
        headers.append(name, text);
    }
    Ok(headers)
}

/// How long one export of the signal named `upper` may take: its own `…_TIMEOUT`, else
/// the shared one, else 10 s.
pub(crate) fn read_timeout(
    lookup: &dyn Fn(&str) -> Option<String>,
    upper: &str,
) -> Result<Duration, ExportConfigError> {
    let Some((variable, value)) = set_for_signal(lookup, upper, "TIMEOUT") else {
        return Ok(DEFAULT_TIMEOUT);
    };
    match value.trim().parse::<u64>() {
        Ok(millis) if millis > 0 => Ok(Duration::from_millis(millis)),
        _ => Err(ExportConfigError {
            variable,
            value,
            problem: "is not a positive number of milliseconds",
            hint: "give the export timeout in milliseconds, e.g. 10000 (the default)",
        }),
    }
}

/// `OTEL_EXPORTER_OTLP_{upper}_{setting}` if set to something besides spaces, else
/// `OTEL_EXPORTER_OTLP_{setting}`, with the variable's name.
fn set_for_signal(
    lookup: &dyn Fn(&str) -> Option<String>,
    upper: &str,
    setting: &str,
) -> Option<(String, String)> {
    [
        format!("OTEL_EXPORTER_OTLP_{upper}_{setting}"),
        format!("OTEL_EXPORTER_OTLP_{setting}"),
    ]
    .into_iter()
    .find_map(|name| {
        lookup(&name)
            .filter(|value| !value.trim().is_empty())
            .map(|value| (name, value))
    })
}

/// `text` with its `%XX` escapes decoded; `None` when an escape is malformed or the result
/// is not UTF-8.
fn percent_decoded(text: &str) -> Option<String> {
    let mut bytes = Vec::with_capacity(text.len());
    let mut rest = text.bytes();
    while let Some(byte) = rest.next() {
        if byte == b'%' {
            let high = char::from(rest.next()?).to_digit(16)?;
            let low = char::from(rest.next()?).to_digit(16)?;
            bytes.push(u8::try_from(high * 16 + low).ok()?);
        } else {
            bytes.push(byte);
        }
    }
    String::from_utf8(bytes).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lookup(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let pairs: Vec<(String, String)> = pairs
            .iter()
            .map(|(key, value)| ((*key).to_owned(), (*value).to_owned()))
            .collect();
        move |name| {
            pairs
                .iter()
                .find(|(key, _)| key == name)
                .map(|(_, value)| value.clone())
        }
    }

    #[test]
    fn headers_are_decoded_and_a_signals_own_win() {
        let set = lookup(&[
            (
                "OTEL_EXPORTER_OTLP_HEADERS",
                "api-key=a%20b%2Cc, tenant=blue",
            ),
            ("OTEL_EXPORTER_OTLP_LOGS_HEADERS", "only=logs"),
        ]);
        let traces = read_headers(&set, "TRACES").unwrap_or_else(|error| panic!("{error}"));
        assert_eq!(
            traces.get("api-key").and_then(|v| v.to_str().ok()),
            Some("a b,c")
        );
        assert_eq!(
            traces.get("tenant").and_then(|v| v.to_str().ok()),
            Some("blue")
        );
        let logs = read_headers(&set, "LOGS").unwrap_or_else(|error| panic!("{error}"));
        assert_eq!(logs.len(), 1);
    }

    #[test]
    fn bad_headers_and_timeouts_name_their_variable() {
        let set = lookup(&[
            ("OTEL_EXPORTER_OTLP_TRACES_HEADERS", "api-key"),
            ("OTEL_EXPORTER_OTLP_TIMEOUT", "soon"),
        ]);
        let said = [
            read_headers(&set, "TRACES").err(),
            read_timeout(&set, "TRACES").err(),
        ]
        .map(|error| error.map(|error| error.to_string()).unwrap_or_default());
        let expected = [
            "OTEL_EXPORTER_OTLP_TRACES_HEADERS=\"api-key\"",
            "OTEL_EXPORTER_OTLP_TIMEOUT=\"soon\"",
        ];
        for (said, expected) in said.iter().zip(expected) {
            assert!(said.starts_with(expected), "{said}");
        }
        assert_eq!(
            read_timeout(
                &lookup(&[("OTEL_EXPORTER_OTLP_METRICS_TIMEOUT", "250")]),
                "METRICS"
            )
            .ok(),
            Some(Duration::from_millis(250))
        );
    }
}
