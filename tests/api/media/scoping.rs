//! Scoped access: a URI resolves only through an import storage of the task's own project
//! whose bucket matches, for a caller of that project's organization; everything else is 404.

use labelsync_storage::testing::S3Fixture;
use labelsync_tests::{TestApp, api_test};
use reqwest::StatusCode;

use super::s3::s3_setup;
use super::{follow, raw_get, resolve_url};

/// Another bucket's URI, another project's task, another organization's caller and a missing
/// task are all 404; a missing `fileuri` is 400; an unauthenticated caller is 401.
async fn resolve_is_scoped(app: TestApp) {
    let Some(fixture) = S3Fixture::for_test("resolve_is_scoped").await else { return };
    let project = app.project().await;
    let (_, task) = s3_setup(&app, &fixture, project, true).await;
    let uri = format!("s3://{}/media/red.png", fixture.bucket());
    let token = app.admin_token.clone();
    assert!(!follow(&app, &resolve_url(task, &uri)).await.is_empty());
    let status = |path: String, token: String| {
        let app = &app;
        async move { raw_get(app, &token, &path, &[]).await.status() }
    };
    let other_bucket = resolve_url(task, "s3://another-bucket/media/red.png");
    assert_eq!(status(other_bucket, token.clone()).await, StatusCode::NOT_FOUND);
    // A task of another project (without storages) of the same organization.
    let other_project = app.project().await;
    let other_task = app.import(other_project, labelsync_tests::json!([{"image_url": uri}])).await[0];
    assert_eq!(status(resolve_url(other_task, &uri), token.clone()).await, StatusCode::NOT_FOUND);
    let by_project =
        resolve_url(task, &uri).replace(&format!("/tasks/{task}/"), &format!("/projects/{other_project}/"));
    assert_eq!(status(by_project, token.clone()).await, StatusCode::NOT_FOUND);
    // Its data is not rewritten either: no storage of that project resolves the URI.
    let (_, detail) = app.get(&format!("/api/tasks/{other_task}/")).await;
    assert_eq!(detail["data"]["image_url"], labelsync_tests::json!(uri));
    let (_, outsider) = app.other_org("outsider@example.com").await;
    assert_eq!(status(resolve_url(task, &uri), outsider.clone()).await, StatusCode::NOT_FOUND);
    let project_path = format!("/projects/{project}/resolve/?fileuri=x");
    assert_eq!(status(project_path, outsider).await, StatusCode::NOT_FOUND);
    assert_eq!(status(resolve_url(task + 1000, &uri), token.clone()).await, StatusCode::NOT_FOUND);
    assert_eq!(status(format!("/tasks/{task}/resolve/"), token).await, StatusCode::BAD_REQUEST);
    let anonymous = reqwest::get(format!("{}{}", app.base, resolve_url(task, &uri))).await.unwrap();
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
}
api_test!(resolve_is_scoped);

/// A percent-encoded URI (older clients) resolves like its base64 form.
async fn resolve_accepts_plain_uri(app: TestApp) {
    let Some(fixture) = S3Fixture::for_test("resolve_accepts_plain_uri").await else { return };
    let project = app.project().await;
    let (_, task) = s3_setup(&app, &fixture, project, true).await;
    let encoded = format!("s3%3A%2F%2F{}%2Fmedia%2Fred.png", fixture.bucket());
    let body = follow(&app, &format!("/tasks/{task}/resolve/?fileuri={encoded}")).await;
    assert_eq!(body, super::png());
}
api_test!(resolve_accepts_plain_uri);
