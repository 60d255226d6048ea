//! A hostile S3 endpoint (an in-process axum server a tenant could point a storage at):
//! listings that go round in circles or never end, and task files that trickle. Each import
//! sync ends on its own, within the configured limits, with a traceback saying what happened;
//! nothing is buffered without bound (the endless answers would exhaust memory otherwise).

use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::{Path, Query};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use bytes::Bytes;
use futures::StreamExt;
use labelsync_server::config::ServeArgs;
use labelsync_tests::{TestApp, api_test, json, send};
use reqwest::{Method, StatusCode};
use serde_json::Value;

/// How an endpoint misbehaves once the storage is saved (a one-key listing, as validation
/// asks for, is always answered properly).
#[derive(Debug, Clone, Copy)]
enum Hostility {
    /// Continuation tokens A, B, A, B, …
    TokenCycle,
    /// A listing page that never ends.
    EndlessPage,
    /// `slow.json` arrives a byte at a time; `ok.json` is fine.
    TricklingObject,
}

/// Short limits, so the scenarios end in seconds.
fn short_limits(args: &mut ServeArgs) {
    args.worker.storage.outbound.outbound_timeout_secs = 1.0;
    args.worker.storage.outbound.outbound_max_response_bytes = 64 * 1024;
}

/// Serves the hostile endpoint on a loopback port; returns its URL.
async fn serve(hostility: Hostility) -> String {
    let listing = move |Path(_bucket): Path<String>, Query(query): Query<Vec<(String, String)>>| async move {
        list(hostility, &query)
    };
    let object = move |Path((_bucket, key)): Path<(String, String)>| async move { object(hostility, &key) };
    let app = Router::new().route("/{bucket}", get(listing)).route("/{bucket}/{*key}", get(object));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(async move { axum::serve(listener, app).await });
    url
}

fn list(hostility: Hostility, query: &[(String, String)]) -> Response {
    let param = |name: &str| query.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str());
    let first_key_only = param("max-keys") == Some("1");
    match (hostility, param("continuation-token")) {
        (_, None) if first_key_only => xml(page(&["ok.json"], None)),
        (Hostility::TokenCycle, token) => {
            let next = if token == Some("A") { "B" } else { "A" };
            xml(page(&[&format!("from-{}.json", token.unwrap_or("start"))], Some(next)))
        }
        (Hostility::EndlessPage, _) => {
            let head = Bytes::from(page_head());
            let entry = Bytes::from(contents("x.json").repeat(64));
            let endless = futures::stream::once(async { head })
                .chain(futures::stream::repeat(entry))
                .map(Ok::<_, std::io::Error>);
            Response::builder()
                .header("content-type", "application/xml")
                .body(Body::from_stream(endless))
                .expect("response")
        }
        (Hostility::TricklingObject, _) => xml(page(&["ok.json", "slow.json"], None)),
    }
}

fn object(hostility: Hostility, key: &str) -> Response {
    match (hostility, key) {
        (Hostility::TricklingObject, "slow.json") => {
            let trickle = futures::stream::unfold((), |()| async {
                tokio::time::sleep(Duration::from_millis(100)).await;
                Some((Ok::<_, std::io::Error>(Bytes::from_static(b" ")), ()))
            });
            // object_store needs the length up front; the 40 bytes would take 4 s.
            Response::builder()
                .header("content-length", "40")
                .body(Body::from_stream(trickle))
                .expect("response")
        }
        _ => task_file(key).into_response(),
    }
}

/// The task file served for `key`.
fn task_file(key: &str) -> String {
    json!({"data": {"image": format!("https://example.com/{key}")}}).to_string()
}

fn page_head() -> String {
    r#"<?xml version="1.0" encoding="UTF-8"?><ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>hostile</Name>"#.to_owned()
}

/// A listed object with its true size (`slow.json` is listed with the 40 bytes it announces).
fn contents(key: &str) -> String {
    let size = if key == "slow.json" { 40 } else { task_file(key).len() };
    format!(
        "<Contents><Key>{key}</Key><LastModified>2026-01-01T00:00:00.000Z</LastModified>\
         <ETag>&quot;e&quot;</ETag><Size>{size}</Size></Contents>"
    )
}

fn page(keys: &[&str], next: Option<&str>) -> String {
    let mut body = page_head();
    body.push_str(&format!("<IsTruncated>{}</IsTruncated>", next.is_some()));
    for key in keys {
        body.push_str(&contents(key));
    }
    if let Some(next) = next {
        body.push_str(&format!("<NextContinuationToken>{next}</NextContinuationToken>"));
    }
    body.push_str("</ListBucketResult>");
    body
}

fn xml(body: String) -> Response {
    ([("content-type", "application/xml")], body).into_response()
}

/// Creates an S3 import storage (Tasks mode) on the hostile endpoint, syncs it and returns
/// the storage after the sync and how many job attempts were retried. The sync must end on
/// its own: a hang fails the test.
async fn hostile_sync(app: &TestApp, hostility: Hostility) -> (Value, usize) {
    let endpoint = serve(hostility).await;
    let project = app.project().await;
    let body = json!({"project": project, "bucket": "hostile", "use_blob_urls": false,
        "aws_access_key_id": "AKIDEXAMPLE", "aws_secret_access_key": "secret",
        "s3_endpoint": endpoint, "region_name": "us-east-1"});
    let (status, created) = app.post("/api/storages/s3/", body).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let path = format!("/api/storages/s3/{}", created["id"]);
    let (status, queued) = send(app.request(Method::POST, &format!("{path}/sync"))).await;
    assert_eq!(status, StatusCode::OK, "{queued}");
    let drained =
        tokio::time::timeout(Duration::from_secs(120), app.run_jobs()).await.expect("the sync ends");
    (app.get(&path).await.1, drained.retried)
}

/// Continuation tokens A, B, A…: the listing is refused at the first repeat and the sync
/// fails for good (no retry), saying the listing does not advance.
async fn token_cycle(app: TestApp) {
    let (storage, retried) = hostile_sync(&app, Hostility::TokenCycle).await;
    assert_eq!(storage["status"], "failed", "{storage}");
    let traceback = storage["traceback"].as_str().unwrap_or_default();
    assert!(traceback.contains("the listing does not advance"), "{traceback}");
    assert!(traceback.contains("S3(s3://hostile)"), "{traceback}");
    assert_eq!(retried, 0, "a listing that repeats itself is not retried");
}
api_test!(token_cycle, super::short_limits);

/// A listing page that never ends is cut off at the response cap and fails the sync with
/// the cap and its setting named.
async fn endless_listing_page(app: TestApp) {
    let (storage, retried) = hostile_sync(&app, Hostility::EndlessPage).await;
    assert_eq!(storage["status"], "failed", "{storage}");
    assert_eq!(retried, 0, "an oversized answer is not retried");
    let traceback = storage["traceback"].as_str().unwrap_or_default();
    assert!(traceback.contains("answered with more than 65536 bytes"), "{traceback}");
    assert!(traceback.contains("LABELSYNC_OUTBOUND_MAX_RESPONSE_BYTES"), "{traceback}");
}
api_test!(endless_listing_page, super::short_limits);

/// A task file that trickles is given up after the request timeout and recorded as that
/// file's error; the other file is imported and the sync ends `completed_with_errors`.
async fn trickling_task_file(app: TestApp) {
    let (storage, _) = hostile_sync(&app, Hostility::TricklingObject).await;
    assert_eq!(storage["status"], "completed_with_errors", "{storage}");
    assert_eq!(storage["last_sync_count"], 1, "{storage}");
    let traceback = storage["traceback"].as_str().unwrap_or_default();
    assert!(traceback.contains("slow.json took longer than 1 s"), "{traceback}");
    assert!(!traceback.contains("ok.json"), "{traceback}");
}
api_test!(trickling_task_file, super::short_limits);
