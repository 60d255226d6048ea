//! Who may send bucket events: only the holder of the storage's events secret (query or header),
//! the same 403 for a wrong secret, another storage's secret, a storage that does not exist or
//! has events off; secrets managed by the storage's managers only; and the providers' handshakes:
//! Event Grid's validation (event and CloudEvents `OPTIONS`), SNS subscription confirmation
//! fetched only from SNS or an allowlisted host, through the outbound guard.

use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::RawQuery;
use axum::routing::get;
use labelsync_db::orgs::Role;
use labelsync_storage::testing::{AZURITE_ACCOUNT, AZURITE_KEY, AzureFixture, S3Fixture};
use labelsync_tests::{TestApp, api_test, assert_envelope, json, send};
use reqwest::{Method, StatusCode};
use serde_json::Value;

/// An S3 import storage on the test's bucket; returns its path.
async fn s3_storage(app: &TestApp, fixture: &S3Fixture) -> String {
    let project = app.project().await;
    let (key, secret) = fixture.keys();
    let fields = json!({"project": project, "bucket": fixture.bucket(), "s3_endpoint": fixture.endpoint(),
        "aws_access_key_id": key, "aws_secret_access_key": secret});
    let (status, created) = app.post("/api/storages/s3/", fields).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    format!("/api/storages/s3/{}", created["id"])
}

async fn issue_secret(app: &TestApp, path: &str) -> String {
    let (status, issued) = send(app.request(Method::POST, &format!("{path}/events-secret"))).await;
    assert_eq!(status, StatusCode::CREATED, "{issued}");
    issued["secret"].as_str().unwrap().to_owned()
}

/// Posts `body` to `path`'s events with `query` appended and `headers`.
async fn post_events(
    app: &TestApp,
    path: &str,
    query: &str,
    headers: &[(&str, &str)],
    body: &Value,
) -> (StatusCode, Value) {
    let mut request = app.anonymous(Method::POST, &format!("{path}/events{query}")).body(body.to_string());
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    send(request).await
}

fn test_event() -> Value {
    json!({"Service": "Amazon S3", "Event": "s3:TestEvent", "Bucket": "b"})
}

/// The secret works in the query and in the header; no secret, a wrong one, another storage's,
/// one sent to a storage that does not exist, a rotated one and one after events were turned off
/// all get the same 403, and nothing is queued.
async fn only_the_storage_secret_is_accepted(app: TestApp) {
    let Some(fixture) = S3Fixture::for_test("only_the_storage_secret_is_accepted").await else { return };
    let first = s3_storage(&app, &fixture).await;
    let second = s3_storage(&app, &fixture).await;
    let (status, body) = post_events(&app, &first, "?secret=x", &[], &test_event()).await;
    assert_envelope(status, StatusCode::FORBIDDEN, &body);
    let refused = body["detail"].clone();
    let secret = issue_secret(&app, &first).await;
    let other_secret = issue_secret(&app, &second).await;
    let (status, body) = post_events(&app, &first, &format!("?secret={secret}"), &[], &test_event()).await;
    assert_eq!((status, body["ignored"].clone()), (StatusCode::OK, json!(1)), "{body}");
    let header = [("X-Labelsync-Events-Secret", secret.as_str())];
    let (status, body) = post_events(&app, &first, "", &header, &test_event()).await;
    assert_eq!(status, StatusCode::OK, "the header carries it too: {body}");
    let attempts = [
        (first.clone(), String::new()),
        (first.clone(), "?secret=".to_owned()),
        (first.clone(), format!("?secret={}", &secret[..63])),
        (first.clone(), format!("?secret={other_secret}")),
        ("/api/storages/s3/999999".to_owned(), format!("?secret={secret}")),
        ("/api/storages/gcs/1".to_owned(), format!("?secret={secret}")),
    ];
    for (path, query) in &attempts {
        let (status, body) = post_events(&app, path, query, &[], &test_event()).await;
        assert_envelope(status, StatusCode::FORBIDDEN, &body);
        assert_eq!(body["detail"], refused, "{path}{query}: one message for every refusal");
    }
    let rotated = issue_secret(&app, &first).await;
    let (status, _) = post_events(&app, &first, &format!("?secret={secret}"), &[], &test_event()).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "a replaced secret stops working");
    let (status, _) = send(app.request(Method::DELETE, &format!("{first}/events-secret"))).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = post_events(&app, &first, &format!("?secret={rotated}"), &[], &test_event()).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "events are off");
    let (status, body) =
        post_events(&app, "/api/storages/localfiles/1", "?secret=x", &[], &test_event()).await;
    assert_envelope(status, StatusCode::NOT_FOUND, &body);
    let (status, body) =
        post_events(&app, &second, &format!("?secret={other_secret}"), &[], &json!({"a": 1})).await;
    assert_envelope(status, StatusCode::BAD_REQUEST, &body);
    let drained = app.run_jobs().await;
    assert_eq!(drained.succeeded + drained.failed + drained.retried, 0, "{drained:?}");
}
api_test!(only_the_storage_secret_is_accepted);

/// Secrets are for the storage's managers: another organization gets 404, an annotator 403,
/// and kinds without bucket events 404; the secret is never shown by the storage's GET.
async fn events_secrets_are_managed_by_managers(app: TestApp) {
    let Some(fixture) = S3Fixture::for_test("events_secrets_are_managed_by_managers").await else { return };
    let path = s3_storage(&app, &fixture).await;
    let (org2, _) = app.other_org("eve@example.com").await;
    let stranger = app.member_of(org2, "mallory@example.com", Role::Manager).await;
    let annotator = app.user("ann@example.com", Role::Annotator).await;
    for method in [Method::POST, Method::DELETE] {
        let (status, body) =
            send(app.request_as(&stranger, method.clone(), &format!("{path}/events-secret"))).await;
        assert_envelope(status, StatusCode::NOT_FOUND, &body);
        let (status, body) = send(app.request_as(&annotator, method, &format!("{path}/events-secret"))).await;
        assert_envelope(status, StatusCode::FORBIDDEN, &body);
    }
    let (status, body) = send(app.request(Method::POST, "/api/storages/redis/1/events-secret")).await;
    assert_envelope(status, StatusCode::NOT_FOUND, &body);
    let secret = issue_secret(&app, &path).await;
    let (_, storage) = app.get(&path).await;
    assert!(!storage.to_string().contains(&secret), "{storage}");
}
api_test!(events_secrets_are_managed_by_managers);

/// Event Grid's validation event is answered with its code, and the CloudEvents `OPTIONS`
/// handshake with `WebHook-Allowed-Origin`; both need the secret.
async fn event_grid_handshakes(app: TestApp) {
    let Some(fixture) = AzureFixture::for_test("event_grid_handshakes").await else { return };
    let project = app.project().await;
    let fields = json!({"project": project, "container": fixture.container(), "account_name": AZURITE_ACCOUNT,
        "account_key": AZURITE_KEY});
    let (status, created) = app.post("/api/storages/azure/", fields).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let path = format!("/api/storages/azure/{}", created["id"]);
    let secret = issue_secret(&app, &path).await;
    let validation = json!([{"id": "1", "topic": "/subscriptions/x", "subject": "",
        "eventType": "Microsoft.EventGrid.SubscriptionValidationEvent", "eventTime": "2026-12-05T12:00:00Z",
        "data": {"validationCode": "512d38b6-c7b8-40c8-89fe-f46f9e9622b6"}, "dataVersion": "1"}]);
    let (status, body) = post_events(&app, &path, &format!("?secret={secret}"), &[], &validation).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["validationResponse"], json!("512d38b6-c7b8-40c8-89fe-f46f9e9622b6"));
    let options = |query: String| {
        app.anonymous(Method::OPTIONS, &format!("{path}/events{query}"))
            .header("WebHook-Request-Origin", "eventgrid.azure.net")
    };
    let answer = options(format!("?secret={secret}")).send().await.expect("OPTIONS");
    assert_eq!(answer.status(), StatusCode::OK);
    assert_eq!(answer.headers()["webhook-allowed-origin"], "eventgrid.azure.net");
    let answer = options(String::new()).send().await.expect("OPTIONS");
    assert_eq!(answer.status(), StatusCode::FORBIDDEN);
}
api_test!(event_grid_handshakes, |args| args.worker.storage.azure_blob_endpoint =
    std::env::var(labelsync_storage::testing::AZURITE_ENDPOINT_VAR).ok());

/// An SNS subscription confirmation is fetched from an allowlisted host (here a loopback
/// receiver standing in for SNS); a SubscribeURL on any other host, the metadata address
/// included, is refused with 400 and never fetched.
async fn sns_subscriptions_are_confirmed_through_the_guard(app: TestApp) {
    let Some(fixture) = S3Fixture::for_test("sns_subscriptions_are_confirmed_through_the_guard").await else {
        return;
    };
    let path = s3_storage(&app, &fixture).await;
    let secret = issue_secret(&app, &path).await;
    let fetched: Arc<Mutex<Vec<String>>> = Arc::default();
    let seen = fetched.clone();
    let receiver = Router::new().route(
        "/",
        get(move |RawQuery(query): RawQuery| async move {
            seen.lock().unwrap().push(query.unwrap_or_default());
            "<ConfirmSubscriptionResponse/>"
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let sns = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(async move { axum::serve(listener, receiver).await });
    let confirmation = |url: &str| {
        json!({"Type": "SubscriptionConfirmation", "MessageId": "1", "Token": "t",
            "TopicArn": "arn:aws:sns:us-east-1:123456789012:labelsync", "SubscribeURL": url,
            "Message": "You have chosen to subscribe", "Timestamp": "2026-12-05T12:00:00.000Z"})
    };
    let query = format!("?secret={secret}");
    let good = format!("{sns}/?Action=ConfirmSubscription&Token=t");
    let (status, body) = post_events(&app, &path, &query, &[], &confirmation(&good)).await;
    assert_eq!((status, body["confirmed"].clone()), (StatusCode::OK, json!(true)), "{body}");
    assert_eq!(*fetched.lock().unwrap(), ["Action=ConfirmSubscription&Token=t"]);
    for bad in [
        "http://169.254.169.254/latest/meta-data/",
        "https://sns.us-east-1.amazonaws.com.evil.example/?Action=ConfirmSubscription",
        "http://localhost:1/",
        "file:///etc/passwd",
    ] {
        let (status, body) = post_events(&app, &path, &query, &[], &confirmation(bad)).await;
        assert_envelope(status, StatusCode::BAD_REQUEST, &body);
    }
    assert_eq!(fetched.lock().unwrap().len(), 1, "refused URLs are not fetched");
}
api_test!(sns_subscriptions_are_confirmed_through_the_guard, |args| {
    args.worker.storage.ssrf_protection_enabled = true;
    args.worker.storage.outbound_allow_hosts = vec!["127.0.0.1".into()];
});
