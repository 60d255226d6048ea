//! `LABELSYNC_CORS_ORIGINS`: real preflights and cross-origin requests over HTTP. A listed origin
//! gets its preflight answered (methods, `Authorization` allowed, no credentials) on the API, the
//! resolve endpoints and `/data/local-files/`, and its responses carry its origin; an unlisted
//! origin gets no CORS headers; with the setting empty (the default) nobody does.

use labelsync_tests::{TestApp, api_test, send};
use reqwest::{Method, StatusCode};

const APP_ORIGIN: &str = "https://app.example.com";

/// A browser's preflight for a `method` request with an `Authorization` header.
async fn preflight(app: &TestApp, path: &str, origin: &str, method: &str) -> reqwest::Response {
    app.anonymous(Method::OPTIONS, path)
        .header("Origin", origin)
        .header("Access-Control-Request-Method", method)
        .header("Access-Control-Request-Headers", "authorization,content-type")
        .send()
        .await
        .expect("preflight")
}

fn header<'a>(response: &'a reqwest::Response, name: &str) -> Option<&'a str> {
    response.headers().get(name).map(|v| v.to_str().unwrap())
}

/// The listed origin's preflights are answered on every kind of route and its requests carry
/// its origin; credentials stay off; another origin gets nothing.
async fn listed_origins_get_cors(app: TestApp) {
    let project = app.project().await;
    let task = app.import(project, serde_json::json!([{"image_url": "s3://bucket/a.jpg"}])).await[0];
    let paths = [
        "/api/projects/".to_owned(),
        format!("/api/tasks/{task}/"),
        format!("/tasks/{task}/resolve/?fileuri=czM6Ly9idWNrZXQvYS5qcGc="),
        "/data/local-files/?d=a.jpg".to_owned(),
        "/api/storages/s3/".to_owned(),
    ];
    for path in &paths {
        let answer = preflight(&app, path, APP_ORIGIN, "PATCH").await;
        assert!(answer.status().is_success(), "{path}: {}", answer.status());
        assert_eq!(header(&answer, "access-control-allow-origin"), Some(APP_ORIGIN), "{path}");
        let methods =
            header(&answer, "access-control-allow-methods").unwrap_or_default().to_ascii_uppercase();
        assert!(methods.contains("PATCH") && methods.contains("DELETE"), "{path}: {methods}");
        let headers =
            header(&answer, "access-control-allow-headers").unwrap_or_default().to_ascii_lowercase();
        assert!(headers.contains("authorization") && headers.contains("content-type"), "{path}: {headers}");
        assert_eq!(header(&answer, "access-control-allow-credentials"), None, "{path}: no credentials");
        let stranger = preflight(&app, path, "https://evil.example", "GET").await;
        assert_eq!(header(&stranger, "access-control-allow-origin"), None, "{path}: unlisted origin");
    }
    let answer = app
        .request(Method::GET, &format!("/api/tasks/{task}/"))
        .header("Origin", APP_ORIGIN)
        .send()
        .await
        .expect("GET");
    assert_eq!(answer.status(), StatusCode::OK);
    assert_eq!(header(&answer, "access-control-allow-origin"), Some(APP_ORIGIN));
    let (status, _) =
        send(app.request(Method::GET, "/api/projects/").header("Origin", "https://evil.example")).await;
    assert_eq!(status, StatusCode::OK, "CORS is the browser's rule; the server still answers");
}
api_test!(listed_origins_get_cors, |args| args.cors_origins =
    vec![super::APP_ORIGIN.into(), "http://localhost:3000".into()]);

/// Without `LABELSYNC_CORS_ORIGINS` no response carries a CORS header, preflight or not.
async fn cors_is_off_by_default(app: TestApp) {
    let answer = preflight(&app, "/api/projects/", APP_ORIGIN, "GET").await;
    assert_eq!(header(&answer, "access-control-allow-origin"), None);
    let answer =
        app.request(Method::GET, "/api/projects/").header("Origin", APP_ORIGIN).send().await.expect("GET");
    assert_eq!(answer.status(), StatusCode::OK);
    assert_eq!(header(&answer, "access-control-allow-origin"), None);
}
api_test!(cors_is_off_by_default);
