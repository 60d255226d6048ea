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

/// JSON_MIN has one flat row per non-cancelled annotation, the choice flattened, a row of nulls
/// for a task without annotations when all tasks are asked for, and no row for a task whose
/// only annotation is cancelled (as Label Studio's converter).
async fn json_min_export(app: TestApp) {
    let (pid, ids) = project_with_tasks(&app).await;
    let (status, rows) =
        app.get(&format!("/api/projects/{pid}/export?exportType=JSON_MIN&download_all_tasks=true")).await;
    assert_eq!(status, StatusCode::OK, "{rows}");
    let rows = rows.as_array().unwrap();
    assert_eq!(rows.len(), 2, "{rows:?}");
    assert_eq!(
        keys(&rows[0]),
        ["image_url", "id", "label", "annotator", "annotation_id", "created_at", "updated_at", "lead_time"]
    );
    assert_eq!(rows[0]["label"], "pos");
    assert_eq!(rows[1]["id"].as_i64(), Some(ids[2]), "the task with a cancelled annotation has no row");
    assert_eq!(rows[1]["annotator"], Value::Null);
}
api_test!(json_min_export);

/// CSV has the JSON_MIN rows as Label Studio's converter writes them: sorted columns, a data
/// key named like a control renamed `_data_…`, non-numbers quoted, objects as ujson text. The
/// expected text is what `label_studio_sdk.converter` (the version in Label Studio 1.23.2)
/// wrote for the same tasks.
async fn csv_export(app: TestApp) {
    let config = r#"<View><Image name="image" value="$image_url"/><Choices name="label" toName="image" choice="multiple"><Choice value="pos"/><Choice value="a"/><Choice value="b"/></Choices><RectangleLabels name="box" toName="image"><Label value="cat"/></RectangleLabels></View>"#;
    let (status, body) = app.post("/api/projects/", json!({"title": "csv", "label_config": config})).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let pid = body["id"].as_i64().unwrap();
    let ids = app
        .import(pid, json!([
            {"data": {"image_url": "http://x/1.jpg", "label": "data-label", "n": 1.5, "meta": {"a": "b/c"}},
             "annotations": [{"result": label("pos"), "lead_time": 2.5}]},
            {"data": {"image_url": "http://x/2.jpg"}, "annotations": [{"result": [], "was_cancelled": true}]},
            {"image_url": "http://x/3.jpg"},
        ]))
        .await;
    let later = json!({"result": [
        {"from_name": "label", "to_name": "image", "type": "choices", "value": {"choices": ["a", "b"]}},
        {"from_name": "box", "to_name": "image", "type": "rectanglelabels", "original_width": 10,
         "value": {"x": 1, "y": 2, "width": 3, "height": 4, "rectanglelabels": ["cat"]}},
    ]});
    let (status, body) = app.post(&format!("/api/tasks/{}/annotations/", ids[0]), later).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");

    let (_, export) = app.get(&format!("/api/projects/{pid}/export")).await;
    let annotations = export[0]["annotations"].as_array().unwrap();
    let field = |i: usize, key: &str| annotations[i][key].to_string().trim_matches('"').to_owned();
    let (first, second) = (|key: &str| field(0, key), |key: &str| field(1, key));
    let expected = format!(
        "\"_data_label\",\"annotation_id\",\"annotator\",\"box\",\"created_at\",\"id\",\"image_url\",\"label\",\"lead_time\",\"meta\",\"n\",\"updated_at\"\r\n\
         \"data-label\",{},\"{}\",\"[{{\"\"x\"\":1,\"\"y\"\":2,\"\"width\"\":3,\"\"height\"\":4,\"\"rectanglelabels\"\":[\"\"cat\"\"],\"\"original_width\"\":10}}]\",\"{}\",{},\"http://x/1.jpg\",\"{{\"\"choices\"\":[\"\"a\"\",\"\"b\"\"]}}\",\"\",\"{{\"\"a\"\":\"\"b\\/c\"\"}}\",1.5,\"{}\"\r\n\
         \"data-label\",{},\"{}\",\"\",\"{}\",{},\"http://x/1.jpg\",\"pos\",2.5,\"{{\"\"a\"\":\"\"b\\/c\"\"}}\",1.5,\"{}\"\r\n\
         \"\",\"\",\"\",\"\",\"\",{},\"http://x/3.jpg\",\"\",\"\",\"\",\"\",\"\"\r\n",
        second("id"),
        second("completed_by"),
        second("created_at"),
        ids[0],
        second("updated_at"),
        first("id"),
        first("completed_by"),
        first("created_at"),
        ids[0],
        first("updated_at"),
        ids[2],
    );
    let response = app
        .request(Method::GET, &format!("/api/projects/{pid}/export?exportType=CSV&download_all_tasks=true"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-type"], "text/csv; charset=utf-8");
    let disposition = response.headers()["content-disposition"].to_str().unwrap().to_owned();
    assert!(disposition.ends_with(".csv\""), "{disposition}");
    assert_eq!(response.text().await.unwrap(), expected);
}
api_test!(csv_export);

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
    for query in ["exportType=FOO", "export_type=COCO", "download_all_tasks=maybe", "ids[]=x"] {
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
