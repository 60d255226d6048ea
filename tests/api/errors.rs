//! Bad input gets a precise 4xx envelope, never a 500.

use labelsync_tests::{TestApp, api_test, assert_envelope, json, send};
use reqwest::{Method, StatusCode};

/// Malformed JSON is a 400 "JSON parse error".
async fn malformed_json(app: TestApp) {
    let request = app
        .request(Method::POST, "/api/projects/")
        .header("content-type", "application/json")
        .body("{\"title\": ");
    let (status, body) = send(request).await;
    assert_envelope(status, StatusCode::BAD_REQUEST, &body);
    assert!(body["detail"].as_str().unwrap().starts_with("JSON parse error - "), "{body}");
}
api_test!(malformed_json);

/// A JSON array where an object is expected is a validation error, not a crash.
async fn array_instead_of_object(app: TestApp) {
    let (status, body) = app.post("/api/projects/", json!([1, 2])).await;
    assert_envelope(status, StatusCode::BAD_REQUEST, &body);
    assert_eq!(
        body["validation_errors"]["non_field_errors"][0],
        "Invalid data. Expected a dictionary, but got list."
    );
}
api_test!(array_instead_of_object);

/// Wrong types and unknown fields name the field with DRF's messages.
async fn wrong_types_and_unknown_fields(app: TestApp) {
    let (status, body) = app
        .post("/api/projects/", json!({"title": ["x"], "show_instruction": "perhaps", "maximum_annotations": "many", "colour": "#FFFFFF"}))
        .await;
    assert_envelope(status, StatusCode::BAD_REQUEST, &body);
    let errors = &body["validation_errors"];
    assert_eq!(errors["title"][0], "Not a valid string.");
    assert_eq!(errors["show_instruction"][0], "Must be a valid boolean.");
    assert_eq!(errors["maximum_annotations"][0], "A valid integer is required.");
    assert_eq!(errors["colour"][0], "Unknown field.");
}
api_test!(wrong_types_and_unknown_fields);

/// An invalid label config is refused with the parser's message.
async fn invalid_label_config(app: TestApp) {
    let (status, body) = app.post("/api/projects/", json!({"label_config": "<View><Image"})).await;
    assert_envelope(status, StatusCode::BAD_REQUEST, &body);
    assert!(body["validation_errors"]["label_config"][0].is_string(), "{body}");
}
api_test!(invalid_label_config);

/// Unknown ids, non-numeric ids and unknown routes are JSON 404s.
async fn not_found(app: TestApp) {
    for path in ["/api/projects/999999/", "/api/projects/abc/", "/api/nonexistent"] {
        let (status, body) = app.get(path).await;
        assert_envelope(status, StatusCode::NOT_FOUND, &body);
    }
}
api_test!(not_found);

/// A body over the configured limit is 413, not a crash.
async fn oversize_body(app: TestApp) {
    let big = "x".repeat(5 * 1024 * 1024);
    let (status, body) = app.post("/api/projects/", json!({"description": big})).await;
    assert_envelope(status, StatusCode::PAYLOAD_TOO_LARGE, &body);
}
api_test!(oversize_body);

/// A body type the API does not read is 415.
async fn unsupported_media_type(app: TestApp) {
    let request = app.request(Method::POST, "/api/projects/").header("content-type", "text/plain").body("hi");
    let (status, body) = send(request).await;
    assert_envelope(status, StatusCode::UNSUPPORTED_MEDIA_TYPE, &body);
}
api_test!(unsupported_media_type);

/// A U+0000 anywhere in a body (a field, nested task data, a key) is a 400 naming the field,
/// on both databases (PostgreSQL cannot store it), and nothing is written.
async fn null_characters_are_refused(app: TestApp) {
    let (status, body) = app.post("/api/projects/", json!({"title": "a\u{0}b"})).await;
    assert_envelope(status, StatusCode::BAD_REQUEST, &body);
    assert_eq!(body["validation_errors"]["title"][0], "Null characters are not allowed.");
    let project = app.project().await;
    let path = format!("/api/projects/{project}/import");
    let (status, body) =
        app.post(&path, json!([{"image_url": "fine"}, {"image_url": {"deep": ["x\u{0}"]}}])).await;
    assert_envelope(status, StatusCode::BAD_REQUEST, &body);
    assert_eq!(body["validation_errors"]["non_field_errors"][0], "Null characters are not allowed.");
    let (status, body) = app.post(&path, json!({"image\u{0}url": "key"})).await;
    assert_envelope(status, StatusCode::BAD_REQUEST, &body);
    let (_, tasks) = app.get(&format!("/api/tasks/?project={project}")).await;
    assert_eq!(tasks["total"], 0, "{tasks}");
}
api_test!(null_characters_are_refused);
