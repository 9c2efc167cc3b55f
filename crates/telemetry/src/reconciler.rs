//! The deployment manager's instruments: reconcile passes and their duration
//! (`weft.reconcile.duration`), applications by status (`weft.apps`) and hosts in the lattice
//! (`weft.lattice.hosts`).

use std::time::Duration;

use opentelemetry::KeyValue;
use opentelemetry::metrics::{Gauge, Histogram, Meter, UpDownCounter};

use crate::http_server::DURATION_BOUNDS;

/// The deployment manager's instruments; [`Self::disabled`] ones do no work at all.
#[derive(Clone, Default)]
pub struct ReconcilerMetrics(Option<ReconcilerInstruments>);

#[derive(Clone)]
struct ReconcilerInstruments {
    pass: Histogram<f64>,
    apps: UpDownCounter<i64>,
    hosts: Gauge<u64>,
}

impl ReconcilerMetrics {
    /// Instruments that record nothing.
    pub fn disabled() -> Self {
        Self(None)
    }

    pub(crate) fn new(meter: &Meter) -> Self {
        Self(Some(ReconcilerInstruments {
            pass: meter
                .f64_histogram("weft.reconcile.duration")
                .with_unit("s")
                .with_description(
                    "Duration of one reconcile pass over the applications due (a deploy's own converge is not a pass).",
                )
                .with_boundaries(DURATION_BOUNDS.to_vec())
                .build(),
            apps: meter
                .i64_up_down_counter("weft.apps")
                .with_unit("{application}")
                .with_description("Applications the manager keeps converged, by status.")
                .build(),
            hosts: meter
                .u64_gauge("weft.lattice.hosts")
                .with_unit("{host}")
                .with_description("Hosts in the lattice, as the manager last saw it.")
                .build(),
        }))
    }

    /// One reconcile pass took `elapsed`.
    pub fn pass(&self, elapsed: Duration) {
        if let Some(instruments) = &self.0 {
            instruments.pass.record(elapsed.as_secs_f64(), &[]);
        }
    }

    /// An application moved from status `from` to status `to` (`None`: not tracked), each
    /// one of `deployed`, `reconciling`, `failed`.
    pub fn app_moved(&self, from: Option<&'static str>, to: Option<&'static str>) {
        let Some(instruments) = &self.0 else {
            return;
        };
        if from == to {
            return;
        }
        if let Some(status) = from {
            instruments
                .apps
                .add(-1, &[KeyValue::new("weft.app.status", status)]);
        }
        if let Some(status) = to {
            instruments
                .apps
                .add(1, &[KeyValue::new("weft.app.status", status)]);
        }
    }

    /// Whether anything is recorded: when not, a caller can skip gathering what it would
    /// record (such as observing the lattice to count its hosts).
    pub fn is_recording(&self) -> bool {
        self.0.is_some()
    }

    /// The lattice has `count` hosts.
    pub fn hosts(&self, count: usize) {
        if let Some(instruments) = &self.0 {
            instruments
                .hosts
                .record(u64::try_from(count).unwrap_or(u64::MAX), &[]);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use crate::{Identity, Telemetry};

    #[test]
    fn apps_are_counted_by_status_as_they_move() {
        let metrics = Telemetry::new(&Identity::default());
        let reconciler = metrics.reconciler();
        reconciler.app_moved(None, Some("reconciling"));
        reconciler.app_moved(None, Some("reconciling"));
        reconciler.app_moved(Some("reconciling"), Some("deployed"));
        reconciler.app_moved(Some("reconciling"), Some("failed"));
        reconciler.app_moved(Some("failed"), None);
        reconciler.pass(Duration::from_millis(3));
        let text = metrics.prometheus_text().unwrap_or_default();
        assert!(
            text.contains(r#"weft_apps{weft_app_status="deployed"} 1"#),
            "{text}"
        );
        assert!(
            text.contains(r#"weft_apps{weft_app_status="failed"} 0"#),
            "{text}"
        );
        assert!(
            text.contains(r#"weft_apps{weft_app_status="reconciling"} 0"#),
            "{text}"
        );
        assert!(
            text.contains("weft_reconcile_duration_seconds_count 1"),
            "{text}"
        );
    }
}
