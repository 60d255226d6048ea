//! Secrets stay with their host: a PATCH or validate-by-id that moves a storage to another
//! destination (Redis host/port, `s3_endpoint`, Azure account) must carry the secrets again
//! (400 naming them), and the stored ones never reach the new destination.

use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use labelsync_storage::testing::{
    AZURITE_ACCOUNT, AZURITE_KEY, AzureFixture, HTTP_FORBIDDEN, REDIS_ERROR, Recorder, S3Fixture, redis_url,
    unique_bucket,
};
use labelsync_tests::{TestApp, api_test, json};
use reqwest::StatusCode;
use serde_json::Value;

/// A redis-server of the test's own that requires `password` (the shared test server has none).
struct PasswordRedis {
    child: Child,
    port: u16,
}

impl PasswordRedis {
    fn start(password: &str) -> PasswordRedis {
        let port =
            std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("port").port();
        let child = Command::new("redis-server")
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1", "--requirepass", password])
            .args(["--save", "", "--appendonly", "no", "--dir", &std::env::temp_dir().display().to_string()])
            .stdout(Stdio::null())
            .spawn()
            .expect("redis-server is installed where the test redis runs");
        let deadline = Instant::now() + Duration::from_secs(10);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "redis-server did not start on {port}");
            std::thread::sleep(Duration::from_millis(50));
        }
        PasswordRedis { child, port }
    }
}

impl Drop for PasswordRedis {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The fields a 400 names.
fn named(body: &Value) -> Vec<String> {
    body["validation_errors"].as_object().map(|o| o.keys().cloned().collect()).unwrap_or_default()
}

/// Redis: moving to another port without the password is refused (PATCH and validate-by-id)
/// without connecting; the same host still validates with the stored password; a move with a
/// new password sends the new one, never the stored one (a recorder sees the `AUTH`).
async fn redis_password_stays_with_its_host(app: TestApp) {
    if redis_url("redis_password_stays_with_its_host").is_none() {
        return;
    }
    let stored = format!("stored-{}", unique_bucket());
    let server = PasswordRedis::start(&stored);
    let project = app.project().await;
    let (status, created) = app
        .post(
            "/api/storages/redis/",
            json!({"project": project, "host": "127.0.0.1", "port": server.port.to_string(), "password": stored}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let id = created["id"].as_i64().expect("id");
    let item = format!("/api/storages/redis/{id}");
    let recorder = Recorder::start(REDIS_ERROR);
    let elsewhere = json!({"port": recorder.port().to_string()});
    let (status, body) = app.patch(&item, elsewhere.clone()).await;
    assert_eq!((status, named(&body)), (StatusCode::BAD_REQUEST, vec!["password".to_owned()]), "{body}");
    let mut validate = elsewhere.clone();
    validate["id"] = json!(id);
    let (status, body) = app.post("/api/storages/redis/validate", validate).await;
    assert_eq!((status, named(&body)), (StatusCode::BAD_REQUEST, vec!["password".to_owned()]), "{body}");
    assert_eq!(recorder.connections(), 0, "nothing may be sent: {}", recorder.received());
    let (status, body) = app.post("/api/storages/redis/validate", json!({"id": id})).await;
    assert_eq!(status, StatusCode::OK, "same host, stored password: {body}");
    let mut moved = elsewhere;
    moved["password"] = json!("fresh-password");
    let (status, body) = app.patch(&item, moved).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "the recorder is no Redis: {body}");
    let received = recorder.received();
    assert!(received.contains("fresh-password"), "AUTH with the new password: {received:?}");
    assert!(!received.contains(&stored), "the stored password reached the new host: {received:?}");
    let (_, current) = app.get(&item).await;
    assert_eq!(current["port"], server.port.to_string(), "nothing was written");
}
api_test!(redis_password_stays_with_its_host);

/// S3: a new `s3_endpoint` without keys is refused naming both keys, without a request; with
/// new keys the recorder sees them, never the stored ones.
async fn s3_keys_stay_with_their_endpoint(app: TestApp) {
    let Some(fixture) = S3Fixture::for_test("s3_keys_stay_with_their_endpoint").await else { return };
    let (key, secret) = fixture.keys();
    let project = app.project().await;
    let (status, created) = app
        .post(
            "/api/storages/s3/",
            json!({"project": project, "bucket": fixture.bucket(), "s3_endpoint": fixture.endpoint(),
                "aws_access_key_id": key, "aws_secret_access_key": secret}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let id = created["id"].as_i64().expect("id");
    let recorder = Recorder::start(HTTP_FORBIDDEN);
    let keys = vec!["aws_access_key_id".to_owned(), "aws_secret_access_key".to_owned()];
    let (status, body) =
        app.patch(&format!("/api/storages/s3/{id}"), json!({"s3_endpoint": recorder.endpoint()})).await;
    assert_eq!((status, named(&body)), (StatusCode::BAD_REQUEST, keys.clone()), "{body}");
    let (status, body) =
        app.post("/api/storages/s3/validate", json!({"id": id, "s3_endpoint": recorder.endpoint()})).await;
    assert_eq!((status, named(&body)), (StatusCode::BAD_REQUEST, keys), "{body}");
    assert_eq!(recorder.connections(), 0, "nothing may be sent: {}", recorder.received());
    let moved = json!({"id": id, "s3_endpoint": recorder.endpoint(),
        "aws_access_key_id": "AKIANEWDESTINATION", "aws_secret_access_key": "new-secret"});
    let (status, body) = app.post("/api/storages/s3/validate", moved).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "the recorder refuses: {body}");
    let received = recorder.received();
    assert!(received.contains("AKIANEWDESTINATION"), "signed with the new key: {received:?}");
    assert!(!received.contains(key), "the stored key reached the new endpoint: {received:?}");
}
api_test!(s3_keys_stay_with_their_endpoint);

/// Azure: another account name without the key is refused naming `account_key`; the same
/// account name again is not a change.
async fn azure_key_stays_with_its_account(app: TestApp) {
    let Some(fixture) = AzureFixture::for_test("azure_key_stays_with_its_account").await else { return };
    let project = app.project().await;
    let (status, created) = app
        .post(
            "/api/storages/azure/",
            json!({"project": project, "container": fixture.container(),
                "account_name": AZURITE_ACCOUNT, "account_key": AZURITE_KEY}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let id = created["id"].as_i64().expect("id");
    let item = format!("/api/storages/azure/{id}");
    let (status, body) = app.patch(&item, json!({"account_name": "otheraccount"})).await;
    assert_eq!((status, named(&body)), (StatusCode::BAD_REQUEST, vec!["account_key".to_owned()]), "{body}");
    let (status, body) =
        app.post("/api/storages/azure/validate", json!({"id": id, "account_name": "otheraccount"})).await;
    assert_eq!((status, named(&body)), (StatusCode::BAD_REQUEST, vec!["account_key".to_owned()]), "{body}");
    let (status, body) = app.patch(&item, json!({"account_name": AZURITE_ACCOUNT})).await;
    assert_eq!(status, StatusCode::OK, "the same account: {body}");
}
api_test!(azure_key_stays_with_its_account, |args| {
    let endpoint = std::env::var(labelsync_storage::testing::AZURITE_ENDPOINT_VAR).ok();
    args.worker.storage.azure_blob_endpoint =
        endpoint.map(|e| e.replace(labelsync_storage::testing::AZURITE_ACCOUNT, "{account}"));
});
