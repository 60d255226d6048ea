//! `/api/projects/`: create, list, get, change, delete.

use labelsync_tests::{IMAGE_CONFIG, TestApp, api_test, json, send};
use reqwest::{Method, StatusCode};

/// A created project reads back with Label Studio's fields, defaults and counters.
async fn create_and_get(app: TestApp) {
    let (status, created) = app
        .post(
            "/api/projects/",
            json!({"title": "Cats", "label_config": IMAGE_CONFIG, "show_instruction": "true"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_eq!(created["task_number"], json!(null));
    let id = created["id"].as_i64().unwrap();
    let (status, got) = app.get(&format!("/api/projects/{id}/")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(got["title"], "Cats");
    assert_eq!(got["show_instruction"], true);
    assert_eq!(got["sampling"], "Sequential sampling");
    assert_eq!(got["task_number"], 0);
    assert_eq!(got["created_by"]["email"], "admin@example.com");
    assert_eq!(got["parsed_label_config"]["label"]["labels"], json!(["pos", "neg"]));
    let keys: Vec<&str> = got.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(&keys[..4], &["id", "title", "description", "label_config"]);
    assert_eq!(keys.len(), 46, "{keys:?}");
}
api_test!(create_and_get);

/// An empty body creates a project with Label Studio's defaults.
async fn create_empty(app: TestApp) {
    let (status, created) = app.post("/api/projects/", json!({})).await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(created["title"], "");
    assert_eq!(created["label_config"], "<View></View>");
}
api_test!(create_empty);

/// PATCH changes only what is sent; PUT is accepted too; both spellings of the path work.
async fn update(app: TestApp) {
    let id = app.project().await;
    let (status, body) =
        app.patch(&format!("/api/projects/{id}"), json!({"title": "Dogs", "color": "#00FF00"})).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["title"], "Dogs");
    assert_eq!(body["color"], "#00FF00");
    assert_eq!(body["label_config"], IMAGE_CONFIG);
    let (status, body) = app.patch(&format!("/api/projects/{id}/"), json!({"color": "green"})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["validation_errors"]["color"][0], "Color must be in \"#RRGGBB\" format");
}
api_test!(update);

/// The largest and smallest doubles in a project's JSON settings and a task's data read back
/// as the same numbers: PostgreSQL's `jsonb` prints them as 309-digit integers (or 324-place
/// decimals), which a naive float parser reads as out of range (a schema-fuzz 500, 2026-12-06).
/// `jsonb` may also print a float with no fraction as an integer, as Label Studio's does.
async fn extreme_numbers_read_back(app: TestApp) {
    let id = app.project().await;
    let weights = json!({"w": [false, -f64::MAX, {"k": -437}], "v": [1.421742718951302e16, f64::MAX]});
    let (status, body) =
        app.patch(&format!("/api/projects/{id}/"), json!({"control_weights": weights})).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, got) = app.get(&format!("/api/projects/{id}/")).await;
    assert_eq!(status, StatusCode::OK, "{got}");
    let weights = &got["control_weights"];
    assert_eq!((&weights["w"][0], &weights["w"][2]), (&json!(false), &json!({"k": -437})));
    assert_eq!(weights["w"][1].as_f64(), Some(-f64::MAX));
    assert_eq!(weights["v"][0].as_f64(), Some(1.421742718951302e16));
    assert_eq!(weights["v"][1].as_f64(), Some(f64::MAX));
    let data = json!({"image_url": "x", "score": -f64::MAX, "tiny": 5e-324});
    let (status, task) = app.post("/api/tasks/", json!({"project": id, "data": data})).await;
    assert_eq!(status, StatusCode::CREATED, "{task}");
    let (status, got) = app.get(&format!("/api/tasks/{}/", task["id"])).await;
    assert_eq!(status, StatusCode::OK, "{got}");
    assert_eq!(got["data"], data);
}
api_test!(extreme_numbers_read_back);

/// Pages of `page_size` projects, newest first, with absolute next/previous links.
async fn list_pages(app: TestApp) {
    for _ in 0..5 {
        app.project().await;
    }
    let (status, page1) = app.get("/api/projects/?page_size=2").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(page1["count"], 5);
    assert_eq!(page1["results"].as_array().unwrap().len(), 2);
    assert!(page1["next"].as_str().unwrap().ends_with("/api/projects/?page=2&page_size=2"));
    assert_eq!(page1["previous"], json!(null));
    let (_, page3) = app.get("/api/projects/?page_size=2&page=3").await;
    assert_eq!(page3["results"].as_array().unwrap().len(), 1);
    assert_eq!(page3["next"], json!(null));
    let ids: Vec<i64> =
        page1["results"].as_array().unwrap().iter().map(|p| p["id"].as_i64().unwrap()).collect();
    assert!(ids[0] > ids[1], "newest first: {ids:?}");
    let (status, _) = app.get("/api/projects/?page_size=2&page=4").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}
api_test!(list_pages);

/// DELETE removes the project; it is then 404.
async fn delete(app: TestApp) {
    let id = app.project().await;
    let (status, _) = send(app.request(Method::DELETE, &format!("/api/projects/{id}/"))).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = app.get(&format!("/api/projects/{id}/")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}
api_test!(delete);
