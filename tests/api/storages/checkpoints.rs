//! A 100,000-file sync killed with SIGKILL resumes from its committed checkpoint in a new
//! process: it lists on from there (not from the first file), and every file becomes exactly one
//! task. Its live counters are visible while it runs.

use std::time::Duration;

use labelsync_tests::{TestApp, api_test, json};

use labelsync_db::storages::SyncStatus;

use super::workers::{counter, kill_when, queued_storage, spawn_worker, wait_for, worker_bin};

const FILES: usize = 100_000;

async fn count(app: &TestApp, sql: String) -> i64 {
    labelsync_db::testing::scalar_i64(&app.db, &sql).await.expect(&sql)
}

/// Killed mid-sync at 20,000 tasks or more, the second process resumes after the checkpoint
/// the first committed, finishes with exactly 100,000 tasks and links, and says where it
/// resumed from; the first one's counters were live in `meta` (and the API) while it ran.
async fn killed_sync_resumes_from_its_checkpoint(app: TestApp) {
    let Some(bin) = worker_bin() else { return };
    let (project, path) = queued_storage(&app, FILES).await;
    let storage: i64 = path.rsplit('/').next().unwrap().parse().unwrap();
    let mut first = spawn_worker(&app, &bin, "checkpoint-1.log", 1000);
    // `meta`'s counters, not `last_sync_count`: the count commits with each batch's tasks, the
    // counters at the batch's ping just after, so the count may be a batch ahead.
    let running = kill_when(&app, &path, &mut first, Duration::from_secs(300), |s| {
        s.status == SyncStatus::InProgress && counter(s, "tasks_created") >= 20_000
    })
    .await;
    let created = counter(&running, "tasks_created");
    let listed = counter(&running, "objects_listed");
    let meta = &running.meta.0;
    assert!(created >= 20_000 && listed >= created && listed < FILES as i64, "live counters: {meta:?}");
    let (_, shown) = app.get(&path).await;
    assert_eq!((&shown["status"], &shown["meta"]["tasks_created"]), (&json!("in_progress"), &json!(created)));

    let checkpoint = running.sync_checkpoint.expect("a committed checkpoint after 20 batches");
    let committed =
        count(&app, format!("select count(*) from import_links where storage_id = {storage}")).await;
    assert!(committed < FILES as i64, "killed before the end: {committed}");

    let mut second = spawn_worker(&app, &bin, "checkpoint-2.log", 1000);
    let done = wait_for(&app, &path, Duration::from_secs(600), |s| s["status"] == "completed").await;
    second.kill().ok();
    second.wait().ok();
    let meta = &done["meta"];
    assert_eq!(meta["resumed_from"].as_str(), Some(checkpoint.as_str()), "{meta}");
    let relisted = meta["objects_listed"].as_i64().unwrap();
    // The checkpoint lags the committed links by up to two batches: a batch's tasks commit
    // before its ping saves the checkpoint, and a checkpoint inside a batch covers only the files
    // before it.
    assert!(
        relisted <= FILES as i64 - committed + 2000,
        "the resumed attempt listed {relisted} files; {committed} were committed before the kill"
    );
    assert_eq!(done["last_sync_count"], FILES, "{done}");
    assert_eq!(
        count(&app, format!("select count(*) from tasks where project_id = {project}")).await,
        FILES as i64
    );
    let keys = format!("select count(distinct key) from import_links where storage_id = {storage}");
    assert_eq!(count(&app, keys).await, FILES as i64, "every file imported exactly once");
}
api_test!(killed_sync_resumes_from_its_checkpoint);
