//! Local-files storages: the document-root rules of Label Studio (`docs/label-studio-api.md` §4.3;
//! where labelsync differs: §10.2, §10.7).

use labelsync_tests::{TestApp, api_test, json};
use reqwest::StatusCode;

/// Paths must exist, lie strictly under the document root, and serving must be enabled; each
/// refusal carries Label Studio's message.
async fn path_rules(app: TestApp) {
    let project = app.project().await;
    let root = app.dir.display().to_string();
    let cases = [
        (json!(""), "Path must be set for Local Files storage".to_owned()),
        (json!(format!("{root}/missing")), format!("Absolute local path \"{root}/missing\" does not exist")),
        (
            json!(root.clone()),
            format!("Absolute local path \"{root}\" cannot be the same as LOCAL_FILES_DOCUMENT_ROOT"),
        ),
        (json!("/tmp"), "must be a subdirectory of LOCAL_FILES_DOCUMENT_ROOT".to_owned()),
    ];
    for (path, message) in cases {
        let (status, body) =
            app.post("/api/storages/localfiles/", json!({"project": project, "path": path})).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{path}: {body}");
        let got = body["validation_errors"]["non_field_errors"][0].as_str().unwrap_or("");
        assert!(got.contains(&message), "{path}: {got}");
    }
    // `..` cannot climb out of the root either.
    let sneaky = format!("{root}/a/../../etc");
    let (status, _) =
        app.post("/api/storages/export/localfiles", json!({"project": project, "path": sneaky})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}
api_test!(path_rules);

/// With serving disabled, local-files storages are refused with Label Studio's explanation.
async fn serving_disabled(app: TestApp) {
    let project = app.project().await;
    let dir = app.dir.join("ds");
    std::fs::create_dir_all(&dir).unwrap();
    let (status, body) =
        app.post("/api/storages/localfiles/", json!({"project": project, "path": dir})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(
        body["validation_errors"]["non_field_errors"][0].as_str().unwrap().starts_with("Serving local files")
    );
}
api_test!(serving_disabled, |args| args.worker.storage.local_files_serving_enabled = false);

/// Validate answers 200 with an empty body for a good path, 400 with the reason otherwise,
/// and with `id` does not change the stored storage.
async fn validate(app: TestApp) {
    let project = app.project().await;
    let dir = app.dir.join("ds");
    std::fs::create_dir_all(&dir).unwrap();
    let (status, body) =
        app.post("/api/storages/localfiles/validate", json!({"project": project, "path": dir})).await;
    assert_eq!((status, body), (StatusCode::OK, serde_json::Value::Null));
    let (_, created) = app
        .post("/api/storages/localfiles/", json!({"project": project, "path": dir, "title": "keep"}))
        .await;
    let id = created["id"].as_i64().unwrap();
    let (status, _) = app
        .post("/api/storages/localfiles/validate", json!({"id": id, "project": project, "title": "changed"}))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(app.get(&format!("/api/storages/localfiles/{id}")).await.1["title"], "keep");
    let (status, body) = app
        .post("/api/storages/export/localfiles/validate", json!({"project": project, "path": "/nonexistent"}))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
}
api_test!(validate);
