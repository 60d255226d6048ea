//! Import sync and export through local-files storages: the sync engine end to end.

use std::fs;

use labelsync_tests::{TestApp, api_test, json, send};
use reqwest::{Method, StatusCode};
use serde_json::Value;

/// Creates `root/<name>` with `files` (relative path, contents) and a local-files import
/// storage on it; returns the storage id.
async fn local_import(app: &TestApp, project: i64, name: &str, files: &[(&str, &str)], extra: Value) -> i64 {
    let dir = app.dir.join(name);
    for (path, body) in files {
        let file = dir.join(path);
        fs::create_dir_all(file.parent().unwrap()).unwrap();
        fs::write(file, body).unwrap();
    }
    fs::create_dir_all(&dir).unwrap();
    let mut body = json!({"project": project, "path": dir, "title": name});
    body.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
    let (status, created) = app.post("/api/storages/localfiles/", body).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    created["id"].as_i64().unwrap()
}

async fn sync(app: &TestApp, path: &str) -> Value {
    let (status, queued) = send(app.request(Method::POST, path)).await;
    assert_eq!(status, StatusCode::OK, "{queued}");
    assert_eq!(queued["status"], "queued", "sync returns at once: {queued}");
    app.run_jobs().await;
    let item = path.trim_end_matches("/sync");
    app.get(item).await.1
}

async fn task_data(app: &TestApp, project: i64) -> Vec<Value> {
    let (_, body) = app.get(&format!("/api/tasks/?project={project}&page_size=1000")).await;
    body["tasks"].as_array().unwrap().iter().map(|t| t["data"].clone()).collect()
}

/// Files mode: one task per matching file, named by the label config's data key, with
/// Label Studio's local-files URL; a re-sync imports nothing new; recursion adds nested files.
async fn blob_import_and_resync(app: TestApp) {
    let project = app.project().await;
    let files =
        [("a.jpg", "A"), ("b.png", "B"), ("notes.txt", "N"), ("sub/c.png", "C"), ("sub/d d.jpg", "D")];
    let id = local_import(
        &app,
        project,
        "ds1",
        &files,
        json!({"use_blob_urls": true, "regex_filter": ".*\\.(png|jpg)"}),
    )
    .await;
    let path = format!("/api/storages/localfiles/{id}/sync");
    let storage = sync(&app, &path).await;
    assert_eq!(storage["status"], "completed", "{storage}");
    assert_eq!(storage["last_sync_count"], 2);
    assert_eq!(storage["meta"]["attempts"], 1);
    assert!(storage["last_sync"].is_string());
    let mut data = task_data(&app, project).await;
    data.sort_by_key(|d| d.to_string());
    assert_eq!(
        data,
        vec![
            json!({"image_url": "/data/local-files/?d=ds1/a.jpg"}),
            json!({"image_url": "/data/local-files/?d=ds1/b.png"})
        ]
    );
    let storage = sync(&app, &path).await;
    assert_eq!(
        (storage["last_sync_count"].clone(), storage["meta"]["tasks_existed"].clone()),
        (json!(0), json!(2))
    );
    app.patch(&format!("/api/storages/localfiles/{id}"), json!({"recursive_scan": true})).await;
    let storage = sync(&app, &path).await;
    assert_eq!(storage["last_sync_count"], 2, "{storage}");
    assert!(
        task_data(&app, project)
            .await
            .contains(&json!({"image_url": "/data/local-files/?d=ds1/sub/d%20d.jpg"}))
    );
    let (_, task) = app.get(&format!("/api/tasks/?project={project}")).await;
    let filename = task["tasks"][0]["storage_filename"].as_str().unwrap();
    assert!(filename.starts_with(&app.dir.display().to_string()), "{filename}");
}
api_test!(blob_import_and_resync);

/// Tasks mode: objects, arrays and JSON lines become tasks; a malformed file and an image are
/// recorded with their reasons, the rest is imported, and the status says so.
async fn json_import_with_errors(app: TestApp) {
    let project = app.project().await;
    let files = [
        ("one.json", r#"{"data": {"image_url": "http://x/1.jpg"}, "annotations": [{"result": []}]}"#),
        ("many.json", r#"[{"image_url": "http://x/2.jpg"}, {"data": {"image_url": "http://x/3.jpg"}}]"#),
        ("lines.jsonl", "{\"image_url\": \"http://x/4.jpg\"}\n{\"image_url\": \"http://x/5.jpg\"}\n"),
        ("broken.json", "{\"image_url\": "),
        ("photo.jpg", "\u{ff}\u{d8}"),
    ];
    let id = local_import(&app, project, "tasks", &files, json!({})).await;
    let storage = sync(&app, &format!("/api/storages/localfiles/{id}/sync")).await;
    assert_eq!(storage["status"], "completed_with_errors", "{storage}");
    assert_eq!(storage["last_sync_count"], 5);
    assert_eq!(storage["meta"]["tasks_failed_validation"], 2);
    let traceback = storage["traceback"].as_str().unwrap();
    assert!(traceback.contains("broken.json") && traceback.contains("photo.jpg"), "{traceback}");
    let data = task_data(&app, project).await;
    assert_eq!(data.len(), 5);
    let (_, page) = app.get(&format!("/api/tasks/?project={project}&fields=all")).await;
    let annotated = page["tasks"].as_array().unwrap().iter().filter(|t| t["total_annotations"] == 1).count();
    assert_eq!(annotated, 1);
}
api_test!(json_import_with_errors);

/// Many small batches (7 objects, so Tasks mode also splits a batch's rows over two writes):
/// in blob mode and in Tasks mode every object becomes its tasks exactly once, with distinct
/// inner ids and an exact `last_sync_count`, and a re-sync finds every link and adds nothing.
async fn many_small_batches(app: TestApp) {
    let project = app.project().await;
    let blobs: Vec<(String, String)> = (0..60).map(|i| (format!("img-{i:03}.png"), format!("{i}"))).collect();
    let files: Vec<(&str, &str)> = blobs.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let blob_id = local_import(&app, project, "blobs", &files, json!({"use_blob_urls": true})).await;
    let rows: Vec<(String, String)> = (0..25)
        .map(|i| (format!("t-{i:03}.json"), format!(r#"[{{"n": {i}}}, {{"n": {}}}]"#, i + 100)))
        .collect();
    let files: Vec<(&str, &str)> = rows.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let json_id = local_import(&app, project, "rows", &files, json!({})).await;

    for (id, expected) in [(blob_id, 60), (json_id, 50)] {
        let path = format!("/api/storages/localfiles/{id}/sync");
        let storage = sync(&app, &path).await;
        assert_eq!(
            (storage["status"].as_str(), storage["last_sync_count"].as_i64()),
            (Some("completed"), Some(expected))
        );
        let storage = sync(&app, &path).await;
        assert_eq!(storage["last_sync_count"], 0, "{storage}");
        assert_eq!(storage["meta"]["tasks_existed"], expected, "{storage}");
    }
    let (_, page) = app.get(&format!("/api/tasks/?project={project}&fields=all&page_size=1000")).await;
    let tasks = page["tasks"].as_array().unwrap();
    assert_eq!(tasks.len(), 110);
    let inner: std::collections::HashSet<i64> =
        tasks.iter().map(|t| t["inner_id"].as_i64().unwrap()).collect();
    assert_eq!(inner.len(), 110, "inner ids are distinct");
    let data: std::collections::HashSet<String> = tasks.iter().map(|t| t["data"].to_string()).collect();
    assert_eq!(data.len(), 110, "no object was imported twice");
}
api_test!(many_small_batches, |args| args.worker.sync_batch_size = 7);

/// A sync request while one is queued coalesces: one job, one import.
async fn repeated_sync_requests_coalesce(app: TestApp) {
    let project = app.project().await;
    let id = local_import(&app, project, "c", &[("a.jpg", "A")], json!({"use_blob_urls": true})).await;
    let path = format!("/api/storages/localfiles/{id}/sync");
    for _ in 0..3 {
        let (status, _) = send(app.request(Method::POST, &path)).await;
        assert_eq!(status, StatusCode::OK);
    }
    let drained = app.run_jobs().await;
    assert_eq!(drained.succeeded, 1);
    assert_eq!(task_data(&app, project).await.len(), 1);
}
api_test!(repeated_sync_requests_coalesce);

/// Deleting an import storage keeps its tasks; deleting a task lets the next sync re-import
/// its object.
async fn deletes(app: TestApp) {
    let project = app.project().await;
    let id =
        local_import(&app, project, "d", &[("a.jpg", "A"), ("b.jpg", "B")], json!({"use_blob_urls": true}))
            .await;
    let path = format!("/api/storages/localfiles/{id}/sync");
    sync(&app, &path).await;
    let (_, tasks) = app.get(&format!("/api/tasks/?project={project}")).await;
    let first = tasks["tasks"][0]["id"].as_i64().unwrap();
    app.delete(&format!("/api/tasks/{first}/")).await;
    assert_eq!(sync(&app, &path).await["last_sync_count"], 1);
    app.delete(&format!("/api/storages/localfiles/{id}")).await;
    assert_eq!(task_data(&app, project).await.len(), 2);
}
api_test!(deletes);

/// Export: a new export storage receives every existing annotation; later saves are exported
/// automatically with Label Studio's key and JSON; deletes remove the file when asked to.
async fn export_round_trip(app: TestApp) {
    let project = app.project().await;
    app.import(project, json!([{"image_url": "http://x/1.jpg"}])).await;
    let (_, tasks) = app.get(&format!("/api/tasks/?project={project}")).await;
    let task = tasks["tasks"][0]["id"].as_i64().unwrap();
    let result =
        json!([{"from_name": "label", "to_name": "image", "type": "choices", "value": {"choices": ["pos"]}}]);
    let (_, first) = app.post(&format!("/api/tasks/{task}/annotations/"), json!({"result": result})).await;
    let first = first["id"].as_i64().unwrap();
    let out = app.dir.join("out");
    fs::create_dir_all(&out).unwrap();
    let (status, storage) = app
        .post(
            "/api/storages/export/localfiles",
            json!({"project": project, "path": out, "can_delete_objects": true}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{storage}");
    assert_eq!(storage["status"], "queued");
    app.run_jobs().await;
    let written: Value = serde_json::from_slice(&fs::read(out.join(first.to_string())).unwrap()).unwrap();
    assert_eq!(written["id"], first);
    assert_eq!(written["result"], result);
    assert_eq!(written["task"]["id"], task);
    assert_eq!(written["task"]["data"], json!({"image_url": "http://x/1.jpg"}));
    assert_eq!(written["completed_by"]["email"], "admin@example.com");
    let (_, second) = app.post(&format!("/api/tasks/{task}/annotations/"), json!({"result": []})).await;
    let second = second["id"].as_i64().unwrap();
    app.run_jobs().await;
    assert!(out.join(second.to_string()).exists());
    app.delete(&format!("/api/annotations/{second}/")).await;
    app.run_jobs().await;
    assert!(!out.join(second.to_string()).exists());
    let sid = storage["id"].as_i64().unwrap();
    let (_, synced) = app.get(&format!("/api/storages/export/localfiles/{sid}")).await;
    assert_eq!(synced["status"], "completed", "{synced}");
    assert_eq!(synced["last_sync_count"], 1);
}
api_test!(export_round_trip);

/// An export storage that fails does not lose the annotation; the failure shows on the storage.
async fn export_failure_is_visible(app: TestApp) {
    let project = app.project().await;
    app.import(project, json!([{"image_url": "http://x/1.jpg"}])).await;
    let out = app.dir.join("gone");
    fs::create_dir_all(&out).unwrap();
    let (_, storage) =
        app.post("/api/storages/export/localfiles", json!({"project": project, "path": out})).await;
    app.run_jobs().await;
    fs::remove_dir_all(&out).unwrap();
    let (_, tasks) = app.get(&format!("/api/tasks/?project={project}")).await;
    let task = tasks["tasks"][0]["id"].as_i64().unwrap();
    let (status, _) = app.post(&format!("/api/tasks/{task}/annotations/"), json!({"result": []})).await;
    assert_eq!(status, StatusCode::CREATED);
    app.run_jobs().await;
    let sid = storage["id"].as_i64().unwrap();
    let (_, after) = app.get(&format!("/api/storages/export/localfiles/{sid}")).await;
    assert_eq!(after["status"], "failed", "{after}");
    assert!(after["traceback"].as_str().unwrap().contains("export"), "{after}");
    assert_eq!(app.get(&format!("/api/tasks/{task}/annotations/")).await.1.as_array().unwrap().len(), 1);
}
api_test!(export_failure_is_visible);
