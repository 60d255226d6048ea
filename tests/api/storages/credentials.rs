//! The operator's cloud identity is the operator's: server credentials (AWS default chain,
//! GCS Application Default Credentials, `AZURE_BLOB_ACCOUNT_*`, `S3_ENDPOINT`) serve only the
//! organizations granted them, and a role assumed with them carries the organization's own
//! external id.

use std::sync::OnceLock;

use labelsync_db::storages::{self, StorageRecord};
use labelsync_storage::testing::{AZURITE_ACCOUNT, AzureFixture, HTTP_FORBIDDEN, Recorder, S3Fixture};
use labelsync_tests::{IMAGE_CONFIG, TestApp, api_test, json, send};
use reqwest::{Method, StatusCode};
use serde_json::{Map, Value};

/// A project of the organization whose token is `token`.
async fn project_as(app: &TestApp, token: &str) -> i64 {
    let request = app.request_as(token, Method::POST, "/api/projects/");
    let (status, body) =
        send(request.json(&json!({"title": "Their project", "label_config": IMAGE_CONFIG}))).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    body["id"].as_i64().expect("project id")
}

async fn post_as(app: &TestApp, token: &str, path: &str, body: Value) -> (StatusCode, Value) {
    send(app.request_as(token, Method::POST, path).json(&body)).await
}

/// The one message of a 400, whichever field it is on.
fn message(body: &Value) -> String {
    body["validation_errors"].to_string()
}

/// A second organization without grants cannot make the server sign with its AWS default
/// chain, its Google ADC, or toward the operator's `S3_ENDPOINT` / GCS endpoint: create and
/// validate answer 400 saying what the operator must do, and nothing reaches those endpoints.
async fn ungranted_org_cannot_use_server_credentials(app: TestApp) {
    let s3 = operator_endpoint();
    let (_, token) = app.other_org("tenant@example.com").await;
    let project = project_as(&app, &token).await;
    let body = json!({"project": project, "bucket": "operator-bucket", "role_arn": "arn:aws:iam::1:role/r"});
    for path in ["/api/storages/s3/", "/api/storages/s3/validate", "/api/storages/export/s3"] {
        let (status, reply) = post_as(&app, &token, path, body.clone()).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{path}: {reply}");
        assert!(message(&reply).contains("grant-server-credentials --backend s3"), "{path}: {reply}");
    }
    let (status, reply) =
        post_as(&app, &token, "/api/storages/gcs/", json!({"project": project, "bucket": "b"})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{reply}");
    assert!(message(&reply).contains("grant-server-credentials --backend gcs"), "{reply}");
    assert_eq!(s3.connections(), 0, "the operator's S3 endpoint was contacted: {}", s3.received());
    // The granted first organization gets past the grant check (and fails later only because
    // this test machine has no AWS credentials).
    let own = app.project().await;
    let (status, reply) =
        app.post("/api/storages/s3/validate", json!({"project": own, "bucket": "operator-bucket"})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{reply}");
    assert!(!message(&reply).contains("grant-server-credentials"), "{reply}");
}
api_test!(ungranted_org_cannot_use_server_credentials, |args| {
    args.worker.storage.s3_endpoint = Some(super::operator_endpoint().endpoint());
    args.worker.storage.storage_emulator_host = Some(super::operator_endpoint().endpoint());
});

/// The operator's S3 and GCS endpoint of the test above (shared by its two database runs).
fn operator_endpoint() -> &'static Recorder {
    static RECORDER: OnceLock<Recorder> = OnceLock::new();
    RECORDER.get_or_init(|| Recorder::start(HTTP_FORBIDDEN))
}

/// Azure: the first organization (granted at first start) uses the operator's account;
/// another organization's identical storage is refused until the operator grants it, and
/// works after `admin grant-server-credentials`, and is refused again after revoke.
async fn azure_operator_account_only_for_granted_orgs(app: TestApp) {
    let Some(fixture) = AzureFixture::for_test("azure_operator_account_only_for_granted_orgs").await else {
        return;
    };
    let own = app.project().await;
    let body = |project: i64| json!({"project": project, "container": fixture.container()});
    let (status, created) = app.post("/api/storages/azure/", body(own)).await;
    assert_eq!(status, StatusCode::CREATED, "granted organization: {created}");
    let (org, token) = app.other_org("tenant@example.com").await;
    let theirs = project_as(&app, &token).await;
    let (status, reply) = post_as(&app, &token, "/api/storages/azure/", body(theirs)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{reply}");
    let says = reply["validation_errors"]["non_field_errors"][0].as_str().unwrap_or_default();
    assert!(says.contains("grant-server-credentials --backend azure"), "names the grant: {reply}");
    // Their own account name does not borrow the operator's key either.
    let mut named = body(theirs);
    named["account_name"] = json!(AZURITE_ACCOUNT);
    let (status, reply) = post_as(&app, &token, "/api/storages/azure/validate", named).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{reply}");
    admin(&app, org, "grant").await;
    let (status, reply) = post_as(&app, &token, "/api/storages/azure/", body(theirs)).await;
    assert_eq!(status, StatusCode::CREATED, "after the grant: {reply}");
    admin(&app, org, "revoke").await;
    let (status, reply) = post_as(&app, &token, "/api/storages/azure/validate", body(theirs)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "after the revoke: {reply}");
}
api_test!(azure_operator_account_only_for_granted_orgs, |args| {
    let endpoint = std::env::var(labelsync_storage::testing::AZURITE_ENDPOINT_VAR).ok();
    args.worker.storage.azure_blob_endpoint =
        endpoint.map(|e| e.replace(labelsync_storage::testing::AZURITE_ACCOUNT, "{account}"));
    args.worker.storage.azure_blob_account_name = Some(labelsync_storage::testing::AZURITE_ACCOUNT.into());
    args.worker.storage.azure_blob_account_key = Some(labelsync_storage::testing::AZURITE_KEY.into());
});

/// Runs `labelsync admin grant-|revoke-server-credentials --org ORG --backend azure`.
async fn admin(app: &TestApp, org: i64, verb: &str) {
    use labelsync_server::config::AdminCommand;
    let backend = "azure".to_owned();
    let command = match verb {
        "grant" => AdminCommand::GrantServerCredentials { org, backend },
        _ => AdminCommand::RevokeServerCredentials { org, backend },
    };
    labelsync_server::admin::run(&app.db, command).await.expect("admin command");
}

/// `external_id` without own keys is the organization's: another value is a 400 on create and
/// validate, the organization's own value is accepted, and responses show the organization's
/// id (read-only) even for a row that stored another one.
async fn external_id_is_the_organizations(app: TestApp) {
    let project = app.project().await;
    let chosen = json!({"project": project, "bucket": "b", "role_arn": "arn:aws:iam::1:role/victim",
        "external_id": "victims-external-id"});
    for path in ["/api/storages/s3/", "/api/storages/s3/validate"] {
        let (status, reply) = app.post(path, chosen.clone()).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{path}: {reply}");
        assert!(reply["validation_errors"]["external_id"].is_array(), "{path}: {reply}");
    }
    // A row stored before the rule (or written directly) still shows the organization's id.
    let mut settings = Map::new();
    settings.insert("bucket".into(), json!("b"));
    settings.insert("role_arn".into(), json!("arn:aws:iam::1:role/victim"));
    settings.insert("external_id".into(), json!("victims-external-id"));
    let row = insert_s3_import(&app, project, settings).await;
    let (_, shown) = app.get(&format!("/api/storages/s3/{}", row.id)).await;
    let ours = shown["external_id"].as_str().expect("external_id shown").to_owned();
    assert!(ours.starts_with(&format!("labelsync-{}-", app.org_id)), "{shown}");
    let (_, listed) = app.get(&format!("/api/storages/s3/?project={project}")).await;
    assert_eq!(listed[0]["external_id"], ours.as_str());
    // Sending the organization's own value is accepted (it fails later only for want of AWS
    // credentials on this machine, not for the external id).
    let mut own = chosen.clone();
    own["external_id"] = json!(ours);
    let (status, reply) = app.post("/api/storages/s3/validate", own).await;
    assert!(reply["validation_errors"].get("external_id").is_none(), "{status} {reply}");
    // Another organization has another id.
    let (_, token) = app.other_org("tenant@example.com").await;
    let theirs = project_as(&app, &token).await;
    let mut taken = chosen.clone();
    taken["project"] = json!(theirs);
    taken["external_id"] = json!(ours);
    let (status, reply) = post_as(&app, &token, "/api/storages/s3/validate", taken).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{reply}");
    assert!(reply["validation_errors"]["external_id"].is_array(), "{reply}");
}
api_test!(external_id_is_the_organizations);

/// With the tenant's own keys, `role_arn` + the tenant's own `external_id` is their identity:
/// accepted, stored, shown, and sent to STS (moto).
async fn own_keys_keep_their_external_id(app: TestApp) {
    let Some(fixture) = S3Fixture::moto("own_keys_keep_their_external_id").await else { return };
    let project = app.project().await;
    let (key, secret) = fixture.keys();
    let (status, created) = app
        .post(
            "/api/storages/s3/",
            json!({"project": project, "bucket": fixture.bucket(), "s3_endpoint": fixture.endpoint(),
                "aws_access_key_id": key, "aws_secret_access_key": secret,
                "role_arn": "arn:aws:iam::123456789012:role/theirs", "external_id": "their-own-id"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_eq!(created["external_id"], "their-own-id");
    let (_, shown) = app.get(&format!("/api/storages/s3/{}", created["id"])).await;
    assert_eq!(shown["external_id"], "their-own-id");
}
api_test!(own_keys_keep_their_external_id, |args| {
    args.worker.storage.sts_endpoint = std::env::var(labelsync_storage::testing::MOTO_ENDPOINT_VAR).ok();
});

/// A stored keyless S3 storage of an organization without the grant (as rows from before the
/// grants were) fails its sync with a traceback that says what the operator must do.
async fn ungranted_sync_fails_clearly(app: TestApp) {
    let (_, token) = app.other_org("tenant@example.com").await;
    let project = project_as(&app, &token).await;
    let mut settings = Map::new();
    settings.insert("bucket".into(), json!("b"));
    let row = insert_s3_import(&app, project, settings).await;
    let path = format!("/api/storages/s3/{}/sync", row.id);
    let (status, queued) = send(app.request_as(&token, Method::POST, &path)).await;
    assert_eq!(status, StatusCode::OK, "{queued}");
    app.run_jobs().await;
    let (_, storage) =
        send(app.request_as(&token, Method::GET, &format!("/api/storages/s3/{}", row.id))).await;
    assert_eq!(storage["status"], "failed", "{storage}");
    let traceback = storage["traceback"].as_str().unwrap_or_default();
    assert!(traceback.contains("grant-server-credentials --backend s3"), "{traceback}");
}
api_test!(ungranted_sync_fails_clearly, |args| args.worker.storage.s3_endpoint =
    Some("http://127.0.0.1:9".into()));

/// An S3 import storage row written directly (no connection check, as rows from before a rule).
async fn insert_s3_import(app: &TestApp, project: i64, settings: Map<String, Value>) -> storages::Storage {
    let record = StorageRecord::new(project, settings);
    storages::insert(&app.db, storages::StorageKind::S3, storages::Role::Import, &record).await.expect("row")
}

/// With the operator's GCS emulator (`STORAGE_EMULATOR_HOST`), a granted organization's GCS
/// storage without credentials connects anonymously, as Label Studio's client library does:
/// it is created, validated and synced against fake-gcs-server (no metadata server is asked for
/// a token). An ungranted organization still gets the grant message (the test above).
async fn gcs_emulator_without_credentials_is_anonymous(app: TestApp) {
    use labelsync_storage::testing::{Fixture, GcsFixture};
    let Some(fixture) = GcsFixture::for_test("gcs_emulator_without_credentials_is_anonymous").await else {
        return;
    };
    fixture.seed("a.json", br#"{"image_url": "a"}"#).await;
    let project = app.project().await;
    let (status, created) =
        app.post("/api/storages/gcs/", json!({"project": project, "bucket": fixture.bucket()})).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let path = format!("/api/storages/gcs/{}", created["id"]);
    let (status, validated) =
        app.post("/api/storages/gcs/validate", json!({"project": project, "bucket": fixture.bucket()})).await;
    assert_eq!(status, StatusCode::OK, "{validated}");
    let storage = super::lifecycle::sync(&app, &path).await;
    assert_eq!(storage["status"], json!("completed"), "{storage}");
    assert_eq!(storage["last_sync_count"], json!(1), "{storage}");
}
api_test!(gcs_emulator_without_credentials_is_anonymous, |args| args.worker.storage.storage_emulator_host =
    std::env::var(labelsync_storage::testing::GCS_ENDPOINT_VAR).ok());
