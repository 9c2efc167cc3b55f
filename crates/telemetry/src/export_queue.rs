//! What ended spans and log records wait in before they are sent: bounded batches that
//! drop (and say so once) when full, and a task that sends them, woken only when a batch is
//! full, its delay has passed or a flush asks — never once per item.

use std::future::Future;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
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

/// What items gather in until they are sent: a list of them, or (for spans) their bytes
/// already encoded.
pub(crate) trait Batch: Send + 'static {
    /// An empty batch with room for `items` items.
    fn with_room(items: usize) -> Self;
    /// How many items it holds.
    fn count(&self) -> usize;
    /// Moves `other`'s items to the end of this batch.
    fn append(&mut self, other: Self);
}

impl<T: Send + 'static> Batch for Vec<T> {
    fn with_room(items: usize) -> Self {
        Vec::with_capacity(items)
    }

    fn count(&self) -> usize {
        self.len()
    }

    fn append(&mut self, mut other: Self) {
        Vec::append(self, &mut other);
    }
}

/// Items waiting to be sent, in batches: at most `limits.queue` items; the export task is
/// woken each time a batch's worth is waiting. Items go into one of its lanes, each filling
/// its own batch behind its own lock, so threads adding at once rarely wait for each other;
/// the lanes' partial batches are joined when taken.
#[derive(Debug)]
pub(crate) struct ExportQueue<B> {
    lanes: Box<[Mutex<Pending<B>>]>,
    /// Room a lane's new batch starts with: its share of a batch.
    lane_room: usize,
    /// Items in all the lanes.
    items: AtomicUsize,
    limits: QueueLimits,
    full_batch: Notify,
    /// Said once in the log when the queue first overflows.
    overflow_warning: &'static str,
    said_full: AtomicBool,
}

#[derive(Debug)]
struct Pending<B> {
    /// Batches filled to the batch size, oldest first.
    full: Vec<B>,
    /// The batch being filled.
    filling: B,
}

impl<B: Batch> ExportQueue<B> {
    /// An empty queue of one lane; `overflow_warning` is logged the first time an item is
    /// dropped.
    pub(crate) fn new(limits: QueueLimits, overflow_warning: &'static str) -> Self {
        Self::with_lanes(limits, overflow_warning, 1)
    }

    /// An empty queue of `lanes` lanes (at least one).
    pub(crate) fn with_lanes(
        limits: QueueLimits,
        overflow_warning: &'static str,
        lanes: usize,
    ) -> Self {
        let lanes = lanes.max(1);
        let lane_room = limits.batch.div_ceil(lanes);
        let lane = || {
            Mutex::new(Pending {
                full: Vec::new(),
                filling: B::with_room(lane_room),
            })
        };
        Self {
            lanes: (0..lanes).map(|_| lane()).collect(),
            lane_room,
            items: AtomicUsize::new(0),
            limits,
            full_batch: Notify::new(),
            overflow_warning,
            said_full: AtomicBool::new(false),
        }
    }

    /// Adds one item with `add` (which puts it into the batch being filled), or drops it
    /// when the queue is full.
    pub(crate) fn add(&self, add: impl FnOnce(&mut B)) {
        self.add_to_lane(0, add);
    }

    /// [`Self::add`] through the lane `hint` picks (any number: a random id spreads
    /// threads over the lanes).
    pub(crate) fn add_to_lane(&self, hint: usize, add: impl FnOnce(&mut B)) {
        let queued = self.items.fetch_add(1, Ordering::Relaxed) + 1;
        if queued > self.limits.queue {
            self.items.fetch_sub(1, Ordering::Relaxed);
            if !self.said_full.swap(true, Ordering::Relaxed) {
                tracing::warn!("{}", self.overflow_warning);
            }
            return;
        }
        let lane = &self.lanes[hint % self.lanes.len()];
        let mut pending = lane.lock().unwrap_or_else(PoisonError::into_inner);
        add(&mut pending.filling);
        if pending.filling.count() >= self.limits.batch {
            let full = std::mem::replace(&mut pending.filling, B::with_room(self.lane_room));
            pending.full.push(full);
        }
        drop(pending);
        if queued.is_multiple_of(self.limits.batch) {
            self.full_batch.notify_one();
        }
    }

    /// Every queued item, in batches of at most the batch size (the lanes' partial batches
    /// joined); the queue starts again empty.
    pub(crate) fn take(&self) -> Vec<B> {
        let mut batches = Vec::new();
        let mut partial = Vec::new();
        for lane in &self.lanes {
            let mut pending = lane.lock().unwrap_or_else(PoisonError::into_inner);
            let full = std::mem::take(&mut pending.full);
            let filling = (pending.filling.count() > 0)
                .then(|| std::mem::replace(&mut pending.filling, B::with_room(self.lane_room)));
            drop(pending);
            let taken: usize = full.iter().map(Batch::count).sum::<usize>()
                + filling.as_ref().map_or(0, Batch::count);
            self.items.fetch_sub(taken, Ordering::Relaxed);
            batches.extend(full);
            partial.extend(filling);
        }
        batches.extend(joined(partial, self.limits.batch));
        batches
    }
}

/// `parts` joined in order into batches of at most `batch` items each.
fn joined<B: Batch>(parts: Vec<B>, batch: usize) -> Vec<B> {
    let mut batches: Vec<B> = Vec::new();
    for part in parts {
        match batches.last_mut() {
            Some(last) if last.count() + part.count() <= batch => last.append(part),
            _ => batches.push(part),
        }
    }
    batches
}

impl<T: Send + 'static> ExportQueue<Vec<T>> {
    /// Queues `item`, or drops it when the queue is full.
    pub(crate) fn push(&self, item: T) {
        self.add(|batch| batch.push(item));
    }
}

/// Sends `queue`'s batches with `export` whenever a batch is full, the delay has passed, or
/// a flush asks; tells `saw` each result; ends when `told` closes (the process's telemetry
/// is dropped), after sending what is left.
pub(crate) async fn send_batches<B, Export, Sent>(
    queue: Arc<ExportQueue<B>>,
    mut told: mpsc::Receiver<Command>,
    mut export: Export,
    mut saw: impl FnMut(OTelSdkResult),
) where
    B: Batch,
    Export: FnMut(B) -> Sent,
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn items_leave_in_full_batches_and_a_full_queue_drops_more() {
        let limits = QueueLimits {
            delay: Duration::from_secs(1),
            queue: 10,
            batch: 4,
        };
        let queue = ExportQueue::<Vec<u32>>::new(limits, "full");
        for item in 0..12 {
            queue.push(item);
        }
        assert_eq!(
            queue.take(),
            [vec![0, 1, 2, 3], vec![4, 5, 6, 7], vec![8, 9]]
        );
        queue.push(12);
        assert_eq!(queue.take(), [vec![12]]);
        assert!(queue.take().is_empty());
    }

    /// A queue of `lanes` lanes (room for `queue` items, batches of `batch`) holding `items`,
    /// each in the lane its value picks.
    fn lanes_holding(
        queue: usize,
        batch: usize,
        lanes: usize,
        items: &[u32],
    ) -> ExportQueue<Vec<u32>> {
        let limits = QueueLimits {
            delay: Duration::from_secs(1),
            queue,
            batch,
        };
        let lanes = ExportQueue::<Vec<u32>>::with_lanes(limits, "full", lanes);
        for &item in items {
            lanes.add_to_lane(item as usize, |batch| batch.push(item));
        }
        lanes
    }

    #[test]
    fn partial_batches_of_the_lanes_are_joined_up_to_the_batch_size() {
        let queue = lanes_holding(100, 3, 4, &[0, 1, 2, 3, 5]);
        assert_eq!(queue.take(), [vec![0, 1, 5], vec![2, 3]]);
    }

    #[tokio::test]
    async fn the_export_task_is_woken_when_a_batch_is_waiting_across_the_lanes() {
        let queue = lanes_holding(100, 4, 4, &[0, 1, 2, 3]);
        let woken = tokio::time::timeout(Duration::from_millis(500), queue.full_batch.notified());
        assert!(
            woken.await.is_ok(),
            "no lane is full, yet a batch's worth waits"
        );
    }

    #[test]
    fn lanes_batch_apart_and_share_one_limit() {
        let queue = lanes_holding(5, 2, 2, &[0, 1, 2, 3, 4, 5, 6]);
        assert_eq!(queue.take(), [vec![0, 2], vec![1, 3], vec![4]]);
        queue.add_to_lane(1, |batch| batch.push(9));
        assert_eq!(queue.take(), [vec![9]]);
    }
}
