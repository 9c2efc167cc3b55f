//! What ended spans and log records wait in before they are sent: a bounded buffer that
//! drops (and says so once) when full, and a task that sends it in batches, woken only when
//! a batch is full, its delay has passed or a flush asks — never once per item.

use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use opentelemetry_sdk::error::OTelSdkResult;
use tokio::sync::{Notify, mpsc, oneshot};

/// How one signal is batched: the spec's `OTEL_BSP_*` (spans) or `OTEL_BLRP_*` (logs).
#[derive(Debug, Clone, Copy)]
pub(crate) struct QueueLimits {
    /// How long an item may wait before it is sent (`…_SCHEDULE_DELAY`, milliseconds).
    pub(crate) delay: Duration,
    /// Items queued at most; more are dropped (`…_MAX_QUEUE_SIZE`).
    pub(crate) queue: usize,
    /// Items per export at most (`…_MAX_EXPORT_BATCH_SIZE`).
    pub(crate) batch: usize,
}

impl QueueLimits {
    /// The variables starting with `prefix` (`OTEL_BSP`), else the spec's defaults
    /// (`default_delay` milliseconds, 2048 queued, 512 per batch); a value that is not a
    /// positive number keeps the default.
    pub(crate) fn read(
        lookup: &dyn Fn(&str) -> Option<String>,
        prefix: &str,
        default_delay: u64,
    ) -> Self {
        let number = |name: &str, default: u64| {
            lookup(&format!("{prefix}_{name}"))
                .and_then(|value| value.trim().parse::<u64>().ok())
                .filter(|value| *value > 0)
                .unwrap_or(default)
        };
        let queue = usize::try_from(number("MAX_QUEUE_SIZE", 2048)).unwrap_or(2048);
        let batch = usize::try_from(number("MAX_EXPORT_BATCH_SIZE", 512)).unwrap_or(512);
        Self {
            delay: Duration::from_millis(number("SCHEDULE_DELAY", default_delay)),
            queue,
            batch: batch.min(queue),
        }
    }
}

/// What an export task is told besides its queue filling up.
pub(crate) enum Command {
    /// Send what is queued now, then answer.
    Flush(oneshot::Sender<()>),
}

/// Items waiting to be sent: at most `limits.queue`; the export task is woken when a batch
/// of them waits.
#[derive(Debug)]
pub(crate) struct ExportQueue<T> {
    items: Mutex<Vec<T>>,
    limits: QueueLimits,
    full_batch: Notify,
    /// Said once in the log when the queue first overflows.
    overflow_warning: &'static str,
    said_full: AtomicBool,
}

impl<T> ExportQueue<T> {
    /// An empty queue; `overflow_warning` is logged the first time one is dropped.
    pub(crate) fn new(limits: QueueLimits, overflow_warning: &'static str) -> Self {
        Self {
            items: Mutex::new(Vec::with_capacity(limits.batch)),
            limits,
            full_batch: Notify::new(),
            overflow_warning,
            said_full: AtomicBool::new(false),
        }
    }

    /// Queues `item`, or drops it when the queue is full.
    pub(crate) fn push(&self, item: T) {
        let mut items = self.items.lock().unwrap_or_else(PoisonError::into_inner);
        if items.len() >= self.limits.queue {
            drop(items);
            if !self.said_full.swap(true, Ordering::Relaxed) {
                tracing::warn!("{}", self.overflow_warning);
            }
            return;
        }
        items.push(item);
        let batch_ready = items.len().is_multiple_of(self.limits.batch);
        drop(items);
        if batch_ready {
            self.full_batch.notify_one();
        }
    }

    /// Every queued item, in batches of at most the batch size. The queue starts again
    /// with room for a batch, so pushes do not regrow it.
    pub(crate) fn take(&self) -> Vec<Vec<T>> {
        let mut items = self.items.lock().unwrap_or_else(PoisonError::into_inner);
        if items.is_empty() {
            return Vec::new();
        }
        let mut taken = std::mem::replace(&mut *items, Vec::with_capacity(self.limits.batch));
        drop(items);
        let mut batches = Vec::with_capacity(taken.len().div_ceil(self.limits.batch));
        while taken.len() > self.limits.batch {
            let rest = taken.split_off(self.limits.batch);
            batches.push(std::mem::replace(&mut taken, rest));
        }
        batches.push(taken);
        batches
    }
}

/// Sends `queue`'s batches with `export` whenever a batch is full, the delay has passed, or
/// a flush asks; tells `saw` each result; ends when `told` closes (the process's telemetry
/// is dropped), after sending what is left.
pub(crate) async fn send_batches<T, Export, Sent>(
    queue: Arc<ExportQueue<T>>,
    mut told: mpsc::Receiver<Command>,
    mut export: Export,
    mut saw: impl FnMut(OTelSdkResult),
) where
    Export: FnMut(Vec<T>) -> Sent,
    Sent: Future<Output = OTelSdkResult>,
{
    let mut tick = tokio::time::interval(queue.limits.delay);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        let flushed = tokio::select! {
            () = queue.full_batch.notified() => None,
            _ = tick.tick() => None,
            command = told.recv() => match command {
                Some(Command::Flush(done)) => Some(done),
                None => break,
            },
        };
        for batch in queue.take() {
            saw(export(batch).await);
        }
        if let Some(done) = flushed {
            let _ = done.send(());
        }
    }
    for batch in queue.take() {
        saw(export(batch).await);
    }
}
