//! Sync status has one owner: a failed sync is a failed job, a job the queue gives up on
//! fails its storage, a storage left `queued`/`in_progress` without a job can be synced
//! again, a failed attempt with retries left is not shown `failed`, and a PATCH during a sync
//! leaves the sync's status alone.

use std::fs;

use labelsync_db::storages::{self, SyncState, SyncStatus};
use labelsync_db::{epoch_ms, jobs, now};
use labelsync_storage::testing::RedisFixture;
use labelsync_tests::{TestApp, api_test, json, send};
use redis::AsyncCommands;
use reqwest::{Method, StatusCode};
use serde_json::{Map, Value};

use super::slow_redis::SlowRedis;
use super::workers_in_process::{Workers, wait_for};

/// A blob-mode local-files import storage over two files; returns its API path.
async fn two_file_storage(app: &TestApp, name: &str) -> String {
    let project = app.project().await;
    let dir = app.dir.join(name);
    fs::create_dir_all(&dir).unwrap();
    for file in ["a.jpg", "b.jpg"] {
        fs::write(dir.join(file), b"x").unwrap();
    }
    let (status, created) = app
        .post("/api/storages/localfiles/", json!({"project": project, "path": dir, "use_blob_urls": true}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    format!("/api/storages/localfiles/{}", created["id"])
}

async fn request_sync(app: &TestApp, path: &str) -> Value {
    let (status, storage) = send(app.request(Method::POST, &format!("{path}/sync"))).await;
    assert_eq!(status, StatusCode::OK, "{storage}");
    storage
}

fn storage_id(path: &str) -> i64 {
    path.rsplit('/').next().unwrap().parse().unwrap()
}

/// A sync that fails ends `failed` on the storage and as a failed job in the queue (not
/// as a succeeded one), with the same reason in both.
async fn failed_sync_is_a_failed_job(app: TestApp) {
    let path = two_file_storage(&app, "vanishing").await;
    fs::remove_dir_all(app.dir.join("vanishing")).unwrap();
    request_sync(&app, &path).await;
    let drained = app.run_jobs().await;
    assert_eq!(drained.failed, 1, "{drained:?}");
    let (_, storage) = app.get(&path).await;
    assert_eq!(storage["status"], "failed", "{storage}");
    let rows = jobs::list(&app.db).await.unwrap();
    assert_eq!(rows.len(), 1, "{rows:?}");
    let job = &rows[0];
    assert_eq!((job.kind.as_str(), job.state.as_str()), ("import_sync", "failed"));
    assert_eq!(job.organization_id, Some(app.org_id));
    let error = job.last_error.as_deref().unwrap();
    assert!(error.contains("vanishing"), "{error}");
    assert_eq!(storage["traceback"], error);
}
api_test!(failed_sync_is_a_failed_job);

/// A sync whose workers all died (every attempt's lease ran out) is failed by the queue; the
/// storage shows `failed` with a traceback saying why, and `POST …/sync` queues it again.
async fn abandoned_sync_fails_its_storage_and_syncs_again(app: TestApp) {
    let path = two_file_storage(&app, "abandoned").await;
    request_sync(&app, &path).await;
    // Five workers claim the job and die: each lease is over as soon as it is taken.
    for attempt in 0..5 {
        let now = epoch_ms(now());
        let claimed = jobs::claim(&app.db, &format!("killed-{attempt}"), now, now - 1, 10).await.unwrap();
        assert!(claimed.is_some(), "attempt {attempt} claimed");
    }
    let drained = app.run_jobs().await;
    assert_eq!(drained.failed, 1, "{drained:?}");
    let (_, storage) = app.get(&path).await;
    assert_eq!(storage["status"], "failed", "{storage}");
    let traceback = storage["traceback"].as_str().unwrap();
    assert!(traceback.starts_with("gave up after 5 attempts"), "{traceback}");
    assert!(traceback.contains("stopped renewing the lease"), "{traceback}");
    assert!(storage["meta"]["time_failure"].is_string(), "{storage}");

    let queued = request_sync(&app, &path).await;
    assert_eq!(queued["status"], "queued", "{queued}");
    app.run_jobs().await;
    let (_, storage) = app.get(&path).await;
    assert_eq!(
        (storage["status"].as_str(), storage["last_sync_count"].as_i64()),
        (Some("completed"), Some(2))
    );
}
api_test!(abandoned_sync_fails_its_storage_and_syncs_again);

/// An attempt that fails on a passing problem (its Redis refuses connections) leaves the storage
/// `in_progress` with `meta.last_attempt_error` while the retry waits, never `failed`; after the
/// host is fixed, `POST …/sync` brings the waiting retry forward and it completes the sync.
async fn failed_attempt_with_retries_left_is_not_failed(app: TestApp) {
    let Some(fixture) = RedisFixture::for_test("failed_attempt_with_retries_left").await else { return };
    let mut conn = fixture.connection().await;
    for i in 0..2 {
        let _: () = conn.set(format!("retry:{i}"), format!(r#"{{"image_url": "r{i}"}}"#)).await.unwrap();
    }
    let config = fixture.config_for(None);
    let (host, port) = (config.host.clone().unwrap(), config.port.unwrap());
    let proxy = SlowRedis::start(format!("{host}:{port}")).await;
    let proxy_addr = proxy.addr;
    let project = app.project().await;
    let password = config.password.as_ref().map(|p| p.expose().to_owned());
    let body = json!({"project": project, "host": "127.0.0.1", "port": proxy_addr.port().to_string(),
                      "db": fixture.db(), "path": "retry:", "password": password});
    let (status, created) = app.post("/api/storages/redis/", body).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let path = format!("/api/storages/redis/{}", created["id"]);
    drop(proxy);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while tokio::net::TcpStream::connect(proxy_addr).await.is_ok() {
        assert!(std::time::Instant::now() < deadline, "the stopped proxy still accepts connections");
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }

    request_sync(&app, &path).await;
    let drained = app.run_jobs_with_backoff(std::time::Duration::from_secs(3600)).await;
    assert_eq!((drained.retried, drained.failed), (1, 0), "{drained:?}");
    let (_, storage) = app.get(&path).await;
    assert_eq!(storage["status"], "in_progress", "{storage}");
    let last_error = &storage["meta"]["last_attempt_error"];
    assert_eq!(last_error["attempt"], 1, "{storage}");
    assert!(!last_error["error"].as_str().unwrap_or_default().is_empty(), "{storage}");
    assert!(storage["meta"].get("time_failure").is_none(), "{storage}");
    let rows = jobs::list(&app.db).await.unwrap();
    assert_eq!(rows.iter().map(|j| j.state.as_str()).collect::<Vec<_>>(), ["queued"], "{rows:?}");

    let fixed = json!({"host": host, "port": port.to_string(), "password": password});
    let (status, patched) = send(app.request(Method::PATCH, &path).json(&fixed)).await;
    assert_eq!(status, StatusCode::OK, "{patched}");
    request_sync(&app, &path).await;
    assert_eq!(jobs::list(&app.db).await.unwrap().len(), 1, "the request joined the waiting retry");
    let drained = app.run_jobs().await;
    assert_eq!(drained.succeeded, 1, "{drained:?}");
    let (_, storage) = app.get(&path).await;
    assert_eq!(
        (storage["status"].as_str(), storage["last_sync_count"].as_i64()),
        (Some("completed"), Some(2)),
        "{storage}"
    );
}
api_test!(failed_attempt_with_retries_left_is_not_failed);

/// A storage shown `in_progress` with no job behind it (a record left by a lost job) is queued
/// again by `POST …/sync`; a second request while that sync waits coalesces into it; the job's id
/// stays in `last_sync_job` after the sync (as Label Studio keeps its RQ job id).
async fn stuck_storage_without_a_job_syncs_again(app: TestApp) {
    let path = two_file_storage(&app, "stuck").await;
    let stuck = SyncState {
        status: SyncStatus::InProgress,
        last_sync: None,
        last_sync_count: Some(1),
        last_sync_job: Some("4242".into()),
        traceback: None,
        meta: Map::new(),
    };
    storages::set_sync_status(&app.db, storage_id(&path), &stuck).await.unwrap();
    assert!(jobs::list(&app.db).await.unwrap().is_empty());

    let queued = request_sync(&app, &path).await;
    assert_eq!(queued["status"], "queued", "{queued}");
    request_sync(&app, &path).await;
    let rows = jobs::list(&app.db).await.unwrap();
    assert_eq!(rows.len(), 1, "one sync queued: {rows:?}");
    assert_eq!(queued["last_sync_job"], rows[0].id.to_string());
    app.run_jobs().await;
    let (_, storage) = app.get(&path).await;
    assert_eq!(
        (storage["status"].as_str(), storage["last_sync_count"].as_i64()),
        (Some("completed"), Some(2))
    );
    assert_eq!(storage["last_sync_job"], rows[0].id.to_string());
}
api_test!(stuck_storage_without_a_job_syncs_again);

/// A PATCH made during a running sync, carrying the status fields of an earlier read (as a
/// client that PUTs back what it fetched), changes the title only: the status, meta and
/// counts stay the sync's, during the sync and after it.
async fn patch_during_a_sync_keeps_the_sync_status(app: TestApp) {
    let Some(fixture) = RedisFixture::for_test("patch_during_a_sync").await else { return };
    let mut conn = fixture.connection().await;
    for i in 0..3 {
        let _: () = conn.set(format!("t:{i}"), format!(r#"{{"image_url": "r{i}"}}"#)).await.unwrap();
    }
    let config = fixture.config_for(None);
    let upstream = format!("{}:{}", config.host.as_deref().unwrap(), config.port.unwrap());
    let slow = SlowRedis::start(upstream).await;
    let project = app.project().await;
    let password = config.password.as_ref().map(|p| p.expose().to_owned());
    let body = json!({"project": project, "host": "127.0.0.1", "port": slow.addr.port().to_string(),
                      "db": fixture.db(), "path": "t:", "title": "before", "password": password});
    let (status, created) = app.post("/api/storages/redis/", body).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let path = format!("/api/storages/redis/{}", created["id"]);

    slow.close();
    let workers = Workers::start(&app, 1);
    let stale = request_sync(&app, &path).await;
    let running = wait_for(&app, &path, |s| s["status"] == "in_progress").await;
    let put_back = json!({"title": "after", "status": stale["status"], "meta": stale["meta"],
                          "last_sync": null, "last_sync_job": stale["last_sync_job"],
                          "last_sync_count": 77, "traceback": "stale"});
    let (status, patched) = app.patch(&path, put_back).await;
    assert_eq!(status, StatusCode::OK, "{patched}");
    assert_eq!(patched["title"], "after");
    for field in ["status", "meta", "last_sync_count", "traceback", "last_sync", "last_sync_job"] {
        assert_eq!(patched[field], running[field], "{field} during the sync");
    }

    slow.open();
    let done = wait_for(&app, &path, |s| s["status"] == "completed").await;
    workers.stop().await;
    assert_eq!(
        (done["title"].as_str(), done["last_sync_count"].as_i64()),
        (Some("after"), Some(3)),
        "{done}"
    );
    assert!(done["traceback"].is_null(), "{done}");
    assert_eq!(done["meta"]["time_in_progress"], running["meta"]["time_in_progress"]);
}
api_test!(patch_during_a_sync_keeps_the_sync_status);
