//! `sync_deleted` and `sync_changed` on every remote backend, against the emulators: S3 (s3s-fs),
//! GCS (fake-gcs-server), Azure Blob (Azurite) and Redis. Each detects a changed task file by its
//! own version (size and mtime, generation, ETag, value hash) and a vanished one by its listing;
//! local files run the same rules in `lifecycle.rs`.

use labelsync_storage::Role;
use labelsync_storage::testing::conformance::connect;
use labelsync_storage::testing::{
    AZURITE_ACCOUNT, AZURITE_KEY, AzureFixture, Fixture, GCS_SERVICE_ACCOUNT, GcsFixture, RedisFixture,
    S3Fixture, Scope,
};
use labelsync_tests::{TestApp, api_test, json, send};
use reqwest::{Method, StatusCode};
use serde_json::Value;

use super::lifecycle::{annotate, counts, sync, tasks};

/// Deletes `name` from the fixture's sandbox (the export role writes and deletes `key_of(name)`).
async fn remove(fixture: &dyn Fixture, name: &str) {
    let export = connect(fixture, Role::Export, Scope::ALL).await.export.expect("export role");
    export.delete(name).await.unwrap_or_else(|e| panic!("delete {name}: {e}"));
}

/// The `image_url` of every task, sorted (Redis lists in no particular order).
async fn data(app: &TestApp, project: i64) -> Vec<String> {
    let mut urls: Vec<String> = tasks(app, project)
        .await
        .into_iter()
        .map(|t| t.1["image_url"].as_str().unwrap().to_owned())
        .collect();
    urls.sort();
    urls
}

/// Three task files; one changes, two vanish (one of them labeled). `keep`/`keep` changes
/// nothing; `update` + `delete_unlabeled` re-reads the changed file and deletes the unlabeled
/// task; `delete` deletes the labeled one too. The dry run before says the same.
async fn policies_on(app: &TestApp, kind: &str, fixture: &dyn Fixture, mut fields: Value) {
    fixture.seed("a.json", br#"[{"image_url": "1"}]"#).await;
    fixture.seed("b.json", br#"{"image_url": "b"}"#).await;
    fixture.seed("c.json", br#"{"image_url": "c"}"#).await;
    let project = app.project().await;
    fields["project"] = json!(project);
    let (status, created) = app.post(&format!("/api/storages/{kind}/"), fields).await;
    assert_eq!(status, StatusCode::CREATED, "{kind}: {created}");
    let path = format!("/api/storages/{kind}/{}", created["id"]);
    let storage = sync(app, &path).await;
    assert_eq!(counts(&storage)[1], 3, "{kind}: {storage}");
    let first = tasks(app, project).await;
    let b = first.iter().find(|t| t.1 == json!({"image_url": "b"})).expect("b's task").0;
    annotate(app, b).await;
    fixture.seed("a.json", br#"[{"image_url": "1b"}, {"image_url": "2"}]"#).await;
    remove(fixture, "b.json").await;
    remove(fixture, "c.json").await;

    let storage = sync(app, &path).await;
    assert_eq!(counts(&storage)[1..], [0, 0, 0, 1, 0, 2], "{kind} keep/keep: {storage}");
    assert_eq!(tasks(app, project).await.len(), 3, "{kind}");

    let (status, body) =
        app.patch(&path, json!({"sync_changed": "update", "sync_deleted": "delete_unlabeled"})).await;
    assert_eq!(status, StatusCode::OK, "{kind}: {body}");
    let (_, queued) = send(app.request(Method::POST, &format!("{path}/diff"))).await;
    app.run_jobs().await;
    let (_, diff) = app.get(&format!("{path}/diff/{}", queued["id"])).await;
    let found = ["new", "changed", "missing", "unchanged", "objects_to_update", "tasks_to_delete"]
        .map(|k| diff[k].as_i64().unwrap_or(-1));
    assert_eq!(found, [0, 1, 2, 0, 1, 1], "{kind} diff: {diff}");

    let storage = sync(app, &path).await;
    assert_eq!(counts(&storage)[1..], [1, 1, 1, 0, 0, 2], "{kind} update/delete_unlabeled: {storage}");
    assert_eq!(data(app, project).await, ["1b", "2", "b"], "{kind}");

    app.patch(&path, json!({"sync_deleted": "delete"})).await;
    let storage = sync(app, &path).await;
    assert_eq!(counts(&storage)[1..], [0, 0, 1, 1, 0, 1], "{kind} delete: {storage}");
    assert_eq!(data(app, project).await, ["1b", "2"], "{kind}: the labeled task went too");
}

async fn s3_policies(app: TestApp) {
    let Some(fixture) = S3Fixture::for_test("s3_policies").await else { return };
    let (key, secret) = fixture.keys();
    let fields = json!({"bucket": fixture.bucket(), "s3_endpoint": fixture.endpoint(),
        "aws_access_key_id": key, "aws_secret_access_key": secret});
    policies_on(&app, "s3", &fixture, fields).await;
}
api_test!(s3_policies);

async fn gcs_policies(app: TestApp) {
    let Some(fixture) = GcsFixture::for_test("gcs_policies").await else { return };
    let fields = json!({"bucket": fixture.bucket(), "google_application_credentials": GCS_SERVICE_ACCOUNT,
        "google_project_id": "labelsync-test"});
    policies_on(&app, "gcs", &fixture, fields).await;
}
api_test!(gcs_policies, |args| args.worker.storage.storage_emulator_host =
    std::env::var(labelsync_storage::testing::GCS_ENDPOINT_VAR).ok());

async fn azure_policies(app: TestApp) {
    let Some(fixture) = AzureFixture::for_test("azure_policies").await else { return };
    let fields = json!({"container": fixture.container(), "account_name": AZURITE_ACCOUNT, "account_key": AZURITE_KEY});
    policies_on(&app, "azure", &fixture, fields).await;
}
api_test!(azure_policies, |args| args.worker.storage.azure_blob_endpoint =
    std::env::var(labelsync_storage::testing::AZURITE_ENDPOINT_VAR).ok());

async fn redis_policies(app: TestApp) {
    let Some(fixture) = RedisFixture::for_test("redis_policies").await else { return };
    let config = fixture.config_for(None);
    let fields = json!({"host": config.host, "port": config.port.map(|p| p.to_string()), "db": config.db});
    policies_on(&app, "redis", &fixture, fields).await;
}
api_test!(redis_policies);
