//! Bucket event notifications against the emulators: S3 event notifications (s3s-fs), Cloud
//! Storage Pub/Sub push messages (fake-gcs-server) and Azure Event Grid events (Azurite) import and
//! remove exactly the keys they name, under the storage's prefix, filter and `sync_deleted`
//! policy, replays change nothing, and only the storage's events secret is accepted. The payloads
//! follow the providers' documented formats (`labelsync_sync::events::parse` has their unit tests).

use labelsync_storage::Role;
use labelsync_storage::testing::conformance::connect;
use labelsync_storage::testing::{
    AZURITE_ACCOUNT, AZURITE_KEY, AzureFixture, Fixture, GCS_SERVICE_ACCOUNT, GcsFixture, S3Fixture, Scope,
};
use labelsync_tests::{TestApp, api_test, json, send};
use reqwest::{Method, StatusCode};
use serde_json::Value;

use super::lifecycle::annotate;

#[derive(Debug, Clone, Copy)]
enum Provider {
    S3,
    Gcs,
    Azure,
}

/// One event: (created?, bucket, key).
type Event<'a> = (bool, &'a str, &'a str);

impl Provider {
    /// The notification bodies a provider sends for `events` (S3 and Event Grid batch them,
    /// Pub/Sub pushes one message each).
    fn bodies(self, events: &[Event<'_>]) -> Vec<Value> {
        match self {
            Provider::S3 => {
                let records: Vec<Value> = events
                    .iter()
                    .map(|(created, bucket, key)| {
                        let name = if *created { "ObjectCreated:Put" } else { "ObjectRemoved:Delete" };
                        let encoded = s3_encoded(key);
                        json!({"eventVersion": "2.1", "eventSource": "aws:s3", "eventName": name,
                               "s3": {"bucket": {"name": bucket}, "object": {"key": encoded, "size": 1}}})
                    })
                    .collect();
                vec![json!({ "Records": records })]
            }
            Provider::Gcs => events
                .iter()
                .map(|(created, bucket, key)| {
                    let event_type = if *created { "OBJECT_FINALIZE" } else { "OBJECT_DELETE" };
                    json!({"message": {"attributes": {"eventType": event_type, "bucketId": bucket,
                        "objectId": key, "payloadFormat": "JSON_API_V1"}, "data": "e30=", "messageId": "1"},
                        "subscription": "projects/p/subscriptions/labelsync"})
                })
                .collect(),
            Provider::Azure => {
                let grid: Vec<Value> = events
                    .iter()
                    .map(|(created, container, key)| {
                        let event_type = if *created {
                            "Microsoft.Storage.BlobCreated"
                        } else {
                            "Microsoft.Storage.BlobDeleted"
                        };
                        json!({"id": "1", "eventType": event_type, "eventTime": "2026-12-05T12:00:00Z",
                               "subject": format!("/blobServices/default/containers/{container}/blobs/{key}"),
                               "data": {"api": "PutBlob"}, "dataVersion": "", "metadataVersion": "1"})
                    })
                    .collect();
                vec![Value::Array(grid)]
            }
        }
    }
}

/// A key as S3 notifications carry it: form-encoded (`+` for a space), `/` kept.
fn s3_encoded(key: &str) -> String {
    key.bytes()
        .map(|b| match b {
            b' ' => "+".to_owned(),
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'/' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Posts `events` as the provider would, with the secret in the query; returns the summed
/// `(accepted, ignored)` and runs the queued jobs.
async fn notify(
    app: &TestApp,
    path: &str,
    secret: &str,
    provider: Provider,
    events: &[Event<'_>],
) -> (i64, i64) {
    let (mut accepted, mut ignored) = (0, 0);
    for body in provider.bodies(events) {
        // SNS and others send text/plain: the body is read whatever its content type.
        let request = app
            .anonymous(Method::POST, &format!("{path}/events?secret={secret}"))
            .header("content-type", "text/plain; charset=UTF-8")
            .body(body.to_string());
        let (status, answer) = send(request).await;
        assert_eq!(status, StatusCode::ACCEPTED, "{provider:?}: {answer}");
        accepted += answer["accepted"].as_i64().unwrap();
        ignored += answer["ignored"].as_i64().unwrap();
    }
    let drained = app.run_jobs().await;
    assert_eq!(drained.failed + drained.retried, 0, "{provider:?}: {drained:?}");
    (accepted, ignored)
}

/// The project's tasks as (key behind it, task id), by key (blob mode: the path of the stored URI).
async fn tasks_by_key(app: &TestApp, project: i64) -> Vec<(String, i64)> {
    let (_, page) = app.get(&format!("/api/tasks/?project={project}&page_size=1000&resolve_uri=false")).await;
    let mut tasks: Vec<(String, i64)> = page["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            let uri = t["data"].as_object().unwrap().values().next().unwrap().as_str().unwrap();
            (uri.splitn(4, '/').nth(3).unwrap().to_owned(), t["id"].as_i64().unwrap())
        })
        .collect();
    tasks.sort();
    tasks
}

/// The keys behind the project's tasks, sorted.
async fn imported(app: &TestApp, project: i64) -> Vec<String> {
    tasks_by_key(app, project).await.into_iter().map(|(key, _)| key).collect()
}

async fn remove(fixture: &dyn Fixture, name: &str) {
    let export = connect(fixture, Role::Export, Scope::ALL).await.export.expect("export role");
    export.delete(name).await.unwrap_or_else(|e| panic!("delete {name}: {e}"));
}

/// The whole story on one backend: events outside the prefix, the filter or the bucket change
/// nothing; created keys become tasks once however often the event is replayed; removed keys
/// lose their unlabeled tasks (`sync_deleted: delete_unlabeled`) and keep their labeled ones; a
/// "removed" event for a key the bucket holds again imports it (the bucket decides). No listing
/// happens: a key seeded without an event stays unimported.
async fn events_on(app: &TestApp, provider: Provider, kind: &str, fixture: &dyn Fixture, mut fields: Value) {
    let bucket =
        fields.get("bucket").or_else(|| fields.get("container")).unwrap().as_str().unwrap().to_owned();
    let bucket = bucket.as_str();
    for name in ["img/a b.jpg", "img/b.jpg", "img/notes.txt", "other/c.jpg", "img/quiet.jpg"] {
        fixture.seed(name, b"jpeg").await;
    }
    let project = app.project().await;
    fields["project"] = json!(project);
    fields["prefix"] = json!("img");
    fields["regex_filter"] = json!(r".*\.jpg");
    fields["use_blob_urls"] = json!(true);
    fields["sync_deleted"] = json!("delete_unlabeled");
    let (status, created) = app.post(&format!("/api/storages/{kind}/"), fields).await;
    assert_eq!(status, StatusCode::CREATED, "{kind}: {created}");
    let path = format!("/api/storages/{kind}/{}", created["id"]);
    let (status, issued) = send(app.request(Method::POST, &format!("{path}/events-secret"))).await;
    assert_eq!(status, StatusCode::CREATED, "{issued}");
    assert_eq!(issued["events_path"], json!(format!("{path}/events")));
    let secret = issued["secret"].as_str().unwrap().to_owned();

    let first = [
        (true, bucket, "img/a b.jpg"),
        (true, bucket, "img/notes.txt"),
        (true, bucket, "other/c.jpg"),
        (true, "another-bucket", "img/b.jpg"),
    ];
    let expected_ignored = 1;
    assert_eq!(notify(app, &path, &secret, provider, &first).await, (3, expected_ignored), "{kind}");
    assert_eq!(imported(app, project).await, ["img/a b.jpg"], "{kind}: only the selected key");
    notify(app, &path, &secret, provider, &first).await;
    assert_eq!(imported(app, project).await, ["img/a b.jpg"], "{kind}: a replay changes nothing");

    notify(app, &path, &secret, provider, &[(true, bucket, "img/b.jpg")]).await;
    assert_eq!(imported(app, project).await, ["img/a b.jpg", "img/b.jpg"], "{kind}");
    let labeled = tasks_by_key(app, project).await.into_iter().find(|(key, _)| key == "img/b.jpg");
    annotate(app, labeled.expect("b's task").1).await;

    remove(fixture, "img/a b.jpg").await;
    remove(fixture, "img/b.jpg").await;
    let gone = [(false, bucket, "img/a b.jpg"), (false, bucket, "img/b.jpg")];
    notify(app, &path, &secret, provider, &gone).await;
    assert_eq!(imported(app, project).await, ["img/b.jpg"], "{kind}: the labeled task stays");
    notify(app, &path, &secret, provider, &gone).await;
    assert_eq!(imported(app, project).await, ["img/b.jpg"], "{kind}: a replayed removal changes nothing");

    fixture.seed("img/a b.jpg", b"jpeg again").await;
    notify(app, &path, &secret, provider, &[(false, bucket, "img/a b.jpg")]).await;
    assert_eq!(
        imported(app, project).await,
        ["img/a b.jpg", "img/b.jpg"],
        "{kind}: a stale removal of an object the bucket holds imports it"
    );
    let (_, storage) = app.get(&path).await;
    assert_eq!(storage["status"], json!("initialized"), "{kind}: events are not syncs: {storage}");
}

async fn s3_events(app: TestApp) {
    let Some(fixture) = S3Fixture::for_test("s3_events").await else { return };
    let (key, secret) = fixture.keys();
    let fields = json!({"bucket": fixture.bucket(), "s3_endpoint": fixture.endpoint(),
        "aws_access_key_id": key, "aws_secret_access_key": secret});
    events_on(&app, Provider::S3, "s3", &fixture, fields).await;
}
api_test!(s3_events);

async fn gcs_events(app: TestApp) {
    let Some(fixture) = GcsFixture::for_test("gcs_events").await else { return };
    let fields = json!({"bucket": fixture.bucket(), "google_application_credentials": GCS_SERVICE_ACCOUNT,
        "google_project_id": "labelsync-test"});
    events_on(&app, Provider::Gcs, "gcs", &fixture, fields).await;
}
api_test!(gcs_events, |args| args.worker.storage.storage_emulator_host =
    std::env::var(labelsync_storage::testing::GCS_ENDPOINT_VAR).ok());

async fn azure_events(app: TestApp) {
    let Some(fixture) = AzureFixture::for_test("azure_events").await else { return };
    let fields = json!({"container": fixture.container(), "account_name": AZURITE_ACCOUNT, "account_key": AZURITE_KEY});
    events_on(&app, Provider::Azure, "azure", &fixture, fields).await;
}
api_test!(azure_events, |args| args.worker.storage.azure_blob_endpoint =
    std::env::var(labelsync_storage::testing::AZURITE_ENDPOINT_VAR).ok());
