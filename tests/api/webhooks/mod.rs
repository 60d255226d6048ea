//! `/api/webhooks/`: Label Studio's webhook API, and deliveries to a real HTTP receiver on
//! loopback (payloads, signatures, headers, retries, the network guard).

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode as AxumStatus};
use labelsync_db::orgs::Role;
use labelsync_tests::{TestApp, api_test, assert_envelope, json, send};
use reqwest::{Method, StatusCode};
use serde_json::Value;

/// One request the receiver got.
#[derive(Debug, Clone)]
struct Received {
    headers: HeaderMap,
    body: Bytes,
}

impl Received {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).expect("JSON body")
    }
}

#[derive(Clone, Default)]
struct Inbox {
    received: Arc<Mutex<Vec<Received>>>,
    /// Requests answered 500 before the receiver starts answering 200.
    failures_left: Arc<Mutex<u32>>,
}

/// An HTTP receiver on 127.0.0.1 recording every POST; returns its URL and inbox.
async fn receiver(failures: u32) -> (String, Inbox) {
    let inbox = Inbox { failures_left: Arc::new(Mutex::new(failures)), ..Inbox::default() };
    async fn hook(State(inbox): State<Inbox>, headers: HeaderMap, body: Bytes) -> AxumStatus {
        inbox.received.lock().unwrap().push(Received { headers, body });
        let mut left = inbox.failures_left.lock().unwrap();
        if *left > 0 {
            *left -= 1;
            AxumStatus::INTERNAL_SERVER_ERROR
        } else {
            AxumStatus::OK
        }
    }
    let router = axum::Router::new().route("/hook", axum::routing::post(hook)).with_state(inbox.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind receiver");
    let url = format!("http://{}/hook", listener.local_addr().expect("addr"));
    tokio::spawn(async move { axum::serve(listener, router).await });
    (url, inbox)
}

impl Inbox {
    fn all(&self) -> Vec<Received> {
        self.received.lock().unwrap().clone()
    }

    /// The requests for `action`.
    fn of(&self, action: &str) -> Vec<Received> {
        self.all().into_iter().filter(|r| r.json()["action"] == action).collect()
    }
}

/// Runs queued jobs until `done` holds (deliveries are jobs; a sync's deliveries are queued
/// while it runs), failing after a generous deadline.
async fn run_until(app: &TestApp, what: &str, done: impl Fn() -> bool) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        app.run_jobs().await;
        if done() {
            return;
        }
        assert!(tokio::time::Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn hmac_hex(secret: &str, body: &[u8]) -> String {
    let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, secret.as_bytes());
    let tag = ring::hmac::sign(&key, body);
    tag.as_ref().iter().map(|b| format!("{b:02x}")).collect()
}

async fn create(app: &TestApp, body: Value) -> Value {
    let (status, created) = app.post("/api/webhooks/", body).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    created
}

/// Create answers Label Studio's fields with its defaults plus the signing key once; get, list
/// (`?project=`), PATCH, PUT (`project` read-only) and delete behave as Label Studio's.
async fn crud_follows_label_studio(app: TestApp) {
    let project = app.project().await;
    let created = create(&app, json!({"project": project, "url": "http://127.0.0.1:9/a"})).await;
    let keys: Vec<&str> = created.as_object().unwrap().keys().map(String::as_str).collect();
    for key in [
        "id",
        "organization",
        "project",
        "url",
        "send_payload",
        "send_for_all_actions",
        "headers",
        "is_active",
        "actions",
        "created_at",
        "updated_at",
        "secret",
    ] {
        assert!(keys.contains(&key), "{key} missing from {created}");
    }
    assert_eq!(created["organization"], json!(app.org_id));
    assert_eq!(
        (&created["send_payload"], &created["send_for_all_actions"], &created["is_active"]),
        (&json!(true), &json!(true), &json!(true))
    );
    assert_eq!((&created["headers"], &created["actions"]), (&json!({}), &json!([])));
    assert_eq!(created["secret"].as_str().expect("secret").len(), 64);
    let id = created["id"].as_i64().unwrap();
    let path = format!("/api/webhooks/{id}/");

    let (status, got) = app.get(&path).await;
    assert_eq!(status, StatusCode::OK);
    assert!(got.get("secret").is_none(), "the key is shown once: {got}");
    let global = create(&app, json!({"url": "http://127.0.0.1:9/b", "actions": ["PROJECT_CREATED"]})).await;
    assert_eq!(global["project"], Value::Null);
    let ids =
        |list: &Value| list.as_array().unwrap().iter().map(|w| w["id"].as_i64().unwrap()).collect::<Vec<_>>();
    assert_eq!(ids(&app.get("/api/webhooks/").await.1), [id, global["id"].as_i64().unwrap()]);
    assert_eq!(ids(&app.get(&format!("/api/webhooks/?project={project}")).await.1), [id]);
    assert_eq!(ids(&app.get("/api/webhooks/?project=null").await.1), [global["id"].as_i64().unwrap()]);
    let (status, body) = app.get("/api/webhooks/?project=abc").await;
    assert_envelope(status, StatusCode::BAD_REQUEST, &body);

    let (status, patched) = app
        .patch(&path, json!({"send_payload": false, "actions": ["TASKS_CREATED"], "project": 999, "headers": {"X-A": "b"}}))
        .await;
    assert_eq!(status, StatusCode::OK, "{patched}");
    assert_eq!(patched["project"], json!(project), "project is read-only");
    assert_eq!((&patched["send_payload"], &patched["actions"]), (&json!(false), &json!(["TASKS_CREATED"])));
    assert_eq!(patched["url"], "http://127.0.0.1:9/a");
    let (status, body) = app.put(&path, json!({"is_active": false})).await;
    assert_envelope(status, StatusCode::BAD_REQUEST, &body);
    assert!(body["validation_errors"]["url"].is_array(), "{body}");
    let (status, put) = app.put(&path, json!({"url": "http://127.0.0.1:9/c"})).await;
    assert_eq!(status, StatusCode::OK, "{put}");
    assert_eq!(
        (&put["url"], &put["actions"], &put["send_payload"]),
        (&json!("http://127.0.0.1:9/c"), &json!([]), &json!(false))
    );

    let (status, _) = app.delete(&path).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, body) = app.get(&path).await;
    assert_envelope(status, StatusCode::NOT_FOUND, &body);
}
api_test!(crud_follows_label_studio);

/// Invalid fields are 400 with the field named: bad URL, unknown action, headers outside Label
/// Studio's schema, an organization-only action on a project webhook, another organization's
/// project; annotators get 403.
async fn invalid_webhooks_are_refused(app: TestApp) {
    let project = app.project().await;
    let url = "http://127.0.0.1:9/a";
    for (body, field) in [
        (json!({}), "url"),
        (json!({"url": "ftp://example.com/x"}), "url"),
        (json!({"url": "not a url"}), "url"),
        (json!({"url": url, "actions": ["NOPE"]}), "actions"),
        (json!({"url": url, "headers": {"bad name": "x"}}), "headers"),
        (json!({"url": url, "headers": {"X": 1}}), "headers"),
        (json!({"url": url, "headers": "x"}), "headers"),
        (json!({"url": url, "send_payload": "maybe"}), "send_payload"),
        (json!({"url": url, "project": project, "actions": ["PROJECT_CREATED"]}), "non_field_errors"),
        (json!({"url": url, "project": 987654}), "project"),
    ] {
        let (status, answer) = app.post("/api/webhooks/", body.clone()).await;
        assert_envelope(status, StatusCode::BAD_REQUEST, &answer);
        assert!(answer["validation_errors"][field].is_array(), "{body}: {answer}");
    }
    let (_, other_admin) = app.other_org("eve@example.com").await;
    let (status, answer) = send(
        app.request_as(&other_admin, Method::POST, "/api/webhooks/")
            .json(&json!({"url": url, "project": project})),
    )
    .await;
    assert_envelope(status, StatusCode::BAD_REQUEST, &answer);
    let annotator = app.user("ann@example.com", Role::Annotator).await;
    let (status, answer) = send(app.request_as(&annotator, Method::GET, "/api/webhooks/")).await;
    assert_envelope(status, StatusCode::FORBIDDEN, &answer);
}
api_test!(invalid_webhooks_are_refused);

/// `info` describes Label Studio's actions (the label-link ones included) and labelsync's
/// `STORAGE_SYNC_*`; `organization-only` filters them.
async fn info_describes_every_action(app: TestApp) {
    let (status, info) = app.get("/api/webhooks/info/").await;
    assert_eq!(status, StatusCode::OK, "{info}");
    assert_eq!(info.as_object().unwrap().len(), 15, "{info}");
    assert_eq!(
        info["TASKS_CREATED"],
        json!({"name": "Task created", "description": "", "key": "tasks", "organization-only": false})
    );
    assert_eq!(info["STORAGE_SYNC_COMPLETED"]["key"], "storage");
    let (_, only) = app.get("/api/webhooks/info/?organization-only=true").await;
    let mut names: Vec<&String> = only.as_object().unwrap().keys().collect();
    names.sort();
    assert_eq!(names, ["PROJECT_CREATED", "PROJECT_DELETED"]);
}
api_test!(info_describes_every_action);

/// An import sends `TASKS_CREATED` with Label Studio's payload (tasks and project), the
/// webhook's headers, and `X-Labelsync-Signature` = HMAC-SHA256 of the exact body under the
/// key from the create answer; the delivery log shows it delivered at the first attempt.
async fn deliveries_are_signed_and_carry_the_payload(app: TestApp) {
    let (url, inbox) = receiver(0).await;
    let project = app.project().await;
    let hook = create(&app, json!({"project": project, "url": url, "headers": {"X-Token": "abc"}})).await;
    let secret = hook["secret"].as_str().unwrap().to_owned();
    let tasks = app.import(project, json!([{"image_url": "a.jpg"}, {"image_url": "b.jpg"}])).await;
    run_until(&app, "TASKS_CREATED", || !inbox.of("TASKS_CREATED").is_empty()).await;

    let got = inbox.of("TASKS_CREATED").remove(0);
    let body = got.json();
    let ids: Vec<i64> = body["tasks"].as_array().unwrap().iter().map(|t| t["id"].as_i64().unwrap()).collect();
    assert_eq!(ids, tasks);
    assert_eq!(body["tasks"][0]["data"], json!({"image_url": "a.jpg"}));
    assert_eq!(body["project"]["id"], json!(project));
    assert_eq!(body["project"]["task_number"], json!(2));
    assert!(body["project"].get("task_data_password").is_none());
    assert_eq!(got.headers["x-token"], "abc");
    assert_eq!(got.headers["content-type"], "application/json");
    let signature = got.headers["x-labelsync-signature"].to_str().unwrap();
    assert_eq!(signature, format!("sha256={}", hmac_hex(&secret, &got.body)));

    let (status, log) = app.get(&format!("/api/webhooks/{}/deliveries", hook["id"])).await;
    assert_eq!(status, StatusCode::OK, "{log}");
    let delivered =
        log["results"].as_array().unwrap().iter().find(|d| d["action"] == "TASKS_CREATED").unwrap();
    assert_eq!(
        (&delivered["status"], &delivered["status_code"], &delivered["attempts"]),
        (&json!("delivered"), &json!(200), &json!(1))
    );
    assert!(log["count"].as_i64().unwrap() >= 1);
}
api_test!(deliveries_are_signed_and_carry_the_payload);

/// A receiver that answers 500 first gets the delivery again (the queue's retry) and the log
/// shows it delivered at attempt 2 with the 500 as its last error.
async fn failed_deliveries_are_retried(app: TestApp) {
    let (url, inbox) = receiver(1).await;
    let project = app.project().await;
    let hook = create(
        &app,
        json!({"project": project, "url": url, "send_for_all_actions": false, "actions": ["TASKS_CREATED"]}),
    )
    .await;
    app.import(project, json!([{"image_url": "a.jpg"}])).await;
    run_until(&app, "the retry", || inbox.all().len() >= 2).await;
    let all = inbox.all();
    assert_eq!(all.len(), 2, "one failure, one retry");
    assert_eq!(all[0].body, all[1].body, "the same body is sent again");
    let (_, log) = app.get(&format!("/api/webhooks/{}/deliveries", hook["id"])).await;
    assert_eq!(log["count"], json!(1), "{log}");
    let d = &log["results"][0];
    assert_eq!(
        (&d["status"], &d["status_code"], &d["attempts"]),
        (&json!("delivered"), &json!(200), &json!(2)),
        "{d}"
    );
    assert!(d["last_error"].as_str().unwrap().contains("500"), "{d}");
}
api_test!(failed_deliveries_are_retried);

/// With SSRF protection on, a webhook URL on a metadata or private address is a 400 naming the
/// blocked range, while an allow-listed loopback receiver is accepted and delivered to.
async fn guard_refuses_reserved_addresses(app: TestApp) {
    for (url, block) in [
        ("http://169.254.169.254/latest/meta-data", "169.254.0.0/16"),
        ("http://10.1.2.3/hook", "10.0.0.0/8"),
        ("http://[::1]:8080/hook", "::1/128"),
    ] {
        let (status, body) = app.post("/api/webhooks/", json!({"url": url})).await;
        assert_envelope(status, StatusCode::BAD_REQUEST, &body);
        let message = body["validation_errors"]["url"][0].as_str().unwrap_or_default();
        assert!(message.contains(block), "{url}: {body}");
    }
    let (url, inbox) = receiver(0).await;
    let hook = create(&app, json!({"url": url})).await;
    let (status, body) =
        app.patch(&format!("/api/webhooks/{}/", hook["id"]), json!({"url": "http://192.168.0.1/x"})).await;
    assert_envelope(status, StatusCode::BAD_REQUEST, &body);
    app.project().await;
    run_until(&app, "PROJECT_CREATED", || !inbox.of("PROJECT_CREATED").is_empty()).await;
}
api_test!(guard_refuses_reserved_addresses, |args| {
    args.worker.storage.ssrf_protection_enabled = true;
    args.worker.storage.outbound_allow_hosts = vec!["127.0.0.1".into()];
});

mod events;
