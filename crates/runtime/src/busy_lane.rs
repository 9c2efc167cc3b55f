//! The busy lane: worker threads at the lowest OS priority where invocations that compute
//! past a short slice finish their work.
//!
//! Every invocation starts on the process's regular workers. [`BusyLane::run`] times how
//! long each poll of it computes; once the total passes the lane's slice, the invocation is
//! handed over, between two polls, to the busy lane and stays there. The lane's threads run
//! under Linux's `SCHED_IDLE` policy, so the kernel runs them only on time the regular
//! workers leave: a guest that spins cannot slow the short requests of other components, yet
//! when nothing else runs it still gets the lane's cores.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use tokio::runtime::Handle;
use tokio::task::JoinHandle;

/// The name of the busy lane's threads.
const THREAD_NAME: &str = "weft-busy";

/// The nice value of the busy lane's threads where `SCHED_IDLE` is refused: the lowest.
#[cfg(target_os = "linux")]
const NICE: i32 = 19;

/// Where long-computing invocations go; cheap to clone. A disabled lane runs every
/// invocation where it started.
#[derive(Debug, Clone, Default)]
pub struct BusyLane {
    lane: Option<Arc<Lane>>,
}

#[derive(Debug)]
struct Lane {
    /// Kept to shut down in the background when the last clone goes.
    runtime: Option<tokio::runtime::Runtime>,
    handle: Handle,
    slice: Duration,
    moved: AtomicU64,
}

impl Drop for Lane {
    fn drop(&mut self) {
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

impl BusyLane {
    /// Starts a lane of `threads` worker threads taking invocations that have computed for
    /// longer than `slice`.
    pub fn start(threads: usize, slice: Duration) -> std::io::Result<Self> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(threads.max(1))
            .thread_name(THREAD_NAME)
            .on_thread_start(lower_this_threads_priority)
            .enable_all()
            .build()?;
        Ok(Self {
            lane: Some(Arc::new(Lane {
                handle: runtime.handle().clone(),
                runtime: Some(runtime),
                slice,
                moved: AtomicU64::new(0),
            })),
        })
    }

    /// A lane that moves nothing: every invocation runs where it started.
    pub fn disabled() -> Self {
        Self::default()
    }

    /// How long an invocation computes before it moves, when the lane is enabled.
    pub fn slice(&self) -> Option<Duration> {
        self.lane.as_ref().map(|lane| lane.slice)
    }

    /// How many invocations have moved to the lane so far.
    pub fn moved(&self) -> u64 {
        self.lane
            .as_ref()
            .map_or(0, |lane| lane.moved.load(Ordering::Relaxed))
    }

    /// Runs `invocation`, moving it to the lane once it has computed for longer than the
    /// slice. Dropping the returned future cancels the invocation wherever it runs.
    pub fn run<F>(&self, invocation: F) -> Sliced<F>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        Sliced {
            lane: self.lane.clone(),
            state: State::Here(Box::pin(invocation)),
            computed: Duration::ZERO,
            on_move: None,
        }
    }
}

/// An invocation under a [`BusyLane`]; ends with its output wherever it ran.
pub struct Sliced<F: Future> {
    lane: Option<Arc<Lane>>,
    state: State<F>,
    /// Time spent inside its polls on the regular workers.
    computed: Duration,
    /// Called when it moves (a metric, a log line).
    on_move: Option<Box<dyn FnOnce() + Send>>,
}

impl<F: Future> Sliced<F> {
    /// Calls `report` if, and when, the invocation moves to the lane.
    pub fn on_move(mut self, report: impl FnOnce() + Send + 'static) -> Self {
        self.on_move = Some(Box::new(report));
        self
    }
}

enum State<F: Future> {
    Here(Pin<Box<F>>),
    Moved(JoinHandle<F::Output>),
    Done,
}

impl<F> Future for Sliced<F>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        if let State::Here(invocation) = &mut this.state {
            let started = Instant::now();
            let polled = invocation.as_mut().poll(cx);
            this.computed += started.elapsed();
            match polled {
                Poll::Ready(output) => {
                    this.state = State::Done;
                    return Poll::Ready(output);
                }
                Poll::Pending => this.move_if_busy(),
            }
        }
        match &mut this.state {
            State::Here(_) => Poll::Pending,
            State::Moved(task) => match Pin::new(task).poll(cx) {
                Poll::Pending => Poll::Pending,
                Poll::Ready(result) => {
                    this.state = State::Done;
                    Poll::Ready(match result {
                        Ok(output) => output,
                        Err(error) => match error.try_into_panic() {
                            Ok(panic) => std::panic::resume_unwind(panic),
                            // The lane outlives this future (it holds the lane), and only
                            // dropping this future aborts the task.
                            Err(_) => unreachable!("a moved invocation was cancelled"),
                        },
                    })
                }
            },
            State::Done => panic!("a sliced invocation was polled after it ended"),
        }
    }
}

impl<F> Sliced<F>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    /// Hands the invocation to the lane when it has computed past the slice and is not on
    /// the lane already (a call nested in a moved invocation). What it spawns from then on
    /// still goes to the runtime it came from.
    fn move_if_busy(&mut self) {
        let Some(lane) = &self.lane else { return };
        if self.computed < lane.slice || on_lane_thread() {
            return;
        }
        if let State::Here(invocation) = std::mem::replace(&mut self.state, State::Done) {
            lane.moved.fetch_add(1, Ordering::Relaxed);
            if let Some(report) = self.on_move.take() {
                report();
            }
            let origin = Handle::try_current().ok();
            self.state = State::Moved(lane.handle.spawn(InOrigin { origin, invocation }));
        }
    }
}

/// A moved invocation, polled inside the runtime it came from, so the tasks it spawns (a
/// connection's driver, a message delivery for another component) run on the regular
/// workers rather than on the lane.
struct InOrigin<F: Future> {
    origin: Option<Handle>,
    invocation: Pin<Box<F>>,
}

impl<F: Future> Future for InOrigin<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        let _entered = this.origin.as_ref().map(Handle::enter);
        this.invocation.as_mut().poll(cx)
    }
}

impl<F: Future> Drop for Sliced<F> {
    fn drop(&mut self) {
        if let State::Moved(task) = &self.state {
            task.abort();
        }
    }
}

/// Whether the current thread is one of a busy lane's.
fn on_lane_thread() -> bool {
    std::thread::current().name() == Some(THREAD_NAME)
}

/// Gives the calling thread the lowest priority: on Linux the `SCHED_IDLE` policy (run only
/// when no ordinary thread wants the core), else nice 19; elsewhere the lane's threads keep
/// the default priority.
fn lower_this_threads_priority() {
    #[cfg(target_os = "linux")]
    {
        let idle = libc::sched_param { sched_priority: 0 };
        // SAFETY: pid 0 is the calling thread; `idle` is a valid sched_param for SCHED_IDLE.
        // gettid takes no arguments; setpriority with PRIO_PROCESS and a thread id changes
        // only that thread's nice value.
        #[allow(unsafe_code)]
        let idle_set = unsafe { libc::sched_setscheduler(0, libc::SCHED_IDLE, &idle) } == 0;
        if idle_set {
            return;
        }
        let idle_refused = std::io::Error::last_os_error();
        // SAFETY: as above.
        #[allow(unsafe_code)]
        let nice_set =
            unsafe { libc::setpriority(libc::PRIO_PROCESS, libc::gettid() as libc::id_t, NICE) }
                == 0;
        if !nice_set {
            tracing::warn!(
                sched_idle = %idle_refused,
                nice = %std::io::Error::last_os_error(),
                "cannot lower a busy lane thread's priority; long-running guests will compete with short requests as equals"
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Computes for `per_poll` in each of `polls` polls, waking itself between them, and
    /// returns the names of the threads that ran its polls.
    async fn compute(polls: usize, per_poll: Duration) -> Vec<Option<String>> {
        let mut threads = Vec::with_capacity(polls);
        for _ in 0..polls {
            let started = Instant::now();
            while started.elapsed() < per_poll {
                std::hint::spin_loop();
            }
            threads.push(std::thread::current().name().map(str::to_owned));
            tokio::task::yield_now().await;
        }
        threads
    }

    fn on_lane(thread: &Option<String>) -> bool {
        thread.as_deref() == Some(THREAD_NAME)
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 1)]
    async fn an_invocation_that_computes_past_the_slice_moves_to_the_lane() {
        let lane = BusyLane::start(1, Duration::from_millis(5)).unwrap();
        let reported = Arc::new(AtomicU64::new(0));
        let reports = Arc::clone(&reported);
        let threads = lane
            .run(compute(8, Duration::from_millis(3)))
            .on_move(move || {
                reports.fetch_add(1, Ordering::Relaxed);
            })
            .await;
        assert!(
            !on_lane(&threads[0]),
            "the first poll runs where it started"
        );
        let moved_at = threads
            .iter()
            .position(on_lane)
            .expect("24 ms computed is past the 5 ms slice");
        assert!(
            threads[moved_at..].iter().all(on_lane),
            "once moved, every poll runs on the lane: {threads:?}"
        );
        assert_eq!(lane.moved(), 1);
        assert_eq!(
            reported.load(Ordering::Relaxed),
            1,
            "the move was reported once"
        );
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 1)]
    async fn short_invocations_and_a_disabled_lane_stay_where_they_started() {
        let lane = BusyLane::start(1, Duration::from_millis(50)).unwrap();
        let short = lane.run(compute(3, Duration::ZERO)).await;
        assert!(!short.iter().any(on_lane));
        assert_eq!(lane.moved(), 0);

        let disabled = BusyLane::disabled();
        let long = disabled.run(compute(3, Duration::from_millis(30))).await;
        assert!(!long.iter().any(on_lane));
        assert_eq!(disabled.slice(), None);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 1)]
    async fn what_a_moved_invocation_spawns_runs_where_it_came_from() {
        let lane = BusyLane::start(1, Duration::ZERO).unwrap();
        let threads = lane
            .run(async {
                tokio::task::yield_now().await;
                let here = std::thread::current().name().map(str::to_owned);
                let spawned =
                    tokio::spawn(async { std::thread::current().name().map(str::to_owned) });
                (here, spawned.await.unwrap())
            })
            .await;
        assert!(on_lane(&threads.0), "the invocation moved: {threads:?}");
        assert!(!on_lane(&threads.1), "its task did not: {threads:?}");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 1)]
    async fn an_invocation_nested_in_a_moved_one_stays_on_the_lane_unmoved() {
        let lane = BusyLane::start(1, Duration::ZERO).unwrap();
        let inner_lane = lane.clone();
        let inner = lane
            .run(async move {
                tokio::task::yield_now().await;
                inner_lane.run(compute(3, Duration::from_millis(1))).await
            })
            .await;
        assert!(inner.iter().all(on_lane), "{inner:?}");
        assert_eq!(lane.moved(), 1, "only the outer invocation moved");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 1)]
    async fn a_panic_on_the_lane_reaches_the_caller() {
        let lane = BusyLane::start(1, Duration::ZERO).unwrap();
        let caller = tokio::spawn(lane.run(async {
            tokio::task::yield_now().await;
            panic!("the guest's host code panicked");
        }));
        let error = caller.await.unwrap_err();
        assert!(error.is_panic());
        assert_eq!(lane.moved(), 1);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 1)]
    async fn dropping_a_moved_invocation_cancels_it_on_the_lane() {
        let lane = BusyLane::start(1, Duration::ZERO).unwrap();
        let (sender, mut ended) = tokio::sync::oneshot::channel::<()>();
        let invocation = lane.run(async move {
            let _ended_on_drop = sender;
            loop {
                tokio::task::yield_now().await;
            }
        });
        let mut invocation = Box::pin(invocation);
        let poll_once = std::future::poll_fn(|cx| {
            let _ = invocation.as_mut().poll(cx);
            Poll::Ready(())
        });
        poll_once.await;
        assert_eq!(lane.moved(), 1);
        drop(invocation);
        let closed = tokio::time::timeout(Duration::from_secs(5), &mut ended).await;
        assert!(
            matches!(closed, Ok(Err(_))),
            "the lane's task was dropped with the invocation"
        );
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn the_lanes_threads_run_only_on_idle_time() {
        let lane = BusyLane::start(1, Duration::ZERO).unwrap();
        let handle = lane.lane.as_ref().unwrap().handle.clone();
        // SAFETY: reads the calling thread's own scheduling policy.
        #[allow(unsafe_code)]
        let on_the_lane = handle.spawn(async { unsafe { libc::sched_getscheduler(0) } });
        let policy = handle.block_on(on_the_lane).unwrap();
        assert_eq!(policy, libc::SCHED_IDLE);
    }
}
