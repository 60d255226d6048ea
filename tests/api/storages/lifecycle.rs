//! The sync lifecycle on local files (every rule here is backend-independent; `policies.rs`
//! runs the policies on every backend): `sync_deleted`, `sync_changed`, live counters, the
//! dry-run diff and the error ledger.

use std::fs;
use std::path::Path;
use std::time::{Duration, SystemTime};

use labelsync_tests::{TestApp, api_test, json, send};
use reqwest::{Method, StatusCode};
use serde_json::Value;

/// A local-files import storage over `root/<name>` holding `files`; returns its item path.
pub async fn local_storage(
    app: &TestApp,
    project: i64,
    name: &str,
    files: &[(&str, &str)],
    extra: Value,
) -> String {
    let dir = app.dir.join(name);
    fs::create_dir_all(&dir).unwrap();
    for (file, body) in files {
        write(&dir.join(file), body);
    }
    let mut body = json!({"project": project, "path": dir});
    body.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
    let (status, created) = app.post("/api/storages/localfiles/", body).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    format!("/api/storages/localfiles/{}", created["id"])
}

/// Writes `body` to `file` with a modification time that differs from any earlier write.
pub fn write(file: &Path, body: &str) {
    fs::create_dir_all(file.parent().unwrap()).unwrap();
    let later = fs::metadata(file).ok().and_then(|m| m.modified().ok()).map(|t| t + Duration::from_secs(1));
    fs::write(file, body).unwrap();
    let when = later.unwrap_or_else(SystemTime::now).max(SystemTime::now());
    fs::File::options().write(true).open(file).unwrap().set_modified(when).unwrap();
}

/// Syncs the storage at `path` to its end and returns it.
pub async fn sync(app: &TestApp, path: &str) -> Value {
    let (status, queued) = send(app.request(Method::POST, &format!("{path}/sync"))).await;
    assert_eq!(status, StatusCode::OK, "{queued}");
    app.run_jobs().await;
    app.get(path).await.1
}

/// The project's tasks as `(id, data, total_annotations)`, by id.
pub async fn tasks(app: &TestApp, project: i64) -> Vec<(i64, Value, i64)> {
    let (_, page) = app.get(&format!("/api/tasks/?project={project}&page_size=1000&fields=all")).await;
    let mut all: Vec<_> = page["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| (t["id"].as_i64().unwrap(), t["data"].clone(), t["total_annotations"].as_i64().unwrap()))
        .collect();
    all.sort_by_key(|t| t.0);
    all
}

pub async fn annotate(app: &TestApp, task: i64) {
    let result =
        json!([{"from_name": "label", "to_name": "image", "type": "choices", "value": {"choices": ["pos"]}}]);
    let (status, body) =
        app.post(&format!("/api/tasks/{task}/annotations/"), json!({"result": result})).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
}

/// The counters of `meta` as `[listed, created, updated, deleted, skipped, failed, missing]`.
pub fn counts(storage: &Value) -> [i64; 7] {
    let meta = &storage["meta"];
    [
        "objects_listed",
        "tasks_created",
        "tasks_updated",
        "tasks_deleted",
        "objects_skipped",
        "objects_failed",
        "objects_missing",
    ]
    .map(|key| meta[key].as_i64().unwrap_or_else(|| panic!("meta.{key} in {storage}")))
}

/// `sync_deleted`: by default a vanished file's task stays; `delete_unlabeled` deletes the
/// unlabeled ones only; `delete` deletes the rest. The fields are shown, patched and checked.
async fn vanished_objects_follow_sync_deleted(app: TestApp) {
    let project = app.project().await;
    let files = [("a.jpg", "A"), ("b.jpg", "B"), ("c.jpg", "C")];
    let path = local_storage(&app, project, "gone", &files, json!({"use_blob_urls": true})).await;
    let (_, shown) = app.get(&path).await;
    assert_eq!(
        (shown["sync_deleted"].as_str(), shown["sync_changed"].as_str()),
        (Some("keep"), Some("keep"))
    );
    let storage = sync(&app, &path).await;
    assert_eq!(counts(&storage), [3, 3, 0, 0, 0, 0, 0], "{storage}");
    let all = tasks(&app, project).await;
    annotate(&app, all[0].0).await;
    fs::remove_file(app.dir.join("gone/a.jpg")).unwrap();
    fs::remove_file(app.dir.join("gone/b.jpg")).unwrap();

    let storage = sync(&app, &path).await;
    assert_eq!(counts(&storage), [1, 0, 0, 0, 1, 0, 2], "keep: both missing, nothing deleted: {storage}");
    assert_eq!(tasks(&app, project).await.len(), 3);

    let (status, body) = app.patch(&path, json!({"sync_deleted": "sometimes"})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "an unknown policy is refused: {body}");
    let (status, body) = app.patch(&path, json!({"sync_deleted": "delete_unlabeled"})).await;
    assert_eq!((status, body["sync_deleted"].as_str()), (StatusCode::OK, Some("delete_unlabeled")), "{body}");
    let storage = sync(&app, &path).await;
    assert_eq!(storage["meta"]["tasks_deleted"], 1, "{storage}");
    let left: Vec<i64> = tasks(&app, project).await.iter().map(|t| t.0).collect();
    assert_eq!(left, [all[0].0, all[2].0], "the labeled task of a.jpg stays");

    app.patch(&path, json!({"sync_deleted": "delete"})).await;
    let storage = sync(&app, &path).await;
    assert_eq!(
        (storage["meta"]["tasks_deleted"].as_i64(), storage["status"].as_str()),
        (Some(1), Some("completed"))
    );
    assert_eq!(tasks(&app, project).await.iter().map(|t| t.0).collect::<Vec<_>>(), [all[2].0]);

    write(&app.dir.join("gone/a.jpg"), "A again");
    let storage = sync(&app, &path).await;
    assert_eq!(storage["meta"]["tasks_created"], 1, "a file that comes back is imported again: {storage}");
}
api_test!(vanished_objects_follow_sync_deleted);

/// `sync_changed`: a changed task file keeps its tasks' data under `keep`; under `update` its
/// rows replace their tasks' data by position (annotations stay), a new row is a new task, and
/// under `sync_deleted: delete_unlabeled` the unlabeled task of a row that is gone is deleted.
async fn changed_task_files_follow_sync_changed(app: TestApp) {
    let project = app.project().await;
    let rows = |texts: &[&str]| {
        let rows: Vec<Value> = texts.iter().map(|t| json!({"image_url": t})).collect();
        Value::Array(rows).to_string()
    };
    let path = local_storage(&app, project, "rows", &[("t.json", &rows(&["1", "2"]))], json!({})).await;
    let storage = sync(&app, &path).await;
    assert_eq!(storage["meta"]["tasks_created"], 2, "{storage}");
    let first = tasks(&app, project).await;
    annotate(&app, first[0].0).await;
    let file = app.dir.join("rows/t.json");
    write(&file, &rows(&["1b", "2b", "3"]));

    let storage = sync(&app, &path).await;
    assert_eq!(counts(&storage), [1, 0, 0, 0, 1, 0, 0], "keep: the change is skipped: {storage}");
    assert_eq!(tasks(&app, project).await[0].1, json!({"image_url": "1"}));

    app.patch(&path, json!({"sync_changed": "update"})).await;
    let storage = sync(&app, &path).await;
    assert_eq!(counts(&storage), [1, 1, 2, 0, 0, 0, 0], "{storage}");
    let now = tasks(&app, project).await;
    let data: Vec<&Value> = now.iter().map(|t| &t.1).collect();
    assert_eq!(data, [&json!({"image_url": "1b"}), &json!({"image_url": "2b"}), &json!({"image_url": "3"})]);
    assert_eq!((now[0].0, now[0].2), (first[0].0, 1), "same task, annotation still attached");

    let storage = sync(&app, &path).await;
    assert_eq!(counts(&storage), [1, 0, 0, 0, 1, 0, 0], "updated once, then unchanged: {storage}");

    app.patch(&path, json!({"sync_deleted": "delete_unlabeled"})).await;
    write(&file, &rows(&["1c"]));
    let storage = sync(&app, &path).await;
    assert_eq!(counts(&storage), [1, 0, 1, 2, 0, 0, 0], "{storage}");
    let left = tasks(&app, project).await;
    assert_eq!(
        left.iter().map(|t| (t.0, t.1.clone())).collect::<Vec<_>>(),
        [(first[0].0, json!({"image_url": "1c"}))]
    );
}
api_test!(changed_task_files_follow_sync_changed);

/// The dry run lists what the next sync does (new, changed, missing, unchanged, with samples)
/// and writes nothing; the sync that follows does exactly that.
async fn diff_matches_the_next_sync(app: TestApp) {
    let project = app.project().await;
    let files = [("keep.jpg", "K"), ("change.jpg", "C"), ("vanish.jpg", "V")];
    let path = local_storage(&app, project, "diff", &files, json!({"use_blob_urls": true})).await;
    sync(&app, &path).await;
    let (status, queued) = send(app.request(Method::POST, &format!("{path}/diff"))).await;
    assert_eq!(status, StatusCode::CREATED, "{queued}");
    assert_eq!(queued["status"], "queued");
    write(&app.dir.join("diff/change.jpg"), "C2");
    write(&app.dir.join("diff/new.jpg"), "N");
    fs::remove_file(app.dir.join("diff/vanish.jpg")).unwrap();
    app.patch(&path, json!({"sync_changed": "update", "sync_deleted": "delete"})).await;
    let (status, queued) = send(app.request(Method::POST, &format!("{path}/diff"))).await;
    assert_eq!(status, StatusCode::CREATED);
    let before = tasks(&app, project).await;
    app.run_jobs().await;
    assert_eq!(tasks(&app, project).await, before, "a dry run writes no task");
    let (status, diff) = app.get(&format!("{path}/diff/{}", queued["id"])).await;
    assert_eq!(status, StatusCode::OK, "{diff}");
    assert_eq!(diff["status"], "completed", "{diff}");
    let counts_of = |d: &Value| ["new", "changed", "missing", "unchanged"].map(|k| d[k].as_i64().unwrap());
    assert_eq!(counts_of(&diff), [1, 1, 1, 1], "{diff}");
    for (kind, name) in
        [("new", "/diff/new.jpg"), ("changed", "/diff/change.jpg"), ("missing", "/diff/vanish.jpg")]
    {
        let samples = diff["samples"][kind].as_array().unwrap();
        assert!(samples.len() == 1 && samples[0].as_str().unwrap().ends_with(name), "{kind}: {diff}");
    }
    assert_eq!((diff["objects_to_update"].as_i64(), diff["tasks_to_delete"].as_i64()), (Some(1), Some(1)));

    let storage = sync(&app, &path).await;
    let [_, created, updated, deleted, skipped, _, missing] = counts(&storage);
    assert_eq!(
        [created, updated, deleted, skipped, missing],
        [1, 1, 1, 1, 1],
        "the sync did what the diff said: {storage}"
    );
    let (status, _) = app.get(&format!("{path}/diff/999999")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}
api_test!(diff_matches_the_next_sync);

/// The error ledger pages through the latest sync's failed objects with their reasons; the
/// next sync starts it again; another organization cannot read it.
async fn error_ledger_pages(app: TestApp) {
    let project = app.project().await;
    let broken: Vec<(String, String)> =
        (0..25).map(|i| (format!("bad-{i:02}.json"), "{\"oops\": ".to_owned())).collect();
    let mut files: Vec<(&str, &str)> = broken.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    files.push(("good.json", r#"{"image_url": "x"}"#));
    let path = local_storage(&app, project, "ledger", &files, json!({})).await;
    let storage = sync(&app, &path).await;
    assert_eq!(storage["status"], "completed_with_errors");
    assert_eq!(storage["meta"]["objects_failed"], 25, "{storage}");
    let (status, page) = app.get(&format!("{path}/errors?page_size=10")).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert_eq!(page["count"], 25);
    let results = page["results"].as_array().unwrap();
    assert_eq!(results.len(), 10);
    assert!(results[0]["key"].as_str().unwrap().ends_with("bad-00.json"), "{page}");
    assert!(results[0]["reason"].as_str().unwrap().contains("Can't import JSON-formatted tasks"), "{page}");
    assert!(results[0]["at"].is_string());
    assert!(page["next"].as_str().unwrap().contains("page=2"));
    let (_, last) = app.get(&format!("{path}/errors?page_size=10&page=3")).await;
    assert_eq!(last["results"].as_array().unwrap().len(), 5);
    let (status, _) = app.get(&format!("{path}/errors?page=4&page_size=10")).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "a page past the end");

    let (_, other) = app.other_org("intruder@example.com").await;
    let (status, _) = send(app.request_as(&other, Method::GET, &format!("{path}/errors"))).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "another organization's ledger does not exist for it");

    for (file, _) in &broken {
        fs::remove_file(app.dir.join("ledger").join(file)).unwrap();
    }
    sync(&app, &path).await;
    let (_, page) = app.get(&format!("{path}/errors")).await;
    assert_eq!(page["count"], 0, "the next sync starts a new ledger: {page}");
}
api_test!(error_ledger_pages);

/// A resumed sync whose checkpoint the storage refuses (its path changed since) lists from the
/// start instead of failing, and imports everything once.
async fn unusable_checkpoint_lists_from_the_start(app: TestApp) {
    let project = app.project().await;
    let files = [("a.jpg", "A"), ("b.jpg", "B")];
    let path = local_storage(&app, project, "restart", &files, json!({"use_blob_urls": true})).await;
    let id: i64 = path.rsplit('/').next().unwrap().parse().unwrap();
    let sql = format!(
        "update storages set status = 'in_progress', sync_checkpoint = '/elsewhere/zzz.jpg' where id = {id}"
    );
    assert_eq!(labelsync_db::testing::execute_raw(&app.db, &sql).await.unwrap(), 1);
    let job = labelsync_sync::jobs::ImportSync { storage_id: id, organization_id: Some(app.org_id) };
    labelsync_queue::enqueue(&app.db, &job).await.unwrap();
    app.run_jobs().await;
    let (_, storage) = app.get(&path).await;
    assert_eq!(storage["status"], "completed", "{storage}");
    assert_eq!(
        (storage["meta"]["objects_listed"].as_i64(), storage["last_sync_count"].as_i64()),
        (Some(2), Some(2))
    );
    assert!(storage["meta"].get("resumed_from").is_none(), "it did not resume: {storage}");
    assert_eq!(tasks(&app, project).await.len(), 2);
}
api_test!(unusable_checkpoint_lists_from_the_start);

/// A dry run of a storage that cannot be listed ends `failed` with the reason, and changes
/// nothing else.
async fn failed_diff_says_why(app: TestApp) {
    let project = app.project().await;
    let path =
        local_storage(&app, project, "vanishing", &[("a.jpg", "A")], json!({"use_blob_urls": true})).await;
    fs::remove_dir_all(app.dir.join("vanishing")).unwrap();
    let (status, queued) = send(app.request(Method::POST, &format!("{path}/diff"))).await;
    assert_eq!(status, StatusCode::CREATED, "{queued}");
    app.run_jobs().await;
    let (_, diff) = app.get(&format!("{path}/diff/{}", queued["id"])).await;
    assert_eq!(diff["status"], "failed", "{diff}");
    assert!(diff["error"].as_str().is_some_and(|e| !e.is_empty()), "{diff}");
    assert!(diff["completed_at"].is_string() && diff.get("new").is_none(), "{diff}");
    let (_, storage) = app.get(&path).await;
    assert_eq!(storage["status"], "initialized", "a dry run leaves the storage's status alone");
}
api_test!(failed_diff_says_why);
