//! Which changes send which events: sync runs (`STORAGE_SYNC_*` with the storage and its counts),
//! writers (annotations, tasks, projects), the signing key at rest, and deliveries nobody answers.

use std::time::Duration;

use labelsync_tests::{TestApp, api_test, json, send};
use reqwest::{Method, StatusCode};
use serde_json::Value;

use super::{Received, create, receiver, run_until};

/// A local-files sync sends `STORAGE_SYNC_STARTED` and `STORAGE_SYNC_COMPLETED` with the storage
/// (id, type, project, status) and its counts, and `TASKS_CREATED` for the tasks it made.
async fn sync_events_carry_the_storage_and_counts(app: TestApp) {
    let (url, inbox) = receiver(0).await;
    let project = app.project().await;
    create(&app, json!({"project": project, "url": url})).await;
    let dir = app.dir.join("in");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("a.json"), r#"{"image_url": "a.jpg"}"#).unwrap();
    std::fs::write(dir.join("b.json"), r#"{"image_url": "b.jpg"}"#).unwrap();
    let (status, storage) =
        app.post("/api/storages/localfiles/", json!({"project": project, "path": dir})).await;
    assert_eq!(status, StatusCode::CREATED, "{storage}");
    let (status, body) =
        send(app.request(Method::POST, &format!("/api/storages/localfiles/{}/sync", storage["id"]))).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    run_until(&app, "STORAGE_SYNC_COMPLETED", || !inbox.of("STORAGE_SYNC_COMPLETED").is_empty()).await;

    let started = inbox.of("STORAGE_SYNC_STARTED");
    assert_eq!(started.len(), 1);
    assert_eq!(started[0].json()["storage"]["status"], "in_progress");
    let completed = inbox.of("STORAGE_SYNC_COMPLETED").remove(0).json();
    let s = &completed["storage"];
    assert_eq!(
        (&s["id"], &s["type"], &s["project"], &s["status"]),
        (&storage["id"], &json!("localfiles"), &json!(project), &json!("completed")),
        "{s}"
    );
    assert_eq!((&s["meta"]["tasks_created"], &s["meta"]["objects_listed"]), (&json!(2), &json!(2)), "{s}");
    assert!(s["meta"]["time_completed"].is_string(), "{s}");
    assert_eq!(completed["project"]["id"], json!(project));
    let created = inbox.of("TASKS_CREATED");
    let tasks: usize = created.iter().map(|r| r.json()["tasks"].as_array().unwrap().len()).sum();
    assert_eq!(tasks, 2);
}
api_test!(sync_events_carry_the_storage_and_counts);

/// Annotation and project writes send Label Studio's events: `ANNOTATION_CREATED` and
/// `ANNOTATION_UPDATED` with the annotation, task and project, `ANNOTATIONS_DELETED` and
/// `TASKS_DELETED` with ids, `PROJECT_UPDATED`; organization-only `PROJECT_CREATED` and
/// `PROJECT_DELETED` reach the organization-wide webhook only; `send_payload=false` sends only
/// the action.
async fn writers_emit_label_studio_events(app: TestApp) {
    let (url, inbox) = receiver(0).await;
    let (bare_url, bare) = receiver(0).await;
    let project = app.project().await;
    create(&app, json!({"project": project, "url": url})).await;
    create(&app, json!({"url": bare_url, "send_payload": false})).await;
    let task = app.import(project, json!([{"image_url": "a.jpg"}])).await[0];
    let (_, annotation) = app.post(&format!("/api/tasks/{task}/annotations/"), json!({"result": []})).await;
    let annotation = annotation["id"].as_i64().unwrap();
    app.patch(&format!("/api/annotations/{annotation}/"), json!({"result": [], "lead_time": 2.0})).await;
    app.delete(&format!("/api/annotations/{annotation}/")).await;
    app.delete(&format!("/api/tasks/{task}/")).await;
    app.patch(&format!("/api/projects/{project}/"), json!({"title": "renamed"})).await;
    let other = app.project().await;
    app.delete(&format!("/api/projects/{other}/")).await;
    run_until(&app, "every event", || bare.all().len() >= 8 && inbox.all().len() >= 6).await;

    let one = |action: &str| {
        let got = inbox.of(action);
        assert_eq!(got.len(), 1, "{action}: {got:?}");
        got[0].json()
    };
    let created = one("ANNOTATION_CREATED");
    assert_eq!(
        (&created["annotation"]["id"], &created["task"]["id"], &created["project"]["id"]),
        (&json!(annotation), &json!(task), &json!(project))
    );
    assert_eq!(one("ANNOTATION_UPDATED")["annotation"]["lead_time"], json!(2.0));
    assert_eq!(one("ANNOTATIONS_DELETED")["annotations"], json!([{"id": annotation}]));
    assert_eq!(one("TASKS_DELETED")["tasks"], json!([{"id": task}]));
    assert_eq!(one("PROJECT_UPDATED")["project"]["title"], "renamed");
    assert!(
        inbox.of("PROJECT_CREATED").is_empty() && inbox.of("PROJECT_DELETED").is_empty(),
        "organization-only"
    );
    let actions: Vec<Value> = bare.all().iter().map(Received::json).collect();
    assert!(actions.iter().all(|a| a.as_object().unwrap().len() == 1), "only the action: {actions:?}");
    for action in ["PROJECT_CREATED", "PROJECT_DELETED", "TASKS_CREATED", "ANNOTATION_UPDATED"] {
        assert!(actions.contains(&json!({"action": action})), "{action} missing: {actions:?}");
    }
}
api_test!(writers_emit_label_studio_events);

/// The signing key is sealed at rest, bound to its webhook (it opens for that row only), and never
/// appears in a list, a get or an update answer.
async fn signing_key_is_sealed_at_rest(app: TestApp) {
    let hook = create(&app, json!({"url": "http://127.0.0.1:9/a"})).await;
    let (id, secret) = (hook["id"].as_i64().unwrap(), hook["secret"].as_str().unwrap().to_owned());
    let row = labelsync_db::webhooks::find_unscoped(&app.db, id).await.unwrap().unwrap();
    let sealed = row.secret.expect("a sealed key");
    assert!(!sealed.contains(&secret) && labelsync_sync::crypto::SecretBox::is_bound(&sealed), "{sealed}");
    let opened = app.sync.secrets.open(&sealed, labelsync_sync::crypto::Binding::webhook_secret(id)).unwrap();
    assert_eq!(opened, secret.as_bytes());
    assert!(app.sync.secrets.open(&sealed, labelsync_sync::crypto::Binding::webhook_secret(id + 1)).is_err());
    let (_, list) = app.get("/api/webhooks/").await;
    let (_, patched) = app.patch(&format!("/api/webhooks/{id}/"), json!({"is_active": false})).await;
    for answer in [list, app.get(&format!("/api/webhooks/{id}/")).await.1, patched] {
        assert!(!answer.to_string().contains(&secret), "{answer}");
    }
}
api_test!(signing_key_is_sealed_at_rest);

/// A receiver that never answers in time (`WEBHOOK_TIMEOUT`) fails each attempt; when the queue
/// gives up, the delivery is `failed` with every attempt counted and the timeout as its error.
async fn unanswered_deliveries_fail_after_their_attempts(app: TestApp) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    // Accepts connections and never answers.
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            held.push(socket);
        }
    });
    let project = app.project().await;
    let hook = create(&app, json!({"project": project, "url": url})).await;
    app.import(project, json!([{"image_url": "a.jpg"}])).await;
    let log = format!("/api/webhooks/{}/deliveries", hook["id"]);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    let delivery = loop {
        app.run_jobs().await;
        let (_, page) = app.get(&log).await;
        if page["results"][0]["status"] == "failed" {
            break page["results"][0].clone();
        }
        assert!(tokio::time::Instant::now() < deadline, "never failed: {page}");
    };
    assert_eq!((&delivery["attempts"], &delivery["status_code"]), (&json!(5), &Value::Null), "{delivery}");
    assert!(delivery["last_error"].as_str().unwrap().contains("timed out"), "{delivery}");
}
api_test!(unanswered_deliveries_fail_after_their_attempts, |args| args.worker.webhook_timeout = 0.2);

/// A sync that fails for good sends `STORAGE_SYNC_FAILED` with the storage `failed` and its
/// traceback.
async fn failed_sync_is_sent(app: TestApp) {
    let (url, inbox) = receiver(0).await;
    let project = app.project().await;
    let only = json!(["STORAGE_SYNC_FAILED"]);
    create(&app, json!({"project": project, "url": url, "send_for_all_actions": false, "actions": only}))
        .await;
    let dir = app.dir.join("gone");
    std::fs::create_dir_all(&dir).unwrap();
    let (status, storage) =
        app.post("/api/storages/localfiles/", json!({"project": project, "path": dir})).await;
    assert_eq!(status, StatusCode::CREATED, "{storage}");
    let sync = format!("/api/storages/localfiles/{}/sync", storage["id"]);
    let (status, body) = send(app.request(Method::POST, &sync)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    std::fs::remove_dir_all(&dir).unwrap();
    run_until(&app, "STORAGE_SYNC_FAILED", || !inbox.of("STORAGE_SYNC_FAILED").is_empty()).await;
    assert_eq!(inbox.all().len(), 1, "only the action asked for");
    let failed = inbox.of("STORAGE_SYNC_FAILED").remove(0).json();
    assert_eq!((&failed["storage"]["id"], &failed["storage"]["status"]), (&storage["id"], &json!("failed")));
    assert!(failed["storage"]["traceback"].as_str().is_some_and(|t| !t.is_empty()), "{failed}");
}
api_test!(failed_sync_is_sent);

/// Deleting all of a project's tasks (`DELETE /api/projects/{id}/tasks/`) sends one
/// `TASKS_DELETED` with every id, as deleting them one by one would.
async fn deleting_all_tasks_is_sent(app: TestApp) {
    let (url, inbox) = receiver(0).await;
    let project = app.project().await;
    create(
        &app,
        json!({"project": project, "url": url, "send_for_all_actions": false, "actions": ["TASKS_DELETED"]}),
    )
    .await;
    let mut ids = app.import(project, json!([{"image_url": "a.jpg"}, {"image_url": "b.jpg"}])).await;
    let (status, _) = app.delete(&format!("/api/projects/{project}/tasks/")).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    run_until(&app, "TASKS_DELETED", || !inbox.of("TASKS_DELETED").is_empty()).await;
    let got = inbox.of("TASKS_DELETED");
    assert_eq!(got.len(), 1, "{got:?}");
    let mut sent: Vec<i64> =
        got[0].json()["tasks"].as_array().unwrap().iter().map(|t| t["id"].as_i64().unwrap()).collect();
    sent.sort();
    ids.sort();
    assert_eq!(sent, ids);
}
api_test!(deleting_all_tasks_is_sent);
