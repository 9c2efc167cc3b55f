//! Collected metrics in Prometheus' text exposition format (0.0.4), named as OpenTelemetry's
//! Prometheus compatibility rules say: dots become underscores, the unit becomes a suffix
//! (`_seconds`), monotonic sums end in `_total`, and the resource is one `target_info`.

use std::fmt::{Display, Write as _};

use opentelemetry::KeyValue;
use opentelemetry_sdk::metrics::data::{
    AggregatedMetrics, Gauge, Histogram, Metric, MetricData, ResourceMetrics, Sum,
};

/// `metrics` as Prometheus text.
pub(crate) fn encode(metrics: &ResourceMetrics) -> String {
    let mut out = String::new();
    let resource: Vec<KeyValue> = metrics
        .resource()
        .iter()
        .map(|(key, value)| KeyValue::new(key.clone(), value.clone()))
        .collect();
    out.push_str("# HELP target_info Target metadata\n# TYPE target_info gauge\n");
    out.push_str("target_info");
    out.push_str(&labels(resource.iter(), None));
    out.push_str(" 1\n");
    for scope in metrics.scope_metrics() {
        for metric in scope.metrics() {
            match metric.data() {
                AggregatedMetrics::F64(data) => encode_data(&mut out, metric, data),
                AggregatedMetrics::U64(data) => encode_data(&mut out, metric, data),
                AggregatedMetrics::I64(data) => encode_data(&mut out, metric, data),
            }
        }
    }
    out
}

fn encode_data<T: Display + Copy>(out: &mut String, metric: &Metric, data: &MetricData<T>) {
    match data {
        MetricData::Gauge(gauge) => gauge_lines(out, metric, gauge),
        MetricData::Sum(sum) => sum_lines(out, metric, sum),
        MetricData::Histogram(histogram) => histogram_lines(out, metric, histogram),
        // weft makes no exponential histograms; Prometheus' text format has no such type.
        MetricData::ExponentialHistogram(_) => {}
    }
}

fn gauge_lines<T: Display + Copy>(out: &mut String, metric: &Metric, gauge: &Gauge<T>) {
    let points = gauge
        .data_points()
        .map(|point| (labels(point.attributes(), None), point.value()));
    value_lines(
        out,
        &base_name(metric),
        metric.description(),
        "gauge",
        points,
    );
}

fn sum_lines<T: Display + Copy>(out: &mut String, metric: &Metric, sum: &Sum<T>) {
    let base = base_name(metric);
    let (name, kind) = if sum.is_monotonic() {
        (format!("{base}_total"), "counter")
    } else {
        (base, "gauge")
    };
    let points = sum
        .data_points()
        .map(|point| (labels(point.attributes(), None), point.value()));
    value_lines(out, &name, metric.description(), kind, points);
}

/// A metric of one value per series (a gauge or a counter): its header, then `NAME{…} VALUE`
/// for each of `points` (their labels already written out).
fn value_lines<T: Display>(
    out: &mut String,
    name: &str,
    help: &str,
    kind: &str,
    points: impl Iterator<Item = (String, T)>,
) {
    header(out, name, help, kind);
    for (labels, value) in points {
        let _ = writeln!(out, "{name}{labels} {value}");
    }
}

fn histogram_lines<T: Display + Copy>(out: &mut String, metric: &Metric, histogram: &Histogram<T>) {
    let name = base_name(metric);
    header(out, &name, metric.description(), "histogram");
    for point in histogram.data_points() {
        let mut cumulative = 0u64;
        let bounds: Vec<String> = point
            .bounds()
            .map(|bound| bound.to_string())
            .chain(std::iter::once("+Inf".to_owned()))
            .collect();
        for (bound, count) in bounds.iter().zip(point.bucket_counts()) {
            cumulative += count;
            let le = Some(("le", bound.as_str()));
            let _ = writeln!(
                out,
                "{name}_bucket{} {cumulative}",
                labels(point.attributes(), le)
            );
        }
        let plain = labels(point.attributes(), None);
        let _ = writeln!(out, "{name}_sum{plain} {}", point.sum());
        let _ = writeln!(out, "{name}_count{plain} {}", point.count());
    }
}

fn header(out: &mut String, name: &str, help: &str, kind: &str) {
    let help = help.replace('\\', r"\\").replace('\n', r"\n");
    let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}");
}

/// The metric's name with its unit as a suffix (`_seconds`); units in braces (`{request}`)
/// are annotations and add nothing.
fn base_name(metric: &Metric) -> String {
    let name = sanitize(metric.name());
    let unit = match metric.unit() {
        "s" => "seconds",
        "ms" => "milliseconds",
        "By" => "bytes",
        _ => "",
    };
    if unit.is_empty() || name.ends_with(unit) {
        name
    } else {
        format!("{name}_{unit}")
    }
}

/// `{key="value",…}` sorted by key (empty when there are none), with `extra` (the `le` of a
/// bucket) last.
fn labels<'a>(
    attributes: impl Iterator<Item = &'a KeyValue>,
    extra: Option<(&str, &str)>,
) -> String {
    let mut pairs: Vec<(String, String)> = attributes
        .map(|pair| {
            (
                sanitize(pair.key.as_str()),
                pair.value.as_str().into_owned(),
            )
        })
        .collect();
    pairs.sort();
    // Two keys that sanitize alike (`service.name`, `service_name`) become one label, their
    // values joined with `;`: Prometheus refuses a repeated label name.
    pairs.dedup_by(|later, kept| {
        let same = later.0 == kept.0;
        if same {
            kept.1 = format!("{};{}", kept.1, later.1);
        }
        same
    });
    pairs.extend(extra.map(|(key, value)| (key.to_owned(), value.to_owned())));
    if pairs.is_empty() {
        return String::new();
    }
    let inner: Vec<String> = pairs
        .iter()
        .map(|(key, value)| format!("{key}=\"{}\"", escape(value)))
        .collect();
    format!("{{{}}}", inner.join(","))
}

/// A name Prometheus accepts: every character outside `[a-zA-Z0-9_:]` becomes `_`, and one
/// that starts with a digit gets a leading `_`.
fn sanitize(name: &str) -> String {
    let mut clean: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' || c == ':' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if clean.starts_with(|c: char| c.is_ascii_digit()) {
        clean.insert(0, '_');
    }
    clean
}

fn escape(value: &str) -> String {
    value
        .replace('\\', r"\\")
        .replace('"', "\\\"")
        .replace('\n', r"\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_labels_become_what_prometheus_accepts() {
        assert_eq!(
            sanitize("http.server.request.duration"),
            "http_server_request_duration"
        );
        assert_eq!(sanitize("2xx-rate"), "_2xx_rate");
        let pairs = [
            KeyValue::new("weft.app", "a \"quoted\"\\ app\nline"),
            KeyValue::new("http.route", "/*"),
        ];
        assert_eq!(
            labels(pairs.iter(), Some(("le", "0.5"))),
            r#"{http_route="/*",weft_app="a \"quoted\"\\ app\nline",le="0.5"}"#
        );
        assert_eq!(labels([].iter(), None), "");
        let clash = [
            KeyValue::new("service.name", "a"),
            KeyValue::new("service_name", "b"),
        ];
        assert_eq!(labels(clash.iter(), None), r#"{service_name="a;b"}"#);
    }
}
