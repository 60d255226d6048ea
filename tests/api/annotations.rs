//! `/api/tasks/{id}/annotations/` and `/api/annotations/{id}/`.

use labelsync_db::orgs::Role;
use labelsync_tests::{TestApp, api_test, assert_envelope, json, keys, send};
use reqwest::{Method, StatusCode};
use serde_json::Value;

const ANNOTATION_KEYS: &[&str] = &[
    "id",
    "result",
    "created_username",
    "created_ago",
    "completed_by",
    "was_cancelled",
    "ground_truth",
    "created_at",
    "updated_at",
    "draft_created_at",
    "lead_time",
    "import_id",
    "last_action",
    "bulk_created",
    "task",
    "project",
    "updated_by",
    "parent_prediction",
    "parent_annotation",
    "last_created_by",
];

fn choice(label: &str) -> Value {
    json!([{"from_name": "label", "to_name": "image", "type": "choices",
            "value": {"choices": [label]}}])
}

async fn task(app: &TestApp) -> i64 {
    let pid = app.project().await;
    app.import(pid, json!([{"image_url": "a"}])).await[0]
}

async fn counters(app: &TestApp, task: i64) -> (i64, i64, bool) {
    let (_, t) = app.get(&format!("/api/tasks/{task}/")).await;
    (
        t["total_annotations"].as_i64().unwrap(),
        t["cancelled_annotations"].as_i64().unwrap(),
        t["is_labeled"].as_bool().unwrap(),
    )
}

/// An annotation is created, listed, read, changed and deleted with Label Studio's fields,
/// and the task's counters follow every change.
async fn lifecycle(app: TestApp) {
    let task = task(&app).await;
    let path = format!("/api/tasks/{task}/annotations/");
    let (status, created) =
        app.post(&path, json!({"result": choice("pos"), "lead_time": 3, "task": 1, "id": 9})).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_eq!(keys(&created), ANNOTATION_KEYS);
    assert_eq!(created["created_username"], format!(" admin@example.com, {}", created["completed_by"]));
    assert_eq!(created["created_ago"], "0\u{a0}minutes");
    assert_eq!(created["lead_time"], json!(3.0));
    assert_eq!(created["task"].as_i64(), Some(task));
    assert_eq!(created["ground_truth"], false);
    assert_eq!(created["updated_by"], created["completed_by"]);
    assert_eq!(counters(&app, task).await, (1, 0, true));

    let id = created["id"].as_i64().unwrap();
    let (_, list) = app.get(&path).await;
    assert_eq!(list.as_array().unwrap().len(), 1);
    let (_, detail) = app.get(&format!("/api/tasks/{task}/")).await;
    assert_eq!(detail["annotations"][0]["completed_by"]["email"], "admin@example.com");
    assert_eq!(detail["annotations"][0]["completed_by"]["initials"], "ad");

    let (status, patched) = app
        .patch(&format!("/api/annotations/{id}"), json!({"result": choice("neg"), "was_cancelled": true}))
        .await;
    assert_eq!(status, StatusCode::OK, "{patched}");
    assert_eq!(patched["result"], choice("neg"));
    assert_eq!(counters(&app, task).await, (0, 1, true));
    let (status, got) = app.get(&format!("/api/annotations/{id}/")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(got["was_cancelled"], true);

    let (status, _) = app.delete(&format!("/api/annotations/{id}/")).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(counters(&app, task).await, (0, 0, false));
    let (status, body) = app.get(&format!("/api/annotations/{id}/")).await;
    assert_envelope(status, StatusCode::NOT_FOUND, &body);
    assert_eq!(body["detail"], "No Annotation matches the given query.");
}
api_test!(lifecycle);

/// `result` must be a list: a JSON string holding one is parsed, anything else is a 400
/// (never a 500); other bad fields and unknown tasks are 4xx envelopes.
async fn result_validation(app: TestApp) {
    let task = task(&app).await;
    let path = format!("/api/tasks/{task}/annotations/");
    let encoded = choice("pos").to_string();
    let (status, body) = app.post(&path, json!({"result": encoded})).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["result"], choice("pos"));
    let (status, body) = app.post(&path, json!({})).await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(body["result"], json!([]));
    for bad in [json!({"a": 1}), json!("abc"), json!("{\"a\": 1}"), json!(5), json!(true)] {
        let (status, body) = app.post(&path, json!({"result": bad})).await;
        assert_envelope(status, StatusCode::BAD_REQUEST, &body);
        assert!(body["validation_errors"]["result"][0].is_string(), "{body}");
    }
    let (status, body) =
        app.post(&path, json!({"result": [], "lead_time": "slow", "was_cancelled": "x"})).await;
    assert_envelope(status, StatusCode::BAD_REQUEST, &body);
    assert_eq!(body["validation_errors"]["was_cancelled"][0], "Must be a valid boolean.");
    assert_eq!(body["validation_errors"]["lead_time"][0], "A valid number is required.");
    let (status, body) = app.post(&path, json!([1])).await;
    assert_envelope(status, StatusCode::BAD_REQUEST, &body);
    let (status, body) = app.post("/api/tasks/999999/annotations/", json!({"result": []})).await;
    assert_envelope(status, StatusCode::NOT_FOUND, &body);
    assert_eq!(body["detail"], "No Task matches the given query.");
    let (status, body) = app.patch("/api/annotations/999999/", json!({"result": []})).await;
    assert_envelope(status, StatusCode::NOT_FOUND, &body);
    let (_, list) = app.get(&path).await;
    assert_eq!(list.as_array().unwrap().len(), 2, "only the two good ones were saved");
}
api_test!(result_validation);

/// An annotator annotates and changes or deletes their own annotations, not another user's;
/// a manager may delete anyone's.
async fn annotator_owns_annotations(app: TestApp) {
    let task = task(&app).await;
    let token = app.user("ann@example.com", Role::Annotator).await;
    let path = format!("/api/tasks/{task}/annotations/");
    let (status, mine) =
        send(app.request_as(&token, Method::POST, &path).json(&json!({"result": choice("pos")}))).await;
    assert_eq!(status, StatusCode::CREATED, "{mine}");
    let mine = format!("/api/annotations/{}/", mine["id"]);
    let (_, admins) = app.post(&path, json!({"result": choice("neg")})).await;
    let admins = format!("/api/annotations/{}/", admins["id"]);

    let (status, _) = send(app.request_as(&token, Method::PATCH, &mine).json(&json!({"lead_time": 2}))).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = send(app.request_as(&token, Method::GET, &admins)).await;
    assert_eq!(status, StatusCode::OK, "annotators read every annotation");
    let (status, body) =
        send(app.request_as(&token, Method::PATCH, &admins).json(&json!({"result": []}))).await;
    assert_envelope(status, StatusCode::FORBIDDEN, &body);
    let (status, body) = send(app.request_as(&token, Method::DELETE, &admins)).await;
    assert_envelope(status, StatusCode::FORBIDDEN, &body);
    let (status, _) = send(app.request_as(&token, Method::DELETE, &mine)).await;
    assert_eq!(status, StatusCode::NO_CONTENT);

    let (_, again) = send(app.request_as(&token, Method::POST, &path).json(&json!({"result": []}))).await;
    let (status, _) = app.delete(&format!("/api/annotations/{}/", again["id"])).await;
    assert_eq!(status, StatusCode::NO_CONTENT, "a manager deletes anyone's");
    let (_, list) = app.get(&path).await;
    assert_eq!(list.as_array().unwrap().len(), 1);
}
api_test!(annotator_owns_annotations);

/// Another organization's administrator gets 404 on every annotation route of the first.
async fn other_org_sees_404(app: TestApp) {
    let task = task(&app).await;
    let (_, created) = app.post(&format!("/api/tasks/{task}/annotations/"), json!({"result": []})).await;
    let id = created["id"].as_i64().unwrap();
    let (_, token) = app.other_org("eve@example.com").await;
    let routes = [
        (Method::GET, format!("/api/tasks/{task}/annotations/")),
        (Method::POST, format!("/api/tasks/{task}/annotations/")),
        (Method::GET, format!("/api/annotations/{id}/")),
        (Method::PATCH, format!("/api/annotations/{id}/")),
        (Method::PUT, format!("/api/annotations/{id}/")),
        (Method::DELETE, format!("/api/annotations/{id}/")),
    ];
    for (method, path) in routes {
        let request = app.request_as(&token, method.clone(), &path).json(&json!({"result": []}));
        let (status, body) = send(request).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{method} {path}: {body}");
    }
    let (_, list) = app.get(&format!("/api/tasks/{task}/annotations/")).await;
    assert_eq!(list.as_array().unwrap().len(), 1, "nothing changed");
}
api_test!(other_org_sees_404);
