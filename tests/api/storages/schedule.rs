//! `sync_interval_seconds`: checked against the operator's minimum, and honoured by a worker
//! process with nobody requesting a sync.

use std::time::Duration;

use labelsync_tests::{TestApp, api_test, json};
use reqwest::StatusCode;

use super::lifecycle::{local_storage, tasks, write};
use super::workers::{spawn_worker_with, wait_for, worker_bin};

/// A schedule shorter than `LABELSYNC_MIN_SYNC_INTERVAL_SECS` (here 60) is refused naming the
/// minimum; one at the minimum is kept and shown; null turns it off.
async fn schedule_respects_the_minimum(app: TestApp) {
    let project = app.project().await;
    let path = local_storage(&app, project, "sched", &[], json!({})).await;
    let (status, body) = app.patch(&path, json!({"sync_interval_seconds": 5})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(body.to_string().contains("greater than or equal to 60"), "{body}");
    let (status, body) = app.patch(&path, json!({"sync_interval_seconds": 60})).await;
    assert_eq!((status, body["sync_interval_seconds"].as_i64()), (StatusCode::OK, Some(60)), "{body}");
    let (_, body) = app.patch(&path, json!({"sync_interval_seconds": null})).await;
    assert!(body["sync_interval_seconds"].is_null(), "{body}");
    let (status, body) = app
        .post(
            "/api/storages/export/localfiles",
            json!({"project": project, "path": app.dir.join("sched"), "sync_interval_seconds": 60}),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "export storages have no schedule: {body}");
}
api_test!(schedule_respects_the_minimum);

/// With a 2-second schedule (the minimum lowered to 1), a worker process imports a file that
/// appears later without any sync request, exactly once.
async fn scheduled_sync_picks_up_new_files(app: TestApp) {
    let Some(bin) = worker_bin() else { return };
    let project = app.project().await;
    let fields = json!({"use_blob_urls": true, "sync_interval_seconds": 2});
    let path = local_storage(&app, project, "every2s", &[("a.jpg", "A")], fields).await;
    let mut worker =
        spawn_worker_with(&app, &bin, "scheduler.log", 1000, &[("LABELSYNC_MIN_SYNC_INTERVAL_SECS", "1")]);
    wait_for(&app, &path, Duration::from_secs(30), |s| s["status"] == "completed").await;
    assert_eq!(tasks(&app, project).await.len(), 1);
    write(&app.dir.join("every2s/b.jpg"), "B");
    let started = std::time::Instant::now();
    while tasks(&app, project).await.len() < 2 {
        assert!(started.elapsed() < Duration::from_secs(30), "the schedule never picked up b.jpg");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    tokio::time::sleep(Duration::from_secs(3)).await;
    worker.kill().ok();
    worker.wait().ok();
    assert_eq!(tasks(&app, project).await.len(), 2, "each file imported once across scheduled syncs");
}
api_test!(scheduled_sync_picks_up_new_files, |args| args.worker.min_sync_interval_secs = 1);
