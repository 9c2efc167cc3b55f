//! The reconciler's I/O loop: keeps every deployed application converged on the lattice.
//!
//! Level-triggered, edge-woken: any lattice event (config set, link set, component scaled,
//! host up, ...) wakes it at once and it re-runs the pure [`reconcile`] for every application
//! that is due; a slow periodic pass is only a safety net. The error policy follows each
//! failure's [`Retry`]: an application whose command failed for a reason outside it (a server
//! down, a port taken) is retried with exponential backoff and jitter; one whose command can
//! only succeed after a change (a bad config, an image that does not compile) is parked: its
//! status says why, and it is tried again when the lattice reports a change, or after the
//! longest backoff as a safety net, never in a loop.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use tokio::sync::{Notify, broadcast};
use tokio::time::Instant;
use weft_lattice::{CommandError as _, Received, Retry, Subscription};
use weft_telemetry::ReconcilerMetrics;

use crate::backoff::{Backoff, jitter};
use crate::blocker::{Blocker, join_reasons};
use crate::desired::DesiredApp;
use crate::pause::Pauses;
use crate::reconcile::{AppState, AppStatus, reconcile};
use weft_lattice::Lattice;

/// How the reconciler paces itself.
#[derive(Debug, Clone, Copy)]
pub struct ReconcilerSettings {
    /// Reconcile-then-execute rounds per application per pass (each round's commands may
    /// unlock the next ones, e.g. a config before what reads it).
    pub rounds: usize,
    /// Retry pacing for applications whose commands failed.
    pub backoff: Backoff,
    /// How often every application is reconciled even if nothing woke the loop.
    pub safety_period: Duration,
}

impl Default for ReconcilerSettings {
    fn default() -> Self {
        Self {
            rounds: 5,
            backoff: Backoff::default(),
            safety_period: Duration::from_secs(30),
        }
    }
}

/// One application the reconciler keeps converged.
struct Tracked {
    desired: Arc<DesiredApp>,
    status: AppStatus,
    /// Consecutive passes whose commands failed.
    failures: u32,
    /// Not before this instant (set after failed commands).
    retry_at: Option<Instant>,
    /// Its last failure can only pass after a change: the next change makes it due.
    parked: bool,
}

/// How one converge ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    /// Every command went through.
    Converged,
    /// A command failed; what may make it succeed.
    Failed(Retry),
}

/// Keeps the desired applications converged on a [`Lattice`].
pub struct Reconciler<L: Lattice> {
    lattice: Arc<L>,
    settings: ReconcilerSettings,
    apps: Mutex<BTreeMap<String, Tracked>>,
    /// One converge at a time per application, so two never send it conflicting commands;
    /// applications converge side by side, so one slow pull or compile holds up only its own.
    turns: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
    wake: Notify,
    changes: broadcast::Sender<String>,
    metrics: ReconcilerMetrics,
    /// Where a failure test stops it (before a command); none otherwise.
    pauses: Pauses,
}

impl<L: Lattice> Reconciler<L> {
    /// A reconciler driving `lattice`, with nothing to do yet.
    pub fn new(lattice: Arc<L>, settings: ReconcilerSettings) -> Self {
        Self {
            lattice,
            settings,
            apps: Mutex::new(BTreeMap::new()),
            turns: Mutex::new(HashMap::new()),
            wake: Notify::new(),
            changes: broadcast::channel(256).0,
            metrics: ReconcilerMetrics::disabled(),
            pauses: Pauses::none(),
        }
    }

    /// Records its passes, the applications' statuses and the lattice's hosts in `metrics`.
    pub fn with_metrics(mut self, metrics: ReconcilerMetrics) -> Self {
        self.metrics = metrics;
        self
    }

    /// Pauses before commands where `pauses` says (failure tests).
    pub fn with_pauses(mut self, pauses: Pauses) -> Self {
        self.pauses = pauses;
        self
    }

    /// The lattice it drives.
    pub fn lattice(&self) -> &Arc<L> {
        &self.lattice
    }

    /// Makes `desired` the goal of its application (a deploy or an upgrade) and converges it
    /// now; returns where it stands.
    pub async fn apply(&self, desired: DesiredApp) -> AppStatus {
        let name = desired.name.clone();
        {
            // Counted under the lock, so a converge's record never sees it uncounted.
            let mut apps = self.lock();
            let replaced = apps.insert(
                name.clone(),
                Tracked {
                    desired: Arc::new(desired),
                    status: AppStatus::reconciling(),
                    failures: 0,
                    retry_at: None,
                    parked: false,
                },
            );
            self.metrics.app_moved(
                replaced.map(|tracked| tracked.status.state.as_str()),
                Some(AppState::Reconciling.as_str()),
            );
        }
        self.converge(&name).await;
        self.status(&name).unwrap_or_else(settled)
    }

    /// Removes everything application `name` owns (an undeploy); returns where that stands.
    /// Once nothing is left the application is no longer tracked.
    pub async fn remove(&self, name: &str) -> AppStatus {
        self.apply(DesiredApp::nothing(name)).await
    }

    /// The status of application `name`, if it is tracked.
    pub fn status(&self, name: &str) -> Option<AppStatus> {
        self.lock().get(name).map(|tracked| tracked.status.clone())
    }

    /// Names of applications whose status changed, as they change.
    pub fn changes(&self) -> broadcast::Receiver<String> {
        self.changes.subscribe()
    }

    /// Asks for a pass over every due application as soon as possible.
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    /// Runs until `events` closes: a pass whenever an event arrives, an application's retry
    /// is due, or the safety period passes.
    pub async fn run(&self, mut events: Subscription) {
        let mut safety = tokio::time::interval(self.settings.safety_period);
        safety.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        safety.tick().await;
        loop {
            let retry = self.next_retry();
            tokio::select! {
                received = events.next() => {
                    let mut changed = false;
                    let mut next = Some(received);
                    while let Some(received) = next {
                        match received {
                            Received::Closed => return,
                            Received::Event(event) => changed |= event.is_change(),
                            Received::Missed(_) => changed = true,
                        }
                        next = events.try_next();
                    }
                    if changed {
                        self.unpark();
                    }
                }
                () = self.wake.notified() => {}
                () = sleep_until(retry) => {}
                _ = safety.tick() => {}
            }
            self.pass().await;
        }
    }

    /// Converges every application that is not waiting for a retry, side by side.
    pub async fn pass(&self) {
        let now = Instant::now();
        let started = std::time::Instant::now();
        if self.metrics.is_recording() {
            self.metrics.hosts(self.lattice.observe().await.hosts.len());
        }
        let due: Vec<String> = self
            .lock()
            .iter()
            .filter(|(_, tracked)| tracked.retry_at.is_none_or(|at| at <= now))
            .map(|(name, _)| name.clone())
            .collect();
        futures_util::future::join_all(due.iter().map(|name| self.converge(name))).await;
        self.metrics.pass(started.elapsed());
    }

    /// The lock that serialises converging application `name`.
    fn turn(&self, name: &str) -> Arc<tokio::sync::Mutex<()>> {
        let mut turns = self.turns.lock().unwrap_or_else(PoisonError::into_inner);
        Arc::clone(turns.entry(name.to_owned()).or_default())
    }

    /// Reconcile and execute, round after round, until nothing is left to do or a command
    /// fails; records the outcome.
    async fn converge(&self, name: &str) {
        let turn = self.turn(name);
        let _turn = turn.lock().await;
        let Some(desired) = self.lock().get(name).map(|t| Arc::clone(&t.desired)) else {
            return;
        };
        let mut status = AppStatus::reconciling();
        let mut outcome = Outcome::Converged;
        for _ in 0..self.settings.rounds {
            let plan = reconcile(&desired, &self.lattice.observe().await);
            status = plan.status;
            if plan.commands.is_empty() {
                break;
            }
            // In plan order (configs, starts, links, removals), stopping at the first failure:
            // a link never switches to a component that did not start, and nothing old is
            // removed while its replacement is missing.
            for command in &plan.commands {
                self.pauses.before_command().await;
                if let Err(error) = self.lattice.execute(command).await {
                    let retry = error.retry();
                    tracing::warn!(app = %name, %error, ?retry, "a command failed");
                    let reason = Blocker::CommandFailed {
                        message: error.to_string(),
                        retry,
                    };
                    status.command_failed(command, reason);
                    outcome = Outcome::Failed(retry);
                    break;
                }
            }
            if outcome != Outcome::Converged {
                break;
            }
        }
        self.record(name, &desired, status, outcome);
    }

    fn record(&self, name: &str, desired: &Arc<DesiredApp>, status: AppStatus, outcome: Outcome) {
        let mut apps = self.lock();
        let Some(tracked) = apps.get_mut(name) else {
            return;
        };
        if !Arc::ptr_eq(&tracked.desired, desired) {
            return; // A newer goal arrived; its own converge records it.
        }
        match outcome {
            Outcome::Converged => {
                tracked.failures = 0;
                tracked.retry_at = None;
                tracked.parked = false;
            }
            Outcome::Failed(Retry::Soon) => {
                tracked.failures += 1;
                tracked.parked = false;
                let delay = self.settings.backoff.delay(tracked.failures, jitter());
                tracked.retry_at = Some(Instant::now() + delay);
                tracing::info!(app = %name, retry_in_ms = delay.as_millis() as u64, "will retry");
            }
            Outcome::Failed(Retry::AfterChange) => {
                tracked.failures += 1;
                tracked.parked = true;
                tracked.retry_at = Some(Instant::now() + self.settings.backoff.max);
                tracing::info!(app = %name, "waits for a change to retry");
            }
        }
        let changed = tracked.status != status;
        if changed {
            log_status(name, &status);
        }
        let before = tracked.status.state.as_str();
        tracked.status = status;
        let gone = tracked.desired.is_nothing() && tracked.status.reasons.is_empty();
        let after = if gone && tracked.status.state == AppState::Deployed {
            // Its turn lock stays: a converge may still be waiting on it.
            apps.remove(name);
            None
        } else {
            Some(tracked.status.state.as_str())
        };
        self.metrics.app_moved(Some(before), after);
        drop(apps);
        if changed || gone {
            let _ = self.changes.send(name.to_owned());
        }
    }

    /// Makes every parked application due: something changed that may fix it.
    fn unpark(&self) {
        for tracked in self.lock().values_mut().filter(|tracked| tracked.parked) {
            tracked.parked = false;
            tracked.retry_at = None;
        }
    }

    fn next_retry(&self) -> Option<Instant> {
        self.lock()
            .values()
            .filter_map(|tracked| tracked.retry_at)
            .min()
    }

    fn lock(&self) -> MutexGuard<'_, BTreeMap<String, Tracked>> {
        self.apps.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// The status of an application the reconciler no longer tracks: nothing left to do.
fn settled() -> AppStatus {
    AppStatus {
        state: AppState::Deployed,
        reasons: Vec::new(),
        parts: Vec::new(),
    }
}

async fn sleep_until(deadline: Option<Instant>) {
    match deadline {
        Some(deadline) => tokio::time::sleep_until(deadline).await,
        None => std::future::pending().await,
    }
}

fn log_status(name: &str, status: &AppStatus) {
    match status.state {
        AppState::Failed => {
            tracing::warn!(app = %name, reasons = %join_reasons(&status.reasons), "application failed")
        }
        state => tracing::info!(app = %name, state = ?state, "application status"),
    }
}
