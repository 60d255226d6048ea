//! GCS (fake-gcs-server) and Azure Blob (Azurite, which verifies SAS signatures): blob-mode
//! tasks rewritten to resolve URLs, the presign redirect, and proxy mode with ranges.

use labelsync_storage::testing::{
    AZURITE_ACCOUNT, AZURITE_KEY, AzureFixture, Fixture, GCS_SERVICE_ACCOUNT, GcsFixture,
};
use labelsync_tests::{TestApp, api_test, json};
use reqwest::StatusCode;
use serde_json::Value;

use super::{follow, png, proxied, resolve_url, synced_storage, tasks};

/// Syncs `kind` in files mode, checks the rewritten URL, the 303 and proxy mode.
async fn blob_media(app: &TestApp, kind: &str, scheme: &str, bucket: &str, fields: Value) {
    let project = app.project().await;
    let storage = synced_storage(app, kind, project, fields).await;
    let all = tasks(app, project).await;
    assert_eq!(all.len(), 1, "{all:?}");
    let (task, data) = &all[0];
    let url = resolve_url(*task, &format!("{scheme}://{bucket}/img/red 1.png"));
    assert_eq!(data, &json!({"image_url": url}));
    assert_eq!(follow(app, &url).await, png());
    let (status, body) =
        app.patch(&format!("/api/storages/{kind}/{storage}"), json!({"presign": false})).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let whole = proxied(app, &url, &[], StatusCode::OK).await;
    assert_eq!(whole.headers()["content-type"], "image/png");
    assert_eq!(whole.bytes().await.unwrap().to_vec(), png());
    let part = proxied(app, &url, &[("Range", "bytes=0-3")], StatusCode::PARTIAL_CONTENT).await;
    assert_eq!(part.bytes().await.unwrap().to_vec(), png()[..4].to_vec());
}

/// GCS: files-mode task rewritten, 303 followed to the object, proxy with a range.
async fn gcs_media(app: TestApp) {
    let Some(fixture) = GcsFixture::for_test("gcs_media").await else { return };
    fixture.seed("img/red 1.png", &png()).await;
    let fields = json!({"bucket": fixture.bucket(), "prefix": "img", "use_blob_urls": true, "presign": true,
        "google_application_credentials": GCS_SERVICE_ACCOUNT, "google_project_id": "labelsync-test"});
    blob_media(&app, "gcs", "gs", fixture.bucket(), fields).await;
}
api_test!(gcs_media, |args| args.worker.storage.storage_emulator_host =
    std::env::var(labelsync_storage::testing::GCS_ENDPOINT_VAR).ok());

/// Azure: files-mode task rewritten, 303 followed to a SAS URL Azurite verifies, proxy with a range.
async fn azure_media(app: TestApp) {
    let Some(fixture) = AzureFixture::for_test("azure_media").await else { return };
    fixture.seed("img/red 1.png", &png()).await;
    let fields = json!({"container": fixture.container(), "prefix": "img", "use_blob_urls": true, "presign": true,
        "account_name": AZURITE_ACCOUNT, "account_key": AZURITE_KEY});
    blob_media(&app, "azure", "azure-blob", fixture.container(), fields).await;
}
api_test!(azure_media, |args| args.worker.storage.azure_blob_endpoint =
    std::env::var(labelsync_storage::testing::AZURITE_ENDPOINT_VAR).ok());
