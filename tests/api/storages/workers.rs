//! Separate `labelsync worker` processes over the server's database: a worker killed mid-sync
//! and several workers racing for one job.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use labelsync_db::storages::{Storage, SyncStatus};
use labelsync_tests::{TestApp, api_test, json, send};
use reqwest::{Method, StatusCode};
use serde_json::Value;

/// Starts `labelsync worker` on the test's database, logging JSON lines to `log`.
pub(super) fn spawn_worker(app: &TestApp, bin: &PathBuf, log: &str, batch: usize) -> Child {
    spawn_worker_with(app, bin, log, batch, &[])
}

/// [`spawn_worker`] with more environment variables.
pub(super) fn spawn_worker_with(
    app: &TestApp,
    bin: &PathBuf,
    log: &str,
    batch: usize,
    env: &[(&str, &str)],
) -> Child {
    let log = std::fs::File::create(app.dir.join(log)).expect("worker log");
    Command::new(bin)
        .arg("worker")
        .env_clear()
        .env("DATABASE_URL", &app.db_url)
        .env("LABELSYNC_SECRET_KEY", labelsync_tests::TEST_SECRET_KEY)
        .env("LABELSYNC_WORKERS", "1")
        .env("LABELSYNC_JOB_LEASE_SECS", "2")
        .env("LABELSYNC_JOB_POLL_MS", "100")
        .env("LABELSYNC_SYNC_BATCH_SIZE", batch.to_string())
        .env("LABELSYNC_LOG_FORMAT", "json")
        .env("SSRF_PROTECTION_ENABLED", "false")
        .env("LABEL_STUDIO_LOCAL_FILES_SERVING_ENABLED", "true")
        .env("LABEL_STUDIO_LOCAL_FILES_DOCUMENT_ROOT", &app.dir)
        .envs(env.iter().copied())
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .expect("start labelsync worker")
}

/// A blob-mode local-files storage over `count` files, queued for sync; returns its path.
pub(super) async fn queued_storage(app: &TestApp, count: usize) -> (i64, String) {
    let project = app.project().await;
    let dir = app.dir.join("many");
    std::fs::create_dir_all(&dir).unwrap();
    for i in 0..count {
        std::fs::write(dir.join(format!("{i:05}.jpg")), b"x").unwrap();
    }
    let (status, storage) = app
        .post("/api/storages/localfiles/", json!({"project": project, "path": dir, "use_blob_urls": true}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{storage}");
    let path = format!("/api/storages/localfiles/{}", storage["id"]);
    let (status, _) = send(app.request(Method::POST, &format!("{path}/sync"))).await;
    assert_eq!(status, StatusCode::OK);
    (project, path)
}

/// Polls the storage until `done(storage)` or the timeout.
pub(super) async fn wait_for(
    app: &TestApp,
    path: &str,
    timeout: Duration,
    done: impl Fn(&Value) -> bool,
) -> Value {
    let started = Instant::now();
    loop {
        let (_, storage) = app.get(path).await;
        if done(&storage) {
            return storage;
        }
        assert!(started.elapsed() < timeout, "timed out waiting; storage is {storage}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Polls the storage at `path` until `ready(storage)`, then kills `worker` while holding the
/// storage's row (PostgreSQL's row lock, SQLite's write lock), so the worker cannot commit past
/// the state `ready` saw: a sync counts its tasks and saves its progress on that row. Without the
/// lock, a fast worker gets on between the poll and the kill, and may even finish (CI saw it).
/// Returns the storage as it was when the worker died.
pub(super) async fn kill_when(
    app: &TestApp,
    path: &str,
    worker: &mut Child,
    timeout: Duration,
    ready: impl Fn(&Storage) -> bool,
) -> Storage {
    let id: i64 = path.rsplit('/').next().and_then(|id| id.parse().ok()).expect("a storage path");
    let started = Instant::now();
    loop {
        let mut tx = app.db.begin().await.expect("begin");
        let storage = labelsync_db::storages::lock(&mut tx, id).await.expect("lock").expect("storage");
        if ready(&storage) {
            worker.kill().expect("kill worker");
            worker.wait().expect("reap worker");
            tx.commit().await.expect("release the storage");
            return storage;
        }
        tx.commit().await.expect("release the storage");
        let state = (storage.status, storage.last_sync_count, &storage.meta.0);
        assert!(started.elapsed() < timeout, "timed out waiting; storage is {state:?}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// The counter `key` of a sync's `meta` (0 when absent).
pub(super) fn counter(storage: &Storage, key: &str) -> i64 {
    storage.meta.0.get(key).and_then(Value::as_i64).unwrap_or(0)
}

/// Every task of the project, checking each object was imported exactly once.
async fn assert_imported_once(app: &TestApp, project: i64, count: usize) {
    let (_, page) = app.get(&format!("/api/tasks/?project={project}&page_size={}", count + 10)).await;
    let tasks = page["tasks"].as_array().unwrap();
    let mut keys: Vec<&str> = tasks.iter().map(|t| t["storage_filename"].as_str().unwrap()).collect();
    assert_eq!(keys.len(), count, "one task per object");
    keys.sort_unstable();
    keys.dedup();
    assert_eq!(keys.len(), count, "no object imported twice");
}

pub(super) fn worker_bin() -> Option<PathBuf> {
    labelsync_tests::labelsync_bin("workers")
}

/// A worker killed (SIGKILL) in the middle of a sync loses its lease; another worker resumes
/// the job and every object ends up imported exactly once.
async fn killed_worker_is_resumed(app: TestApp) {
    let Some(bin) = worker_bin() else { return };
    let count = 1500;
    let (project, path) = queued_storage(&app, count).await;
    let mut first = spawn_worker(&app, &bin, "worker-1.log", 1);
    let partial = kill_when(&app, &path, &mut first, Duration::from_secs(60), |s| {
        s.status == SyncStatus::InProgress && s.last_sync_count.unwrap_or(0) >= 50
    })
    .await;
    let imported_before = partial.last_sync_count.unwrap();
    assert!((imported_before as usize) < count, "killed mid-sync: {:?}", partial.meta);
    let mut second = spawn_worker(&app, &bin, "worker-2.log", 100);
    let done = wait_for(&app, &path, Duration::from_secs(120), |s| s["status"] == "completed").await;
    second.kill().ok();
    second.wait().ok();
    assert_eq!(done["last_sync_count"], count, "resumed runs count the whole sync: {done}");
    assert_imported_once(&app, project, count).await;
    let log = std::fs::read_to_string(app.dir.join("worker-2.log")).unwrap();
    assert!(log.contains("\"job.attempt\":2"), "the second worker ran the job's second attempt");
}
api_test!(killed_worker_is_resumed);

/// Three worker processes polling one database run a sync job once between them.
async fn racing_workers_run_a_job_once(app: TestApp) {
    let Some(bin) = worker_bin() else { return };
    let count = 300;
    // A lease no stall of a loaded machine outlasts: this is about the claim, not about expiry.
    let lease = [("LABELSYNC_JOB_LEASE_SECS", "60")];
    let mut workers: Vec<Child> =
        (0..3).map(|i| spawn_worker_with(&app, &bin, &format!("race-{i}.log"), 50, &lease)).collect();
    let (project, path) = queued_storage(&app, count).await;
    wait_for(&app, &path, Duration::from_secs(60), |s| s["status"] == "completed").await;
    for worker in &mut workers {
        worker.kill().ok();
        worker.wait().ok();
    }
    let starts: usize = (0..3)
        .map(|i| std::fs::read_to_string(app.dir.join(format!("race-{i}.log"))).unwrap())
        .map(|log| log.lines().filter(|l| l.contains("job started") && l.contains("import_sync")).count())
        .sum();
    assert_eq!(starts, 1, "exactly one worker ran the sync job");
    assert_imported_once(&app, project, count).await;
}
api_test!(racing_workers_run_a_job_once);
