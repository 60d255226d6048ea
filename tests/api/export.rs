//! `GET /api/projects/{id}/export`.

use labelsync_db::orgs::Role;
use labelsync_tests::{TestApp, api_test, assert_envelope, json, keys, read, send};
use reqwest::{Method, StatusCode};
use serde_json::Value;

const TASK_KEYS: &[&str] = &[
    "id",
    "annotations",
    "drafts",
    "predictions",
    "data",
    "meta",
    "created_at",
    "updated_at",
    "allow_skip",
    "inner_id",
    "total_annotations",
    "cancelled_annotations",
    "total_predictions",
    "comment_count",
    "unresolved_comment_count",
    "last_comment_updated_at",
    "project",
    "updated_by",
    "comment_authors",
];

const ANNOTATION_KEYS: &[&str] = &[
    "id",
    "completed_by",
    "result",
    "was_cancelled",
    "ground_truth",
    "created_at",
    "updated_at",
    "draft_created_at",
    "lead_time",
    "prediction",
    "result_count",
    "unique_id",
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

fn label(choice: &str) -> Value {
    json!([{"from_name": "label", "to_name": "image", "type": "choices",
            "value": {"choices": [choice]}}])
}

/// Three tasks: the first annotated (and predicted), the second with only a cancelled
/// annotation, the third without annotations.
async fn project_with_tasks(app: &TestApp) -> (i64, Vec<i64>) {
    let pid = app.project().await;
    let ids = app
        .import(pid, json!([
            {"data": {"image_url": "http://x/1.jpg"}, "annotations": [{"result": label("pos")}],
             "predictions": [{"result": label("neg")}]},
            {"data": {"image_url": "http://x/2.jpg"}, "annotations": [{"result": [], "was_cancelled": true}]},
            {"image_url": "http://x/3.jpg"},
        ]))
        .await;
    (pid, ids)
}

fn task_ids(export: &Value) -> Vec<i64> {
    export.as_array().unwrap().iter().map(|t| t["id"].as_i64().unwrap()).collect()
}

/// The JSON export holds annotated tasks (cancelled annotations count) in Label Studio's
/// format, with its download headers; `download_all_tasks` adds the rest, `ids[]` picks.
async fn json_export(app: TestApp) {
    let (pid, ids) = project_with_tasks(&app).await;
    let response = app
        .request(Method::GET, &format!("/api/projects/{pid}/export?exportType=JSON"))
        .send()
        .await
        .unwrap();
    let disposition = response.headers()["content-disposition"].to_str().unwrap().to_owned();
    assert!(disposition.starts_with(&format!("attachment; filename=\"project-{pid}-at-")), "{disposition}");
    assert!(disposition.ends_with(".json\""));
    assert!(response.headers().contains_key("filename"));
    let (status, export) = read(response).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(task_ids(&export), ids[..2]);
    let first = &export[0];
    assert_eq!(keys(first), TASK_KEYS);
    assert_eq!(keys(&first["annotations"][0]), ANNOTATION_KEYS);
    assert_eq!(first["annotations"][0]["result_count"], 1);
    assert_eq!(first["predictions"].as_array().unwrap().len(), 1);
    assert!(first["predictions"][0].is_i64(), "predictions are ids");

    let sdk = format!(
        "/api/projects/{pid}/export?download_all_tasks=true&download_resources=true&export_type=JSON"
    );
    let (_, all) = app.get(&sdk).await;
    assert_eq!(task_ids(&all), ids);
    let (_, picked) = app
        .get(&format!("/api/projects/{pid}/export?download_all_tasks=true&ids[]={}&ids[]={}", ids[0], ids[2]))
        .await;
    assert_eq!(task_ids(&picked), [ids[0], ids[2]]);
    let empty = app.project().await;
    let (status, none) = app.get(&format!("/api/projects/{empty}/export")).await;
    assert_eq!((status, none), (StatusCode::OK, json!([])));
}
api_test!(json_export);

/// JSON_MIN has one flat row per non-cancelled annotation, the choice flattened, and rows of
/// nulls for tasks without one when all tasks are asked for.
async fn json_min_export(app: TestApp) {
    let (pid, ids) = project_with_tasks(&app).await;
    let (status, rows) =
        app.get(&format!("/api/projects/{pid}/export?exportType=JSON_MIN&download_all_tasks=true")).await;
    assert_eq!(status, StatusCode::OK, "{rows}");
    let rows = rows.as_array().unwrap();
    assert_eq!(rows.len(), 3);
    assert_eq!(
        keys(&rows[0]),
        ["image_url", "id", "label", "annotator", "annotation_id", "created_at", "updated_at", "lead_time"]
    );
    assert_eq!(rows[0]["label"], "pos");
    assert_eq!(rows[1]["id"].as_i64(), Some(ids[1]));
    assert_eq!(rows[1]["annotation_id"], Value::Null, "the cancelled annotation is skipped");
    assert_eq!(rows[2]["annotator"], Value::Null);
}
api_test!(json_min_export);

/// The export streams across many pages of tasks and keeps their order.
async fn export_streams_pages(app: TestApp) {
    let pid = app.project().await;
    let tasks: Vec<Value> = (0..1200)
        .map(|i| {
            let annotations = if i % 3 == 0 { json!([{"result": label("pos")}]) } else { json!([]) };
            json!({"data": {"image_url": format!("{i}")}, "annotations": annotations})
        })
        .collect();
    let ids = app.import(pid, Value::Array(tasks)).await;
    let (_, annotated) = app.get(&format!("/api/projects/{pid}/export")).await;
    let expected: Vec<i64> = ids.iter().step_by(3).copied().collect();
    assert_eq!(task_ids(&annotated), expected);
    let (_, min) =
        app.get(&format!("/api/projects/{pid}/export?export_type=JSON_MIN&download_all_tasks=1")).await;
    assert_eq!(min.as_array().unwrap().len(), 1200);
}
api_test!(export_streams_pages);

/// An unknown export type or a bad flag is a 400 (Label Studio answers 500).
async fn bad_options(app: TestApp) {
    let pid = app.project().await;
    for query in ["exportType=FOO", "export_type=CSV", "download_all_tasks=maybe", "ids[]=x"] {
        let (status, body) = app.get(&format!("/api/projects/{pid}/export?{query}")).await;
        assert_envelope(status, StatusCode::BAD_REQUEST, &body);
    }
}
api_test!(bad_options);

/// Annotators may export; another organization's administrator gets 404, as for an unknown
/// project.
async fn who_may_export(app: TestApp) {
    let (pid, _) = project_with_tasks(&app).await;
    let path = format!("/api/projects/{pid}/export");
    let token = app.user("ann@example.com", Role::Annotator).await;
    let (status, export) = send(app.request_as(&token, Method::GET, &path)).await;
    assert_eq!((status, export.as_array().map(Vec::len)), (StatusCode::OK, Some(2)));
    let (_, other) = app.other_org("eve@example.com").await;
    let (status, body) = send(app.request_as(&other, Method::GET, &path)).await;
    assert_envelope(status, StatusCode::NOT_FOUND, &body);
    let (status, body) = app.get("/api/projects/999999/export").await;
    assert_envelope(status, StatusCode::NOT_FOUND, &body);
}
api_test!(who_may_export);
