//! S3 (s3s-fs, which verifies presigned signatures): rewriting, presign redirect, proxy mode.

use labelsync_storage::testing::{Fixture, S3Fixture};
use labelsync_tests::{TestApp, api_test, json};
use reqwest::StatusCode;
use serde_json::Value;

use super::{follow, png, proxied, resolve_url, synced_storage, tasks};

/// Seeds task JSON under `tasks/` pointing at media under `media/` (another prefix) and at
/// another bucket, then syncs a storage on `tasks/`; returns (storage id, task id, task data).
pub async fn s3_setup(app: &TestApp, fixture: &S3Fixture, project: i64, presign: bool) -> (i64, i64) {
    let bucket = fixture.bucket();
    let task = json!({
        "image_url": format!("s3://{bucket}/media/red.png"),
        "other": "s3://another-bucket/media/red.png",
        "nested": {"list": [format!("s3://{bucket}/media/red.png"), "plain"], "n": 1},
        "html": format!("<img src=\"s3://{bucket}/media/red.png\"/>"),
    });
    fixture.seed("tasks/1.json", task.to_string().as_bytes()).await;
    fixture.seed("media/red.png", &png()).await;
    let (key, secret) = fixture.keys();
    let fields = json!({"bucket": bucket, "prefix": "tasks", "use_blob_urls": false, "presign": presign,
        "presign_ttl": 2, "aws_access_key_id": key, "aws_secret_access_key": secret,
        "s3_endpoint": fixture.endpoint(), "region_name": "us-east-1"});
    let storage = synced_storage(app, "s3", project, fields).await;
    let task_id = tasks(app, project).await[0].0;
    (storage, task_id)
}

/// Task detail and list rewrite every URI of the storage's bucket (nested, in markup, under
/// another prefix) to Label Studio's resolve URL; another bucket's URI stays; the 303 carries
/// the spec's Cache-Control and following it returns the object's bytes (signature verified).
async fn s3_presign(app: TestApp) {
    let Some(fixture) = S3Fixture::for_test("s3_presign").await else { return };
    let project = app.project().await;
    let (_, task) = s3_setup(&app, &fixture, project, true).await;
    let uri = format!("s3://{}/media/red.png", fixture.bucket());
    let url = resolve_url(task, &uri);
    let (_, detail) = app.get(&format!("/api/tasks/{task}/")).await;
    let data = &detail["data"];
    assert_eq!(data["image_url"], json!(url), "{data}");
    assert_eq!(data["other"], "s3://another-bucket/media/red.png");
    assert_eq!(data["nested"], json!({"list": [url, "plain"], "n": 1}));
    assert_eq!(data["html"], json!(format!("<img src=\"{url}\"/>")));
    assert_eq!(&tasks(&app, project).await[0].1, data);
    let (_, raw) = app.get(&format!("/api/tasks/{task}/?resolve_uri=false")).await;
    assert_eq!(raw["data"]["image_url"], json!(uri));
    let response = super::raw_get(&app, &app.admin_token, &url, &[]).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(response.headers()["cache-control"], "no-store, max-age=120");
    let location = response.headers()["location"].to_str().unwrap();
    assert!(location.contains("response-content-type=image%2Fpng"), "{location}");
    assert_eq!(follow(&app, &url).await, png());
    let legacy = url.replace("/resolve/", "/presign/");
    assert_eq!(follow(&app, &legacy).await, png());
    let by_project = url.replace(&format!("/tasks/{task}/"), &format!("/projects/{project}/"));
    assert_eq!(follow(&app, &by_project).await, png());
}
api_test!(s3_presign);

/// Exports and write responses serve stored data, as Label Studio's do.
async fn s3_export_not_rewritten(app: TestApp) {
    let Some(fixture) = S3Fixture::for_test("s3_export_not_rewritten").await else { return };
    let project = app.project().await;
    let (_, task) = s3_setup(&app, &fixture, project, true).await;
    let (status, export) =
        app.get(&format!("/api/projects/{project}/export?exportType=JSON&download_all_tasks=true")).await;
    assert_eq!(status, StatusCode::OK, "{export}");
    let uri = format!("s3://{}/media/red.png", fixture.bucket());
    assert_eq!(export[0]["data"]["image_url"], json!(uri), "{export}");
    let (_, patched) = app.patch(&format!("/api/tasks/{task}/"), json!({"meta": {"x": 1}})).await;
    assert_eq!(patched["data"]["image_url"], json!(uri), "{patched}");
}
api_test!(s3_export_not_rewritten);

/// Proxy mode streams the bytes with ETag and caching headers; a Range gives the right slice
/// (206, Content-Range); If-None-Match with the ETag is 304; a missing object is 424.
async fn s3_proxy(app: TestApp) {
    let Some(fixture) = S3Fixture::for_test("s3_proxy").await else { return };
    let project = app.project().await;
    let (_, task) = s3_setup(&app, &fixture, project, false).await;
    let url = resolve_url(task, &format!("s3://{}/media/red.png", fixture.bucket()));
    let response = proxied(&app, &url, &[], StatusCode::OK).await;
    let headers = response.headers().clone();
    assert_eq!(headers["content-type"], "image/png");
    assert_eq!(headers["accept-ranges"], "bytes");
    assert_eq!(headers["cache-control"], "private, max-age=3600, must-revalidate");
    let etag = headers["etag"].to_str().unwrap().to_owned();
    assert!(etag.starts_with('"') && etag.len() > 4, "{etag}");
    assert_eq!(response.bytes().await.unwrap().to_vec(), png());
    let partial = proxied(&app, &url, &[("Range", "bytes=2-9")], StatusCode::PARTIAL_CONTENT).await;
    let total = png().len();
    assert_eq!(partial.headers()["content-range"], format!("bytes 2-9/{total}").as_str());
    assert_eq!(partial.bytes().await.unwrap().to_vec(), png()[2..10].to_vec());
    let tail = proxied(&app, &url, &[("Range", "bytes=60-")], StatusCode::PARTIAL_CONTENT).await;
    assert_eq!(tail.bytes().await.unwrap().to_vec(), png()[60..].to_vec());
    proxied(&app, &url, &[("If-None-Match", &etag)], StatusCode::NOT_MODIFIED).await;
    proxied(&app, &url, &[("Range", &format!("bytes={total}-"))], StatusCode::RANGE_NOT_SATISFIABLE).await;
    let missing = resolve_url(task, &format!("s3://{}/media/missing.png", fixture.bucket()));
    let failed = proxied(&app, &missing, &[], StatusCode::FAILED_DEPENDENCY).await;
    let body: Value = failed.json().await.unwrap();
    assert_eq!(body["error"], "Storage stream failed while proxying data", "{body}");
}
api_test!(s3_proxy);

/// With LABELSYNC_RESOLVE_WITHIN_PREFIX the storage's prefix is a boundary: media under another
/// prefix is neither rewritten nor resolvable (404); keys under the prefix still resolve.
async fn s3_within_prefix(app: TestApp) {
    let Some(fixture) = S3Fixture::for_test("s3_within_prefix").await else { return };
    let project = app.project().await;
    let (_, task) = s3_setup(&app, &fixture, project, true).await;
    let uri = format!("s3://{}/media/red.png", fixture.bucket());
    let (_, detail) = app.get(&format!("/api/tasks/{task}/")).await;
    assert_eq!(detail["data"]["image_url"], json!(uri));
    let response = super::raw_get(&app, &app.admin_token, &resolve_url(task, &uri), &[]).await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    let inside = resolve_url(task, &format!("s3://{}/tasks/1.json", fixture.bucket()));
    assert!(!follow(&app, &inside).await.is_empty());
}
api_test!(s3_within_prefix, |args| args.resolve_within_prefix = true);
