//! Every 4xx of the storage API: precise, enveloped, never a 500.

use labelsync_db::orgs::Role;
use labelsync_tests::{TestApp, api_test, assert_envelope, json, send};
use reqwest::{Method, StatusCode};

/// `?project=` is required (400), must be a number (404) and must be ours (404).
async fn project_query(app: TestApp) {
    let (status, body) = app.get("/api/storages/localfiles/").await;
    assert_envelope(status, StatusCode::BAD_REQUEST, &body);
    assert_eq!(body["validation_errors"]["non_field_errors"][0], "query parameter \"project\" is required");
    assert_eq!(app.get("/api/storages/export/redis?project=abc").await.0, StatusCode::NOT_FOUND);
    assert_eq!(app.get("/api/storages/s3/?project=999999").await.0, StatusCode::NOT_FOUND);
    // The all-kinds lists never fail.
    assert_eq!(app.get("/api/storages/").await, (StatusCode::OK, json!([])));
    assert_eq!(app.get("/api/storages/export?project=999999").await, (StatusCode::OK, json!([])));
}
api_test!(project_query);

/// Create without project, with another org's project, an unknown field or a bad regex.
async fn create_validation(app: TestApp) {
    let project = app.project().await;
    let (status, body) = app.post("/api/storages/redis/", json!({"title": "x"})).await;
    assert_envelope(status, StatusCode::BAD_REQUEST, &body);
    assert_eq!(body["validation_errors"]["project"][0], "This field is required.");
    let (status, body) = app.post("/api/storages/localfiles/", json!({"project": 999999})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["validation_errors"]["project"][0], "Invalid pk \"999999\" - object does not exist.");
    let (status, body) =
        app.post("/api/storages/localfiles/", json!({"project": project, "bucket": "b"})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["validation_errors"]["bucket"][0], "Unknown field.");
    let (status, body) =
        app.post("/api/storages/s3/", json!({"project": project, "regex_filter": "(["})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        body["validation_errors"]["regex_filter"][0].as_str().unwrap().starts_with("Invalid regex_filter")
    );
    let (status, body) =
        app.post("/api/storages/s3/", json!({"project": project, "bucket": "no spaces allowed"})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body["validation_errors"]["bucket"][0].as_str().unwrap().starts_with("Invalid bucket name"));
    let (status, body) = app.post("/api/storages/redis/", json!({"project": project, "port": "http"})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    let (status, body) = app
        .post("/api/storages/gcs/", json!({"project": project, "google_application_credentials": "Test"}))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        body["validation_errors"]["non_field_errors"][0]
            .as_str()
            .unwrap()
            .starts_with("Google Application Credentials must be valid JSON string.")
    );
}
api_test!(create_validation);

/// An unknown storage type is 404 on every route shape.
async fn unknown_type(app: TestApp) {
    for (method, path) in [
        (Method::GET, "/api/storages/ftp/?project=1"),
        (Method::POST, "/api/storages/ftp/"),
        (Method::GET, "/api/storages/ftp/1"),
        (Method::POST, "/api/storages/export/ftp/1/sync"),
        (Method::POST, "/api/storages/ftp/validate"),
        (Method::GET, "/api/storages/export/ftp/form"),
    ] {
        let (status, body) = send(app.request(method.clone(), path).json(&json!({}))).await;
        assert_envelope(status, StatusCode::NOT_FOUND, &body);
    }
}
api_test!(unknown_type);

/// Another organization's storages are 404 on every route; an annotator gets 403.
async fn tenancy_and_roles(app: TestApp) {
    let project = app.project().await;
    let dir = app.dir.join("ds");
    std::fs::create_dir_all(&dir).unwrap();
    let (_, created) = app.post("/api/storages/localfiles/", json!({"project": project, "path": dir})).await;
    let id = created["id"].as_i64().unwrap();
    let (_, eve) = app.other_org("eve@example.com").await;
    let ann = app.user("ann@example.com", Role::Annotator).await;
    let routes = [
        (Method::GET, format!("/api/storages/localfiles/{id}")),
        (Method::PATCH, format!("/api/storages/localfiles/{id}")),
        (Method::DELETE, format!("/api/storages/localfiles/{id}")),
        (Method::POST, format!("/api/storages/localfiles/{id}/sync")),
        (Method::GET, format!("/api/storages/localfiles/?project={project}")),
    ];
    for (method, path) in &routes {
        let (status, _) = send(app.request_as(&eve, method.clone(), path).json(&json!({}))).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "other org {method} {path}");
        let (status, _) = send(app.request_as(&ann, method.clone(), path).json(&json!({}))).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "annotator {method} {path}");
    }
    let (status, _) = send(
        app.request_as(&eve, Method::POST, "/api/storages/localfiles/validate")
            .json(&json!({"id": id, "project": project})),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = send(
        app.request_as(&ann, Method::POST, "/api/storages/localfiles/").json(&json!({"project": project})),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (_, all) =
        send(app.request_as(&eve, Method::GET, &format!("/api/storages/?project={project}"))).await;
    assert_eq!(all, json!([]));
}
api_test!(tenancy_and_roles);

/// A storage that is not synchronizable answers Label Studio's plain 400 on sync.
async fn not_synchronizable(app: TestApp) {
    let project = app.project().await;
    let dir = app.dir.join("ds");
    std::fs::create_dir_all(&dir).unwrap();
    let (_, created) = app
        .post("/api/storages/localfiles/", json!({"project": project, "path": dir, "synchronizable": false}))
        .await;
    let id = created["id"].as_i64().unwrap();
    let (status, body) =
        send(app.request(Method::POST, &format!("/api/storages/localfiles/{id}/sync"))).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body, json!({"message": format!("Storage {id} is not synchronizable")}));
}
api_test!(not_synchronizable);
