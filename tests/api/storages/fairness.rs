//! Workers are shared fairly between organizations: one organization's long syncs leave a
//! worker for another's.

use labelsync_storage::testing::RedisFixture;
use labelsync_tests::{TestApp, api_test, json, send};
use redis::AsyncCommands;
use reqwest::{Method, StatusCode};
use serde_json::Value;

use super::slow_redis::SlowRedis;
use super::workers_in_process::{Workers, wait_for};

/// Creates a Redis import storage in `project` as `token` over `port`; returns its API path.
async fn redis_storage(
    app: &TestApp,
    token: &str,
    project: i64,
    port: u16,
    fixture: &RedisFixture,
) -> String {
    let config = fixture.config_for(None);
    let password = config.password.as_ref().map(|p| p.expose().to_owned());
    let body = json!({"project": project, "host": "127.0.0.1", "port": port.to_string(),
                      "db": fixture.db(), "path": "t:", "password": password});
    let (status, created) =
        send(app.request_as(token, Method::POST, "/api/storages/redis/").json(&body)).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    format!("/api/storages/redis/{}", created["id"])
}

async fn project_of(app: &TestApp, token: &str) -> i64 {
    let body = json!({"title": "Tenant project", "label_config": "<View><Image name=\"i\" value=\"$image_url\"/></View>"});
    let (status, project) = send(app.request_as(token, Method::POST, "/api/projects/").json(&body)).await;
    assert_eq!(status, StatusCode::CREATED, "{project}");
    project["id"].as_i64().unwrap()
}

async fn status_as(app: &TestApp, token: &str, path: &str) -> Value {
    send(app.request_as(token, Method::GET, path)).await.1
}

/// Two workers; organization A requests ten syncs whose listings hang, then organization B
/// requests one. B's sync completes while every one of A's is still waiting or running, and
/// A never runs more than one at a time (the default cap: half the workers).
async fn one_organizations_slow_syncs_leave_a_worker_for_another(app: TestApp) {
    let Some(fixture) = RedisFixture::for_test("fairness_two_orgs").await else { return };
    let mut conn = fixture.connection().await;
    let _: () = conn.set("t:1", r#"{"image_url": "b1"}"#).await.unwrap();
    let config = fixture.config_for(None);
    let direct_port = config.port.unwrap();
    let slow = SlowRedis::start(format!("{}:{direct_port}", config.host.as_deref().unwrap())).await;

    let a_token = app.admin_token.clone();
    let (_, b_token) = app.other_org("b-admin@example.com").await;
    let a_project = project_of(&app, &a_token).await;
    let mut a_paths = Vec::new();
    for _ in 0..10 {
        a_paths.push(redis_storage(&app, &a_token, a_project, slow.addr.port(), &fixture).await);
    }
    let b_project = project_of(&app, &b_token).await;
    let b_path = redis_storage(&app, &b_token, b_project, direct_port, &fixture).await;

    slow.close();
    for path in &a_paths {
        send(app.request_as(&a_token, Method::POST, &format!("{path}/sync"))).await;
    }
    let workers = Workers::start(&app, 2);
    wait_for(&app, &a_paths[0], |s| s["status"] == "in_progress").await;
    let (status, _) = send(app.request_as(&b_token, Method::POST, &format!("{b_path}/sync"))).await;
    assert_eq!(status, StatusCode::OK);

    let mut b_done = status_as(&app, &b_token, &b_path).await;
    let started = std::time::Instant::now();
    while b_done["status"] != "completed" {
        assert!(started.elapsed().as_secs() < 60, "B's sync never completed: {b_done}");
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        b_done = status_as(&app, &b_token, &b_path).await;
    }
    let mut a_statuses = Vec::new();
    for path in &a_paths {
        a_statuses.push(status_as(&app, &a_token, path).await["status"].as_str().unwrap().to_owned());
    }
    workers.stop().await;
    drop(slow);
    assert_eq!(b_done["last_sync_count"], 1, "{b_done}");
    let in_progress = a_statuses.iter().filter(|s| *s == "in_progress").count();
    let queued = a_statuses.iter().filter(|s| *s == "queued").count();
    assert_eq!((in_progress, queued), (1, 9), "A's syncs when B's completed: {a_statuses:?}");
}
api_test!(one_organizations_slow_syncs_leave_a_worker_for_another);
