//! What happens after an attempt: success, retry with backoff, final failure.

use std::time::Duration;

use labelsync_db::jobs::{self, NewJob};
use labelsync_db::testing::TestDb;
use labelsync_queue::{Drained, RunnerConfig, enqueue};
use serde_json::json;

use crate::support::{AlwaysFails, Count, Ctx, Panics, fast, now_ms, on_both, only_job, runner};

/// A job that succeeds runs once and is removed from the queue.
async fn success_removes_the_job(t: &TestDb) {
    enqueue(&t.db, &Count { n: 7, ..Count::default() }).await.unwrap();
    let ctx = Ctx::default();
    let drained = runner(&t.db, &ctx, fast()).run_until_empty().await.unwrap();
    assert_eq!(drained, Drained { succeeded: 1, ..Drained::default() });
    assert_eq!(ctx.seen().runs.get(&7), Some(&1));
    assert!(jobs::list(&t.db).await.unwrap().is_empty());
}
on_both!(success_removes_the_job);

/// A failing job is retried after a doubling backoff, then kept as failed with its error.
async fn failure_backs_off_then_fails_for_good(t: &TestDb) {
    enqueue(&t.db, &AlwaysFails { n: 1 }).await.unwrap();
    let ctx = Ctx::default();
    // Backoffs no drain outlasts, however loaded the machine (a 100 ms one came due before the
    // drain looked again, and the job ran twice in one drain); the test then makes the job due.
    let config = RunnerConfig {
        backoff_base: Duration::from_secs(60),
        backoff_max: Duration::from_secs(600),
        ..fast()
    };
    let runner = runner(&t.db, &ctx, config);
    for (attempt, backoff_ms) in [(1, 60_000), (2, 120_000)] {
        let before = now_ms();
        assert_eq!(runner.run_until_empty().await.unwrap().retried, 1);
        let job = only_job(&t.db).await;
        assert_eq!((job.state.as_str(), job.attempts), ("queued", attempt));
        assert!(job.run_at >= before + backoff_ms, "attempt {attempt}: backoff too short");
        assert_eq!(job.last_error.as_deref(), Some("boom 1"));
        let due_now = format!("update jobs set run_at = {} where id = {}", now_ms(), job.id);
        labelsync_db::testing::execute_raw(&t.db, &due_now).await.unwrap();
    }
    assert_eq!(runner.run_until_empty().await.unwrap(), Drained { failed: 1, ..Drained::default() });
    let job = only_job(&t.db).await;
    assert_eq!((job.state.as_str(), job.attempts), ("failed", 3));
    assert_eq!(job.last_error.as_deref(), Some("boom 1"));
    // A failed job stays visible and is never claimed again.
    assert_eq!(runner.run_until_empty().await.unwrap(), Drained::default());
    assert_eq!(ctx.seen().runs.get(&1), Some(&3));
}
on_both!(failure_backs_off_then_fails_for_good);

/// A panic is a failed attempt with the panic message as its error; the runner carries on.
async fn panic_is_a_failed_attempt(t: &TestDb) {
    enqueue(&t.db, &Panics).await.unwrap();
    enqueue(&t.db, &Count { n: 1, ..Count::default() }).await.unwrap();
    let ctx = Ctx::default();
    let drained = runner(&t.db, &ctx, fast()).run_until_empty().await.unwrap();
    assert_eq!(drained, Drained { succeeded: 1, failed: 1, ..Drained::default() });
    let job = only_job(&t.db).await;
    assert_eq!((job.kind.as_str(), job.state.as_str()), ("panics", "failed"));
    assert_eq!(job.last_error.as_deref(), Some("the job panicked: kaboom"));
}
on_both!(panic_is_a_failed_attempt);

/// A job of a kind no runner knows fails at once, saying which kind.
async fn unknown_kind_fails_for_good(t: &TestDb) {
    let job = NewJob {
        kind: "no_such_job",
        payload: json!({}),
        dedup_key: None,
        max_attempts: 5,
        run_at: 0,
        organization_id: None,
    };
    jobs::enqueue(&t.db, &job, 0).await.unwrap();
    let ctx = Ctx::default();
    let drained = runner(&t.db, &ctx, fast()).run_until_empty().await.unwrap();
    assert_eq!(drained, Drained { failed: 1, ..Drained::default() });
    let job = only_job(&t.db).await;
    assert_eq!(job.state, "failed");
    assert!(job.last_error.unwrap().contains("\"no_such_job\""));
}
on_both!(unknown_kind_fails_for_good);

/// A job whose payload no longer decodes fails at once instead of being retried.
async fn undecodable_payload_fails_for_good(t: &TestDb) {
    let job = NewJob {
        kind: "count",
        payload: json!({"n": "not a number"}),
        dedup_key: None,
        max_attempts: 5,
        run_at: 0,
        organization_id: None,
    };
    jobs::enqueue(&t.db, &job, 0).await.unwrap();
    let ctx = Ctx::default();
    let drained = runner(&t.db, &ctx, fast()).run_until_empty().await.unwrap();
    assert_eq!(drained, Drained { failed: 1, ..Drained::default() });
    let error = only_job(&t.db).await.last_error.unwrap();
    assert!(error.starts_with("the payload does not decode as a count job"), "{error}");
}
on_both!(undecodable_payload_fails_for_good);
