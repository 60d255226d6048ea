//! Redis storages end to end against a real redis-server (`LABELSYNC_TEST_REDIS_URL`).

use labelsync_storage::testing::RedisFixture;
use labelsync_tests::{TestApp, api_test, json, send};
use redis::AsyncCommands;
use reqwest::{Method, StatusCode};

fn fields(fixture: &RedisFixture) -> serde_json::Value {
    let config = fixture.config_for(None);
    json!({"host": config.host, "port": config.port.map(|p| p.to_string()), "db": config.db})
}

/// Values under the path prefix become tasks (one object, an array, JSON lines); other keys
/// are not imported; a value that is not task JSON is recorded and the rest imported.
async fn redis_import(app: TestApp) {
    let Some(fixture) = RedisFixture::for_test("redis_import").await else { return };
    let mut conn = fixture.connection().await;
    let _: () = conn.set("tasks:a", r#"{"data": {"image_url": "r1"}}"#).await.unwrap();
    let _: () = conn.set("tasks:b", r#"[{"image_url": "r2"}, {"image_url": "r3"}]"#).await.unwrap();
    let _: () = conn.set("tasks:c", "{\"image_url\": \"r4\"}\n{\"image_url\": \"r5\"}").await.unwrap();
    let _: () = conn.set("tasks:bad", "not json").await.unwrap();
    let _: () = conn.set("other:x", r#"{"image_url": "nope"}"#).await.unwrap();
    let project = app.project().await;
    let mut body = fields(&fixture);
    body["project"] = json!(project);
    body["path"] = json!("tasks:");
    body["password"] = json!(null);
    let (status, storage) = app.post("/api/storages/redis/", body).await;
    assert_eq!(status, StatusCode::CREATED, "{storage}");
    assert!(storage.get("password").is_none());
    let id = storage["id"].as_i64().unwrap();
    let (status, _) = send(app.request(Method::POST, &format!("/api/storages/redis/{id}/sync"))).await;
    assert_eq!(status, StatusCode::OK);
    app.run_jobs().await;
    let (_, storage) = app.get(&format!("/api/storages/redis/{id}")).await;
    assert_eq!(storage["status"], "completed_with_errors", "{storage}");
    assert_eq!(storage["last_sync_count"], 5);
    assert!(storage["traceback"].as_str().unwrap().contains("tasks:bad"));
    let (_, page) = app.get(&format!("/api/tasks/?project={project}")).await;
    let mut urls: Vec<String> = page["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["data"]["image_url"].as_str().unwrap().to_owned())
        .collect();
    urls.sort();
    assert_eq!(urls, ["r1", "r2", "r3", "r4", "r5"]);
    // Nothing new on a re-sync.
    send(app.request(Method::POST, &format!("/api/storages/redis/{id}/sync"))).await;
    app.run_jobs().await;
    assert_eq!(app.get(&format!("/api/storages/redis/{id}")).await.1["last_sync_count"], 0);
}
api_test!(redis_import);

/// Annotations are written to the export database under their id, as Label Studio does.
async fn redis_export(app: TestApp) {
    let Some(fixture) = RedisFixture::for_test("redis_export").await else { return };
    let project = app.project().await;
    app.import(project, json!([{"image_url": "http://x/1.jpg"}])).await;
    let mut body = fields(&fixture);
    body["project"] = json!(project);
    let (status, storage) = app.post("/api/storages/export/redis", body).await;
    assert_eq!(status, StatusCode::CREATED, "{storage}");
    let (_, tasks) = app.get(&format!("/api/tasks/?project={project}")).await;
    let task = tasks["tasks"][0]["id"].as_i64().unwrap();
    let (_, annotation) = app.post(&format!("/api/tasks/{task}/annotations/"), json!({"result": []})).await;
    app.run_jobs().await;
    let mut conn = fixture.connection().await;
    let stored: String = conn.get(annotation["id"].to_string()).await.unwrap();
    let stored: serde_json::Value = serde_json::from_str(&stored).unwrap();
    assert_eq!(stored["id"], annotation["id"]);
    assert_eq!(stored["task"]["id"], task);
}
api_test!(redis_export);

/// A Redis storage on a loopback host is refused when SSRF protection is on (403, as LS).
async fn redis_ssrf(app: TestApp) {
    let project = app.project().await;
    let (status, body) = app
        .post(
            "/api/storages/redis/",
            json!({"project": project, "host": "127.0.0.1", "port": "6379", "db": 1}),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert!(body["detail"].as_str().unwrap().contains("127.0.0.0/8"), "{body}");
}
api_test!(redis_ssrf, |args| args.worker.storage.ssrf_protection_enabled = true);
