//! Integer fields beyond their column's range are refused with Label Studio's (DRF's) message,
//! never truncated, wrapped or turned into a 500.

use labelsync_tests::{TestApp, api_test, json};
use reqwest::StatusCode;
use serde_json::Value;

const TOO_BIG: &str = "Ensure this value is less than or equal to 2147483647.";
const TOO_SMALL: &str = "Ensure this value is greater than or equal to -2147483648.";

fn message(body: &Value, field: &str) -> String {
    body["validation_errors"][field][0].as_str().unwrap_or_default().to_owned()
}

/// Project integer fields: 2^31 (and 2^32 + 1, which `as i32` turned into 1) are 400s; the
/// largest valid value is stored as sent.
async fn project_int_ranges(app: TestApp) {
    let id = app.project().await;
    let path = format!("/api/projects/{id}/");
    for value in [json!(2147483648_i64), json!(4294967297_i64), json!("99999999999999999999"), json!(1e20)] {
        let (status, body) = app.patch(&path, json!({"maximum_annotations": value})).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{value}: {body}");
        assert_eq!(message(&body, "maximum_annotations"), TOO_BIG, "{value}");
    }
    let (status, body) = app.patch(&path, json!({"maximum_annotations": -2147483649_i64})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(message(&body, "maximum_annotations"), TOO_SMALL);
    let (status, body) = app.patch(&path, json!({"min_annotations_to_start_training": 2147483648_i64})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(message(&body, "min_annotations_to_start_training"), TOO_BIG);
    let (status, body) =
        app.post("/api/projects/", json!({"title": "Big", "maximum_annotations": 4294967297_i64})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    let (_, project) = app.get(&path).await;
    assert_eq!(project["maximum_annotations"], 1, "unchanged by the refused requests");
    let (status, body) = app.patch(&path, json!({"maximum_annotations": 2147483647})).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["maximum_annotations"], 2147483647);
}
api_test!(project_int_ranges);

/// Task `overlap`, storage `last_sync_count`, `presign_ttl` and Redis `db` are range-checked
/// too.
async fn task_and_storage_int_ranges(app: TestApp) {
    let project = app.project().await;
    let task = app.import(project, json!([{"image_url": "a.jpg"}])).await[0];
    let (status, body) = app.patch(&format!("/api/tasks/{task}/"), json!({"overlap": 4294967297_i64})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(message(&body, "overlap"), TOO_BIG);

    let dir = app.dir.join("ints");
    std::fs::create_dir_all(&dir).unwrap();
    let (status, created) = app
        .post("/api/storages/localfiles/", json!({"project": project, "path": dir.display().to_string()}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let path = format!("/api/storages/localfiles/{}", created["id"]);
    for (value, expected) in
        [(json!(4294967297_i64), TOO_BIG), (json!(-1), "Ensure this value is greater than or equal to 0.")]
    {
        let (status, body) = app.patch(&path, json!({"last_sync_count": value})).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{value}: {body}");
        assert_eq!(message(&body, "last_sync_count"), expected, "{value}");
    }
    let (_, storage) = app.get(&path).await;
    assert_eq!(storage["last_sync_count"], Value::Null);
    // Small-integer fields of the cloud kinds, checked before any connection is tried.
    let too_big_small = "Ensure this value is less than or equal to 32767.";
    for (kind, field) in [("s3", "presign_ttl"), ("gcs", "presign_ttl"), ("redis", "db")] {
        let body = json!({"project": project, field: 32768});
        let (status, body) = app.post(&format!("/api/storages/{kind}/validate"), body).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{kind}: {body}");
        assert_eq!(message(&body, field), too_big_small, "{kind}");
    }
}
api_test!(task_and_storage_int_ranges);
