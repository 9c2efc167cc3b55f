//! The reconciler loop over a simulated lattice: deploys converge at once, an event wakes an
//! app waiting for its config, failed commands are retried with backoff (or, when only a
//! change can fix them, once something changes), undeploy cleans up. Timing is checked on
//! tokio's paused clock, never by sleeping.

#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests fail loudly.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use support::{HELLO, apply, manifest, one_host};
use weft_lattice::{CommandError, EventBus, InProcessBus, LatticeEvent, Retry};
use weft_manager::{
    AppState, Backoff, Blocker, Command, Lattice, ObservedLattice, Reconciler, ReconcilerSettings,
    StoredConfig,
};

mod support;

/// One simulated host; refuses the first `failing_links` link commands, saying `retry`;
/// takes `slow_app`'s commands an hour each.
struct SimLattice {
    observed: Mutex<ObservedLattice>,
    failing_links: AtomicUsize,
    retry: Retry,
    slow_app: Option<&'static str>,
    executed: AtomicUsize,
    bus: InProcessBus,
}

/// A refused link command.
#[derive(Debug)]
struct SimError {
    message: &'static str,
    retry: Retry,
}

impl std::fmt::Display for SimError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.message)
    }
}

impl CommandError for SimError {
    fn retry(&self) -> Retry {
        self.retry
    }
}

impl SimLattice {
    fn new(bus: InProcessBus, failing_links: usize) -> Arc<Self> {
        Self::refusing(bus, failing_links, Retry::Soon)
    }

    fn refusing(bus: InProcessBus, failing_links: usize, retry: Retry) -> Arc<Self> {
        Arc::new(Self {
            observed: Mutex::new(one_host()),
            failing_links: AtomicUsize::new(failing_links),
            retry,
            slow_app: None,
            executed: AtomicUsize::new(0),
            bus,
        })
    }

    fn executed(&self) -> usize {
        self.executed.load(Ordering::SeqCst)
    }

    fn put_config(&self, name: &str) {
        self.observed.lock().unwrap().configs.insert(
            name.into(),
            StoredConfig {
                values: BTreeMap::from([("k".into(), "v".into())]),
                app: None,
            },
        );
        self.bus
            .publish(LatticeEvent::ConfigSet { name: name.into() });
    }
}

impl Lattice for SimLattice {
    type Error = SimError;

    async fn observe(&self) -> ObservedLattice {
        self.observed.lock().unwrap().clone()
    }

    async fn execute(&self, command: &Command) -> Result<(), SimError> {
        self.executed.fetch_add(1, Ordering::SeqCst);
        let app = match command {
            Command::ScaleComponent { app, .. } | Command::StartCapability { app, .. } => {
                app.as_deref()
            }
            Command::PutLink(link) => link.app.as_deref(),
            _ => None,
        };
        if app.is_some() && app == self.slow_app {
            tokio::time::sleep(Duration::from_secs(3600)).await;
        }
        if matches!(command, Command::PutLink(_))
            && self
                .failing_links
                .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
                .is_ok()
        {
            return Err(SimError {
                message: "port 8000 is in use",
                retry: self.retry,
            });
        }
        apply(&mut self.observed.lock().unwrap(), command);
        Ok(())
    }
}

fn settings() -> ReconcilerSettings {
    ReconcilerSettings {
        rounds: 5,
        backoff: Backoff {
            first: Duration::from_millis(20),
            max: Duration::from_millis(80),
        },
        safety_period: Duration::from_secs(3600),
    }
}

/// Waits (up to 5 s) for `app`'s status to reach `state`.
async fn wait_for(reconciler: &Reconciler<SimLattice>, app: &str, state: AppState) {
    let mut changes = reconciler.changes();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    while reconciler.status(app).map(|s| s.state) != Some(state) {
        tokio::time::timeout_at(deadline, changes.recv())
            .await
            .unwrap_or_else(|_| {
                panic!("{app} never became {state:?}: {:?}", reconciler.status(app))
            })
            .unwrap();
    }
}

#[tokio::test]
async fn a_deploy_converges_before_apply_returns() {
    let lattice = SimLattice::new(InProcessBus::new(), 0);
    let reconciler = Reconciler::new(Arc::clone(&lattice), settings());
    let status = reconciler.apply(manifest(HELLO)).await;
    assert_eq!(status.state, AppState::Deployed, "{status:?}");
    assert_eq!(lattice.observe().await.links.len(), 1);
}

#[tokio::test]
async fn a_config_event_wakes_the_app_that_waits_for_it() {
    let bus = InProcessBus::new();
    let lattice = SimLattice::new(bus.clone(), 0);
    let reconciler = Arc::new(Reconciler::new(Arc::clone(&lattice), settings()));
    let waiting = HELLO.replace(
        "properties: {image: \"file://./hello.wasm\"}",
        "properties: {image: \"file://./hello.wasm\", config: [{name: greeting}]}",
    );
    let status = reconciler.apply(manifest(&waiting)).await;
    assert_eq!(status.state, AppState::Failed);
    assert!(
        matches!(&status.reasons[..], [Blocker::ConfigMissing { config }] if config == "greeting"),
        "{status:?}"
    );
    assert!(
        status.reasons[0]
            .to_string()
            .contains("weft config put greeting")
    );

    let looping = Arc::clone(&reconciler);
    let events = bus.subscribe();
    let task = tokio::spawn(async move { looping.run(events).await });
    lattice.put_config("greeting");
    // The safety pass is an hour away: only the event can do this.
    wait_for(&reconciler, "hello", AppState::Deployed).await;
    task.abort();
}

#[tokio::test]
async fn failed_commands_are_retried_with_backoff_until_they_succeed() {
    let bus = InProcessBus::new();
    let lattice = SimLattice::new(bus.clone(), 3);
    let reconciler = Arc::new(Reconciler::new(Arc::clone(&lattice), settings()));
    let status = reconciler.apply(manifest(HELLO)).await;
    assert_eq!(status.state, AppState::Failed);
    assert!(
        matches!(&status.reasons[..], [Blocker::CommandFailed { message, .. }] if message == "port 8000 is in use"),
        "{status:?}"
    );

    let looping = Arc::clone(&reconciler);
    let events = bus.subscribe();
    let task = tokio::spawn(async move { looping.run(events).await });
    wait_for(&reconciler, "hello", AppState::Deployed).await;
    task.abort();
    assert_eq!(lattice.failing_links.load(Ordering::SeqCst), 0);
}

/// Lets the reconciler's tasks run until they wait again (on paused time, sleeping advances
/// the clock only when every task is idle).
async fn settle() {
    for _ in 0..10 {
        tokio::task::yield_now().await;
    }
}

#[tokio::test(start_paused = true)]
async fn a_failing_app_waits_for_its_backoff_and_does_not_spin_on_events() {
    let bus = InProcessBus::new();
    let lattice = SimLattice::new(bus.clone(), usize::MAX);
    let mut settings = settings();
    settings.backoff = Backoff {
        first: Duration::from_secs(60),
        max: Duration::from_secs(60),
    };
    let reconciler = Arc::new(Reconciler::new(Arc::clone(&lattice), settings));
    reconciler.apply(manifest(HELLO)).await;
    let looping = Arc::clone(&reconciler);
    let events = bus.subscribe();
    let task = tokio::spawn(async move { looping.run(events).await });
    let before = lattice.executed();
    for _ in 0..20 {
        bus.publish(LatticeEvent::ConfigSet {
            name: "unrelated".into(),
        });
        settle().await;
    }
    // The first retry waits between half and all of `first` (jitter).
    tokio::time::sleep(Duration::from_secs(29)).await;
    settle().await;
    assert_eq!(
        lattice.executed(),
        before,
        "no command is sent before the retry is due"
    );
    tokio::time::sleep(Duration::from_secs(32)).await;
    settle().await;
    assert_eq!(lattice.executed(), before + 1, "the retry came when due");
    task.abort();
}

#[tokio::test(start_paused = true)]
async fn a_failure_only_a_change_can_fix_waits_for_a_change() {
    let bus = InProcessBus::new();
    let lattice = SimLattice::refusing(bus.clone(), usize::MAX, Retry::AfterChange);
    let mut settings = settings();
    settings.backoff = Backoff {
        first: Duration::from_millis(20),
        max: Duration::from_secs(3600),
    };
    let reconciler = Arc::new(Reconciler::new(Arc::clone(&lattice), settings));
    let status = reconciler.apply(manifest(HELLO)).await;
    assert_eq!(status.state, AppState::Failed);
    assert!(
        matches!(&status.reasons[..], [Blocker::CommandFailed { message, .. }] if message == "port 8000 is in use"),
        "{status:?}"
    );
    let looping = Arc::clone(&reconciler);
    let events = bus.subscribe();
    let task = tokio::spawn(async move { looping.run(events).await });
    let before = lattice.executed();

    tokio::time::sleep(Duration::from_secs(600)).await;
    settle().await;
    assert_eq!(lattice.executed(), before, "no retry on a timer");
    bus.publish(LatticeEvent::ComponentScaleFailed {
        host_id: "h".into(),
        component_id: "other".into(),
        image: "file:///other.wasm".into(),
        reason: "again".into(),
    });
    settle().await;
    assert_eq!(lattice.executed(), before, "a failure is no change");

    lattice.put_config("greeting");
    settle().await;
    assert_eq!(
        lattice.executed(),
        before + 1,
        "a change makes it due at once"
    );
    tokio::time::sleep(Duration::from_secs(600)).await;
    settle().await;
    assert_eq!(lattice.executed(), before + 1, "and it parks again");
    task.abort();
}

#[tokio::test(start_paused = true)]
async fn a_slow_app_holds_up_only_itself() {
    let bus = InProcessBus::new();
    let mut lattice = SimLattice::refusing(bus, 0, Retry::Soon);
    Arc::get_mut(&mut lattice).unwrap().slow_app = Some("hello");
    let reconciler = Arc::new(Reconciler::new(Arc::clone(&lattice), settings()));
    let slow = Arc::clone(&reconciler);
    let slow = tokio::spawn(async move { slow.apply(manifest(HELLO)).await });
    settle().await;
    let started = tokio::time::Instant::now();
    let other = HELLO.replace("name: hello", "name: other");
    let status = reconciler.apply(manifest(&other)).await;
    assert_eq!(status.state, AppState::Deployed, "{status:?}");
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "the other app waited {:?} behind the slow one",
        started.elapsed()
    );
    assert!(
        !slow.is_finished(),
        "the slow app is still at its first command"
    );
    slow.abort();
}

#[tokio::test]
async fn undeploy_removes_everything_and_stops_tracking_the_app() {
    let lattice = SimLattice::new(InProcessBus::new(), 0);
    let reconciler = Reconciler::new(Arc::clone(&lattice), settings());
    reconciler.apply(manifest(HELLO)).await;
    let status = reconciler.remove("hello").await;
    assert!(status.reasons.is_empty(), "{status:?}");
    assert_eq!(reconciler.status("hello"), None);
    let observed = lattice.observe().await;
    assert!(observed.links.is_empty() && observed.configs.is_empty());
    assert!(observed.hosts[0].components.is_empty());
}

#[tokio::test]
async fn the_apps_by_status_follow_deploys_undeploys_and_redeploys() {
    let lattice = SimLattice::new(InProcessBus::new(), 0);
    let metrics = weft_telemetry::Telemetry::new(&weft_telemetry::Identity::default());
    let reconciler =
        Reconciler::new(Arc::clone(&lattice), settings()).with_metrics(metrics.reconciler());
    let count = |status: &str| {
        let text = metrics.prometheus_text().unwrap();
        let prefix = format!("weft_apps{{weft_app_status=\"{status}\"}} ");
        text.lines()
            .find_map(|line| line.strip_prefix(prefix.as_str()))
            .map_or(0, |value| value.parse::<i64>().unwrap())
    };
    reconciler.apply(manifest(HELLO)).await;
    assert_eq!((count("deployed"), count("reconciling")), (1, 0));
    reconciler.remove("hello").await;
    assert_eq!((count("deployed"), count("reconciling")), (0, 0));
    reconciler.apply(manifest(HELLO)).await;
    reconciler.apply(manifest(HELLO)).await; // Deployed again over itself: still one.
    assert_eq!((count("deployed"), count("reconciling")), (1, 0));
    assert_eq!(count("failed"), 0);
    reconciler.pass().await;
    let text = metrics.prometheus_text().unwrap();
    assert!(text.contains("weft_lattice_hosts 1"), "{text}");
    assert!(
        text.contains("weft_reconcile_duration_seconds_count 1"),
        "{text}"
    );
}
