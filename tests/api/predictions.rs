//! `/api/predictions/` and `/api/predictions/{id}/`.

use labelsync_db::orgs::Role;
use labelsync_tests::{TestApp, api_test, assert_envelope, json, keys, send};
use reqwest::{Method, StatusCode};

const PREDICTION_KEYS: &[&str] = &[
    "id",
    "result",
    "model_version",
    "created_ago",
    "score",
    "cluster",
    "neighbors",
    "mislabeling",
    "created_at",
    "updated_at",
    "model",
    "model_run",
    "task",
    "project",
];

/// A prediction is created, listed by task, project and organization, changed and deleted;
/// the task's `total_predictions` follows.
async fn lifecycle(app: TestApp) {
    let pid = app.project().await;
    let ids = app.import(pid, json!([{"image_url": "a"}, {"image_url": "b"}])).await;
    let (status, created) = app
        .post("/api/predictions/", json!({"task": ids[0], "result": [], "score": 0.9, "model_version": "v2"}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_eq!(keys(&created), PREDICTION_KEYS);
    assert_eq!(created["mislabeling"], json!(0.0));
    assert_eq!(created["project"].as_i64(), Some(pid));
    let (_, minimal) = app.post("/api/predictions", json!({"task": ids[1], "result": []})).await;
    assert_eq!(minimal["model_version"], "");
    assert_eq!(minimal["score"], json!(null));

    let id = created["id"].as_i64().unwrap();
    let (_, by_task) = app.get(&format!("/api/predictions/?task={}", ids[0])).await;
    assert_eq!(by_task.as_array().unwrap().len(), 1);
    let (_, by_project) = app.get(&format!("/api/predictions/?project={pid}")).await;
    assert_eq!(by_project.as_array().unwrap().len(), 2);
    let (_, everything) = app.get("/api/predictions/").await;
    assert_eq!(everything.as_array().unwrap().len(), 2);
    let (_, task) = app.get(&format!("/api/tasks/{}/", ids[0])).await;
    assert_eq!(task["total_predictions"], 1);

    let (status, patched) = app.patch(&format!("/api/predictions/{id}/"), json!({"score": 0.1})).await;
    assert_eq!(status, StatusCode::OK, "{patched}");
    assert_eq!((patched["score"].clone(), patched["model_version"].clone()), (json!(0.1), json!("v2")));
    let (status, got) = app.get(&format!("/api/predictions/{id}")).await;
    assert_eq!((status, got["score"].clone()), (StatusCode::OK, json!(0.1)));
    let (status, _) = app.delete(&format!("/api/predictions/{id}/")).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, body) = app.get(&format!("/api/predictions/{id}/")).await;
    assert_envelope(status, StatusCode::NOT_FOUND, &body);
    assert_eq!(body["detail"], "No Prediction matches the given query.");
    let (_, task) = app.get(&format!("/api/tasks/{}/", ids[0])).await;
    assert_eq!(task["total_predictions"], 0);
}
api_test!(lifecycle);

/// Missing and unknown tasks, bad scores and non-list results are 400s with Label Studio's
/// messages; unknown filters are 400s.
async fn validation(app: TestApp) {
    let pid = app.project().await;
    let task = app.import(pid, json!([{"image_url": "a"}])).await[0];
    let (status, body) = app.post("/api/predictions/", json!({"result": []})).await;
    assert_envelope(status, StatusCode::BAD_REQUEST, &body);
    assert_eq!(body["validation_errors"]["task"][0], "This field is required.");
    let (status, body) = app.post("/api/predictions/", json!({"task": 999_999, "result": []})).await;
    assert_envelope(status, StatusCode::BAD_REQUEST, &body);
    assert_eq!(body["validation_errors"]["task"][0], "Invalid pk \"999999\" - object does not exist.");
    let (status, body) =
        app.post("/api/predictions/", json!({"task": task, "result": [], "score": "hi"})).await;
    assert_envelope(status, StatusCode::BAD_REQUEST, &body);
    assert_eq!(body["validation_errors"]["score"][0], "A valid number is required.");
    for bad in [json!({"a": 1}), json!("nope"), json!(3)] {
        let (status, body) = app.post("/api/predictions/", json!({"task": task, "result": bad})).await;
        assert_envelope(status, StatusCode::BAD_REQUEST, &body);
    }
    for query in ["task=999999", "task=abc", "project=999999"] {
        let (status, body) = app.get(&format!("/api/predictions/?{query}")).await;
        assert_envelope(status, StatusCode::BAD_REQUEST, &body);
    }
    let (_, all) = app.get("/api/predictions/").await;
    assert_eq!(all, json!([]));
}
api_test!(validation);

/// An annotator reads predictions but cannot add, change or delete them.
async fn annotator_reads_only(app: TestApp) {
    let pid = app.project().await;
    let task = app.import(pid, json!([{"image_url": "a"}])).await[0];
    let (_, created) = app.post("/api/predictions/", json!({"task": task, "result": []})).await;
    let path = format!("/api/predictions/{}/", created["id"]);
    let token = app.user("ann@example.com", Role::Annotator).await;
    let (status, _) = send(app.request_as(&token, Method::GET, &path)).await;
    assert_eq!(status, StatusCode::OK);
    let (status, list) = send(app.request_as(&token, Method::GET, "/api/predictions/")).await;
    assert_eq!((status, list.as_array().map(Vec::len)), (StatusCode::OK, Some(1)));
    let attempts = [
        (Method::POST, "/api/predictions/".to_owned()),
        (Method::PATCH, path.clone()),
        (Method::DELETE, path.clone()),
    ];
    for (method, path) in attempts {
        let request =
            app.request_as(&token, method, &path).json(&json!({"task": task, "result": [], "score": 1}));
        let (status, body) = send(request).await;
        assert_envelope(status, StatusCode::FORBIDDEN, &body);
    }
}
api_test!(annotator_reads_only);

/// Another organization's administrator gets 404 on every prediction of the first, cannot
/// attach predictions to its tasks, and does not see them in lists.
async fn other_org_sees_404(app: TestApp) {
    let pid = app.project().await;
    let task = app.import(pid, json!([{"image_url": "a"}])).await[0];
    let (_, created) = app.post("/api/predictions/", json!({"task": task, "result": []})).await;
    let path = format!("/api/predictions/{}/", created["id"]);
    let (_, token) = app.other_org("eve@example.com").await;
    for method in [Method::GET, Method::PATCH, Method::PUT, Method::DELETE] {
        let request = app.request_as(&token, method.clone(), &path).json(&json!({"score": 1}));
        let (status, body) = send(request).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{method} {path}: {body}");
    }
    // As for a task that does not exist: Label Studio's 400 "Invalid pk" / "valid choice".
    let request =
        app.request_as(&token, Method::POST, "/api/predictions/").json(&json!({"task": task, "result": []}));
    let (status, _) = send(request).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _) =
        send(app.request_as(&token, Method::GET, &format!("/api/predictions/?task={task}"))).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (_, list) = send(app.request_as(&token, Method::GET, "/api/predictions/")).await;
    assert_eq!(list, json!([]));
}
api_test!(other_org_sees_404);
