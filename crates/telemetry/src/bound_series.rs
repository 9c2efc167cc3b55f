//! Histogram series bound to their labels once, then recorded into directly: the SDK's
//! bound instruments skip the per-record sorting, hashing and lookup of the label set, the
//! larger part of a record's cost on the request path.

use std::sync::{OnceLock, PoisonError, RwLock};

use opentelemetry::KeyValue;
use opentelemetry::metrics::{BoundHistogram, Histogram};

/// How many label sets a [`KeyedSeries`] binds; records past them look their series up.
const KEYED_LIMIT: usize = 64;

/// The series of one histogram for a small, fixed set of label sets, one per index, each
/// bound when first recorded (so a label set shows only once it has been used).
pub(crate) struct IndexedSeries<const N: usize>([OnceLock<BoundHistogram<f64>>; N]);

impl<const N: usize> Default for IndexedSeries<N> {
    fn default() -> Self {
        Self(std::array::from_fn(|_| OnceLock::new()))
    }
}

impl<const N: usize> IndexedSeries<N> {
    /// Records `value` in `histogram`'s series number `index`, whose labels `labels` makes
    /// the first time.
    pub(crate) fn record(
        &self,
        histogram: &Histogram<f64>,
        index: usize,
        value: f64,
        labels: impl FnOnce() -> Vec<KeyValue>,
    ) {
        self.0[index]
            .get_or_init(|| histogram.bind(&labels()))
            .record(value);
    }
}

/// The series of one histogram by a small key that determines the labels (a method and a
/// status, say), each bound when first recorded; after [`KEYED_LIMIT`] keys the rest are
/// recorded unbound.
pub(crate) struct KeyedSeries<K>(RwLock<Vec<(K, BoundHistogram<f64>)>>);

impl<K> Default for KeyedSeries<K> {
    fn default() -> Self {
        Self(RwLock::default())
    }
}

impl<K: Copy + PartialEq> KeyedSeries<K> {
    /// Records `value` in `histogram`'s series for `key`, whose labels `labels` makes the
    /// first time.
    pub(crate) fn record(
        &self,
        histogram: &Histogram<f64>,
        key: K,
        value: f64,
        labels: impl FnOnce() -> Vec<KeyValue>,
    ) {
        let bound = self.0.read().unwrap_or_else(PoisonError::into_inner);
        if let Some((_, series)) = bound.iter().find(|(known, _)| *known == key) {
            series.record(value);
            return;
        }
        let full = bound.len() >= KEYED_LIMIT;
        drop(bound);
        let labels = labels();
        if full {
            histogram.record(value, &labels);
            return;
        }
        let series = histogram.bind(&labels);
        series.record(value);
        let mut bound = self.0.write().unwrap_or_else(PoisonError::into_inner);
        if !bound.iter().any(|(known, _)| *known == key) {
            bound.push((key, series));
        }
    }
}

#[cfg(test)]
mod tests {
    use opentelemetry::KeyValue;
    use opentelemetry::metrics::MeterProvider as _;
    use opentelemetry_sdk::metrics::SdkMeterProvider;

    use super::{IndexedSeries, KEYED_LIMIT, KeyedSeries};
    use crate::reader::SharedReader;

    fn histogram_text(record: impl FnOnce(&opentelemetry::metrics::Histogram<f64>)) -> String {
        let reader = SharedReader::default();
        let provider = SdkMeterProvider::builder()
            .with_reader(reader.clone())
            .build();
        let histogram = provider.meter("test").f64_histogram("took").build();
        record(&histogram);
        let mut collected = opentelemetry_sdk::metrics::data::ResourceMetrics::default();
        opentelemetry_sdk::metrics::reader::MetricReader::collect(&reader, &mut collected)
            .expect("collect");
        crate::prometheus::encode(&collected)
    }

    #[test]
    fn indexed_series_count_where_they_are_recorded_and_show_once_used() {
        let text = histogram_text(|histogram| {
            let series = IndexedSeries::<3>::default();
            for index in [0, 2, 2] {
                series.record(histogram, index, 0.5, || {
                    vec![KeyValue::new("which", index as i64)]
                });
            }
        });
        assert!(text.contains(r#"took_count{which="0"} 1"#), "{text}");
        assert!(text.contains(r#"took_count{which="2"} 2"#), "{text}");
        assert!(!text.contains(r#"which="1""#), "{text}");
    }

    #[test]
    fn keyed_series_keep_counting_past_the_bound_limit() {
        let text = histogram_text(|histogram| {
            let series = KeyedSeries::<usize>::default();
            for key in (0..KEYED_LIMIT + 2).chain([0, KEYED_LIMIT + 1]) {
                series.record(histogram, key, 1.0, || {
                    vec![KeyValue::new("key", key as i64)]
                });
            }
        });
        assert!(text.contains(r#"took_count{key="0"} 2"#), "{text}");
        let past = KEYED_LIMIT + 1;
        assert!(
            text.contains(&format!(r#"took_count{{key="{past}"}} 2"#)),
            "{text}"
        );
    }
}
