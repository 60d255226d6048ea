//! Wake-ups and graceful shutdown.

use std::time::Duration;

use labelsync_db::testing::TestDb;
use labelsync_queue::{RunnerConfig, StopReason, enqueue};
use tokio::sync::oneshot;

use crate::support::{
    Count, Ctx, WaitsForStop, fast, on_both, only_job, runner, start, wait_until, wait_until_idle,
};

/// Shutdown stops claiming and signals the running job; the job, having honoured the
/// signal, is back on the queue with its attempt not counted.
async fn shutdown_stops_a_running_job(t: &TestDb) {
    let ctx = Ctx::default();
    let (stop, stopped) = oneshot::channel::<()>();
    let run = runner(&t.db, &ctx, fast()).start(async move {
        let _ = stopped.await;
    });
    enqueue(&t.db, &WaitsForStop).await.unwrap();
    wait_until("the job started", || async { ctx.seen().started == 1 }).await;

    stop.send(()).unwrap();
    run.wait().await;
    assert_eq!(ctx.seen().stops, [StopReason::Shutdown]);
    let job = only_job(&t.db).await;
    assert_eq!((job.state.as_str(), job.attempts, job.locked_by), ("queued", 0, None));
}
on_both!(shutdown_stops_a_running_job);

/// A wake-up through the queue handle starts a job at once, even with an hour-long poll.
async fn wake_up_starts_a_job_without_polling(t: &TestDb) {
    let ctx = Ctx::default();
    let config = RunnerConfig { poll_interval: Duration::from_secs(3600), ..fast() };
    let runner = runner(&t.db, &ctx, config);
    let queue = runner.handle();
    let run = start(runner);
    // Let the runner find the queue empty and go idle first.
    tokio::time::sleep(Duration::from_millis(100)).await;

    enqueue(&t.db, &Count { n: 1, ..Count::default() }).await.unwrap();
    queue.wake();
    wait_until_idle(&t.db).await;
    assert_eq!(ctx.seen().runs.get(&1), Some(&1));
    run.stop().await;
}
on_both!(wake_up_starts_a_job_without_polling);
