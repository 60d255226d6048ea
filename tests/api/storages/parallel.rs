//! Parallel prefix listing through a whole sync, on both databases, against s3s-fs: six
//! sub-prefixes are listed at once, every object becomes exactly one task, and a prefix whose
//! listing fails mid-way is retried from the committed checkpoint, which skips the prefixes
//! already finished and resumes the others after their last page.

use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::response::Response;
use labelsync_storage::testing::{Fixture, S3Fixture, set_listing_page_size};
use labelsync_tests::{TestApp, api_test, json};
use reqwest::StatusCode;
use serde_json::Value;

use super::lifecycle::sync;

const PREFIXES: usize = 6;
const PER_PREFIX: usize = 25;
const AT_TOP: usize = 3;
/// Objects per listing page: each prefix takes three pages, the top level (nine entries) one.
const PAGE: usize = 10;
/// The prefix whose third page fails once.
const FAILING: &str = "p3/";

/// One listing call the proxy saw.
#[derive(Debug, Clone)]
struct Listed {
    prefix: String,
    delimited: bool,
    start_after: Option<String>,
    continued: bool,
    failed: bool,
}

/// A reverse proxy in front of s3s-fs that keeps the `Host` header (so SigV4 signatures stay
/// valid), records every listing call, and answers the third page of [`FAILING`]'s listing
/// with `400 RequestTimeout` once.
#[derive(Clone)]
struct FaultyProxy {
    upstream: String,
    client: reqwest::Client,
    log: Arc<Mutex<Vec<Listed>>>,
}

async fn forward(State(proxy): State<FaultyProxy>, request: Request) -> Response {
    let query: Vec<(String, String)> =
        url::form_urlencoded::parse(request.uri().query().unwrap_or_default().as_bytes())
            .into_owned()
            .collect();
    let param = |name: &str| query.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
    if param("list-type").is_some() {
        let mut log = proxy.log.lock().unwrap();
        let mut listed = Listed {
            prefix: param("prefix").unwrap_or_default(),
            delimited: param("delimiter").is_some(),
            start_after: param("start-after"),
            continued: param("continuation-token").is_some(),
            failed: false,
        };
        let pages_before = log.iter().filter(|l| l.prefix == FAILING && !l.delimited && !l.failed).count();
        let failed_before = log.iter().any(|l| l.failed);
        if listed.prefix == FAILING && !listed.delimited && pages_before == 2 && !failed_before {
            listed.failed = true;
            log.push(listed);
            let body = "<Error><Code>RequestTimeout</Code><Message>injected</Message></Error>";
            return Response::builder().status(400).body(Body::from(body)).unwrap();
        }
        log.push(listed);
    }
    let (parts, body) = request.into_parts();
    let body = axum::body::to_bytes(body, usize::MAX).await.unwrap();
    let url = format!("{}{}", proxy.upstream, parts.uri.path_and_query().map(|p| p.as_str()).unwrap_or("/"));
    let answer =
        proxy.client.request(parts.method, url).headers(parts.headers).body(body).send().await.unwrap();
    let mut response = Response::builder().status(answer.status().as_u16());
    for (name, value) in answer.headers() {
        response = response.header(name, value);
    }
    response.body(Body::from(answer.bytes().await.unwrap())).unwrap()
}

impl FaultyProxy {
    async fn start(upstream: &str) -> (String, Arc<Mutex<Vec<Listed>>>) {
        let proxy = FaultyProxy {
            upstream: upstream.trim_end_matches('/').to_owned(),
            client: reqwest::Client::new(),
            log: Arc::default(),
        };
        let log = proxy.log.clone();
        let app = Router::new().fallback(forward).with_state(proxy);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let url = format!("http://{}", listener.local_addr().expect("addr"));
        tokio::spawn(async move { axum::serve(listener, app).await });
        (url, log)
    }
}

async fn count(app: &TestApp, sql: String) -> i64 {
    labelsync_db::testing::scalar_i64(&app.db, &sql).await.expect(&sql)
}

/// 153 blobs in six sub-prefixes and at the top: the third page of `p3/` fails once, the job is
/// retried and resumes from the committed checkpoint of every part (finished prefixes are not
/// listed again, started ones go on after their last page), and every blob is one task.
async fn a_prefix_failing_mid_way_resumes_every_part(app: TestApp) {
    let Some(fixture) = S3Fixture::for_test("a_prefix_failing_mid_way_resumes_every_part").await else {
        return;
    };
    let mut names: Vec<String> = (0..AT_TOP).map(|i| format!("top-{i}.png")).collect();
    for p in 0..PREFIXES {
        names.extend((0..PER_PREFIX).map(|i| format!("p{p}/{i:02}.png")));
    }
    for name in &names {
        fixture.seed(name, b"png").await;
    }
    set_listing_page_size(Some(PAGE));
    let (endpoint, log) = FaultyProxy::start(fixture.endpoint()).await;
    let (key, secret) = fixture.keys();
    let project = app.project().await;
    let fields = json!({"project": project, "bucket": fixture.bucket(), "s3_endpoint": endpoint,
        "aws_access_key_id": key, "aws_secret_access_key": secret, "use_blob_urls": true, "recursive_scan": true});
    let (status, created) = app.post("/api/storages/s3/", fields).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let storage_id = created["id"].as_i64().unwrap();
    let done = sync(&app, &format!("/api/storages/s3/{storage_id}")).await;
    set_listing_page_size(None);

    assert_eq!(done["status"], "completed", "{done}");
    let total = names.len() as i64;
    let tasks = count(&app, format!("select count(*) from tasks where project_id = {project}")).await;
    let keys =
        count(&app, format!("select count(distinct key) from import_links where storage_id = {storage_id}"));
    assert_eq!((tasks, keys.await), (total, total), "every blob is exactly one task");

    let log = log.lock().unwrap().clone();
    let failure = log.iter().position(|l| l.failed).expect("the injected failure happened");
    let resumed_from = done["meta"]["resumed_from"].as_str().unwrap_or_else(|| panic!("not resumed: {done}"));
    let state: Value =
        serde_json::from_str(resumed_from.strip_prefix("parts:").expect("a parallel checkpoint"))
            .expect("checkpoint JSON");
    let remaining: Vec<(&str, Option<&str>)> = state["parts"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|part| part["r"] == true)
        .map(|part| (part["p"].as_str().unwrap(), part["at"].as_str()))
        .collect();
    assert!(remaining.iter().any(|(p, _)| *p == FAILING), "{FAILING} was not finished: {remaining:?}");
    for listed in log[failure + 1..].iter().filter(|l| !l.delimited && l.prefix.starts_with('p')) {
        let Some((_, at)) = remaining.iter().find(|(p, _)| *p == listed.prefix) else {
            panic!("{} was finished before the failure but listed again: {log:#?}", listed.prefix);
        };
        if let (Some(at), false) = (at, listed.continued) {
            let after = at.rsplit(':').next().unwrap();
            assert_eq!(
                listed.start_after.as_deref(),
                Some(after),
                "{} resumes after its last page",
                listed.prefix
            );
        }
    }
    let resumed = log[failure + 1..].iter().filter(|l| !l.delimited && l.start_after.is_some()).count();
    assert!(resumed > 0, "no part resumed after a page: {log:#?}");
    let relisted = done["meta"]["objects_listed"].as_i64().unwrap();
    assert!(relisted < total, "the retry listed {relisted} of {total} objects: it did not start over");
}
api_test!(a_prefix_failing_mid_way_resumes_every_part, |args| args.worker.sync_batch_size = 10);

/// Six sub-prefixes and top-level blobs synced with parallel listing and re-synced: each blob
/// is one task, and the re-sync creates none.
async fn parallel_sync_imports_each_object_once(app: TestApp) {
    let Some(fixture) = S3Fixture::for_test("parallel_sync_imports_each_object_once").await else { return };
    let mut names: Vec<String> = (0..AT_TOP).map(|i| format!("top-{i}.png")).collect();
    for p in 0..PREFIXES {
        names.extend((0..PER_PREFIX).map(|i| format!("p{p}/{i:02}.png")));
    }
    for name in &names {
        fixture.seed(name, b"png").await;
    }
    let (key, secret) = fixture.keys();
    let project = app.project().await;
    let fields = json!({"project": project, "bucket": fixture.bucket(), "s3_endpoint": fixture.endpoint(),
        "aws_access_key_id": key, "aws_secret_access_key": secret, "use_blob_urls": true, "recursive_scan": true});
    let (status, created) = app.post("/api/storages/s3/", fields).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let path = format!("/api/storages/s3/{}", created["id"]);
    let first = sync(&app, &path).await;
    assert_eq!(first["last_sync_count"], names.len(), "{first}");
    let again = sync(&app, &path).await;
    assert_eq!(again["last_sync_count"], 0, "{again}");
    let tasks = count(&app, format!("select count(*) from tasks where project_id = {project}")).await;
    assert_eq!(tasks, names.len() as i64);
}
api_test!(parallel_sync_imports_each_object_once);
