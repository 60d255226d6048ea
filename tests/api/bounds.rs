//! Bounded work per request: extreme pagination values, `page_size=-1` streamed, the label
//! config size limit.

use labelsync_tests::{IMAGE_CONFIG, TestApp, api_test, assert_envelope, json};
use reqwest::StatusCode;
use serde_json::Value;

const HUGE: &str = "99999999999999999999999999";

/// No `page` / `page_size` on the paginated lists overflows or fails: huge sizes are one page
/// (the projects list clamps to 100), zero, negative and non-numeric sizes are the default, and
/// huge, negative or non-numeric pages are DRF's 404 `Invalid page.` (Label Studio's answers).
async fn extreme_pages(app: TestApp) {
    let pid = app.project().await;
    app.import(pid, json!([{"image_url": "1"}, {"image_url": "2"}, {"image_url": "3"}])).await;
    let tasks = |query: &str| format!("/api/tasks/?project={pid}&{query}");
    for size in ["9223372036854775807", HUGE, "+9223372036854775807"] {
        let (status, body) = app.get(&tasks(&format!("page_size={size}"))).await;
        assert_eq!(status, StatusCode::OK, "{size}: {body}");
        assert_eq!(body["tasks"].as_array().map(Vec::len), Some(3), "{size}");
        let (status, body) = app.get(&format!("/api/projects/?page_size={size}")).await;
        assert_eq!(status, StatusCode::OK, "{size}: {body}");
        assert_eq!((body["count"].clone(), body["next"].clone()), (json!(1), Value::Null), "{size}");
        let (status, body) = app.get(&format!("/api/projects/{pid}/tasks/?page_size={size}")).await;
        assert_eq!((status, body.as_array().map(Vec::len)), (StatusCode::OK, Some(3)), "{size}");
    }
    for size in ["0", "-5", "-9223372036854775808", "abc", "1.5", ""] {
        let (status, body) = app.get(&tasks(&format!("page_size={size}"))).await;
        assert_eq!((status, body["tasks"].as_array().map(Vec::len)), (StatusCode::OK, Some(3)), "{size}");
    }
    for page in ["9223372036854775807", HUGE, "-1", "0", "x"] {
        let (status, body) = app.get(&tasks(&format!("page_size=1&page={page}"))).await;
        assert_envelope(status, StatusCode::NOT_FOUND, &body);
        assert_eq!(body["detail"], "Invalid page.", "{page}");
        let (status, body) = app.get(&format!("/api/projects/?page_size={HUGE}&page={page}")).await;
        assert_envelope(status, StatusCode::NOT_FOUND, &body);
        let (status, _) = app.get(&format!("/api/projects/{pid}/tasks/?page_size=1&page={page}")).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{page}");
    }
    let (status, body) = app.get(&tasks("page_size=1&page=last")).await;
    assert_eq!((status, body["tasks"].as_array().map(Vec::len)), (StatusCode::OK, Some(1)));
}
api_test!(extreme_pages);

/// `page_size=-1` returns every task of the project, most recently updated first, across the
/// chunks it is streamed in, ignoring `page` (as Label Studio documents); the result is the
/// same list the paged answers give.
async fn all_tasks_streamed(app: TestApp) {
    let pid = app.project().await;
    let rows: Vec<Value> = (0..450).map(|i| json!({"image_url": format!("img-{i}")})).collect();
    let ids = app.import(pid, Value::Array(rows)).await;
    app.patch(&format!("/api/tasks/{}/", ids[7]), json!({"meta": {"touched": true}})).await;
    let path = format!("/api/projects/{pid}/tasks/");
    let (status, all) = app.get(&format!("{path}?page_size=-1&page=3")).await;
    assert_eq!(status, StatusCode::OK, "{all}");
    let all = all.as_array().expect("a bare list");
    assert_eq!(all.len(), 450);
    assert_eq!(all[0]["id"].as_i64(), Some(ids[7]), "most recently updated first");
    assert!(all.iter().all(|t| t["annotations"].is_array() && t["predictions"].is_array()));
    let mut paged = Vec::new();
    for page in 1..=5 {
        let (_, body) = app.get(&format!("{path}?page_size=100&page={page}")).await;
        paged.extend(body.as_array().expect("page").iter().map(|t| t["id"].clone()));
    }
    let streamed: Vec<Value> = all.iter().map(|t| t["id"].clone()).collect();
    assert_eq!(streamed, paged);
    let (_, whole) = app.get(&format!("{path}?page_size=1000")).await;
    assert_eq!(whole.as_array(), Some(all), "one page holding everything is the same list");
}
api_test!(all_tasks_streamed);

/// `/api/tasks/` pages larger than a chunk are streamed and equal the small pages they cover,
/// from any offset, with `fields=all` too, in the same object with the same totals.
async fn large_task_pages(app: TestApp) {
    let pid = app.project().await;
    let rows: Vec<Value> = (0..450).map(|i| json!({"image_url": format!("img-{i}")})).collect();
    app.import(pid, Value::Array(rows)).await;
    let get = |query: String| {
        let app = &app;
        async move { app.get(&format!("/api/tasks/?project={pid}&{query}")).await }
    };
    for fields in ["", "&fields=all"] {
        let mut small = Vec::new();
        for page in 1..=9 {
            let (_, body) = get(format!("page_size=50&page={page}{fields}")).await;
            small.extend(body["tasks"].as_array().expect("tasks").iter().cloned());
        }
        let (status, whole) = get(format!("page_size=1000{fields}")).await;
        assert_eq!(status, StatusCode::OK, "{whole}");
        assert_eq!(whole["total"], 450);
        assert_eq!(whole["tasks"].as_array(), Some(&small), "page_size=1000{fields}");
        let keys: Vec<&str> = whole.as_object().expect("object").keys().map(String::as_str).collect();
        assert_eq!(keys, ["total_annotations", "total_predictions", "total", "tasks"]);
        let (_, second) = get(format!("page_size=300&page=2{fields}")).await;
        assert_eq!(second["tasks"].as_array().map(Vec::as_slice), Some(&small[300..]), "page 2 of 300");
    }
}
api_test!(large_task_pages);

/// A `label_config` over `LABELSYNC_MAX_LABEL_CONFIG_BYTES` is a 400 on the field, on create
/// and on PATCH, and the project keeps its config.
async fn label_config_limit(app: TestApp) {
    let padding = "x".repeat(400);
    let big = IMAGE_CONFIG.replace("<View>", &format!("<View><Header value=\"{padding}\"/>"));
    let (status, body) = app.post("/api/projects/", json!({"title": "Big", "label_config": big})).await;
    assert_envelope(status, StatusCode::BAD_REQUEST, &body);
    let message = format!("Ensure this field has no more than 400 bytes (it has {}).", big.len());
    assert_eq!(body["validation_errors"]["label_config"][0], json!(message));
    let id = app.project().await;
    let (status, body) = app.patch(&format!("/api/projects/{id}/"), json!({"label_config": big})).await;
    assert_envelope(status, StatusCode::BAD_REQUEST, &body);
    let (_, project) = app.get(&format!("/api/projects/{id}/")).await;
    assert_eq!(project["label_config"], IMAGE_CONFIG);
}
api_test!(label_config_limit, |args| args.max_label_config_bytes = 400);
