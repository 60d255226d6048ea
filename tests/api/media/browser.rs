//! A real browser (headless Chromium, `LABELSYNC_TEST_CHROMIUM`) loads a synced S3 image task's
//! resolved URL into an `<img>` and the image renders (natural width 3), once through the
//! presigned S3 URL and once through proxy mode.
//!
//! The page is a local file. For presign it points the `<img>` at the signed URL the resolve
//! endpoint redirects to; for proxy mode it fetches the resolve URL with the token header (as a
//! frontend with token auth would) and shows the blob. `--disable-web-security` lets the
//! file page send that header to the server without CORS (labelsync serves no CORS headers).

use labelsync_storage::testing::{S3Fixture, skip_or_fail};
use labelsync_tests::{TestApp, api_test, json};
use reqwest::StatusCode;

use super::s3::s3_setup;
use super::{raw_get, resolve_url};

/// Renders `html` in headless Chromium and returns the `data-w` attribute the page sets on
/// `<body>` (the image's natural width, or an error text).
async fn render(app: &TestApp, name: &str, html: &str) -> Option<String> {
    let Ok(chromium) = std::env::var("LABELSYNC_TEST_CHROMIUM") else {
        skip_or_fail(name, "LABELSYNC_TEST_CHROMIUM is not set");
        return None;
    };
    let page = app.dir.join(format!("{name}.html"));
    std::fs::write(&page, html).unwrap();
    let profile = tempfile::tempdir().unwrap();
    // `timeout` bounds a hung browser; the test fails instead of hanging.
    let mut command = std::process::Command::new("timeout");
    command
        .args(["90", &chromium])
        .args(["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run"])
        .args(["--disable-background-networking", "--disable-component-update", "--disable-sync"])
        .args(["--disable-web-security", "--virtual-time-budget=15000", "--dump-dom"])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg(format!("file://{}", page.display()));
    let output = tokio::task::spawn_blocking(move || command.output()).await.unwrap().expect("chromium ran");
    let dom = String::from_utf8_lossy(&output.stdout).into_owned();
    let width = dom.split("data-w=\"").nth(1).and_then(|rest| rest.split('"').next()).map(str::to_owned);
    assert!(width.is_some(), "no result in the page: {dom}\n{}", String::from_utf8_lossy(&output.stderr));
    width
}

const REPORT: &str = "function report(v) { document.body.setAttribute('data-w', String(v)); }";

/// Presign: the browser renders the object from the signed S3 URL of the 303.
async fn browser_presigned(app: TestApp) {
    let Some(fixture) = S3Fixture::for_test("browser_presigned").await else { return };
    let project = app.project().await;
    let (_, task) = s3_setup(&app, &fixture, project, true).await;
    let (_, detail) = app.get(&format!("/api/tasks/{task}/")).await;
    let url = detail["data"]["image_url"].as_str().unwrap().to_owned();
    assert_eq!(url, resolve_url(task, &format!("s3://{}/media/red.png", fixture.bucket())));
    let response = raw_get(&app, &app.admin_token, &url, &[]).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let location = response.headers()["location"].to_str().unwrap().replace('&', "&amp;");
    let html = format!(
        "<html><body><script>{REPORT}</script>\
         <img src=\"{location}\" onload=\"report(this.naturalWidth)\" onerror=\"report('error')\"></body></html>"
    );
    let Some(width) = render(&app, "browser_presigned", &html).await else { return };
    assert_eq!(width, "3");
}
api_test!(browser_presigned);

/// Proxy mode: the browser fetches the resolve URL with the token and renders the bytes.
async fn browser_proxied(app: TestApp) {
    let Some(fixture) = S3Fixture::for_test("browser_proxied").await else { return };
    let project = app.project().await;
    let (_, task) = s3_setup(&app, &fixture, project, false).await;
    let (_, detail) = app.get(&format!("/api/tasks/{task}/")).await;
    let url = format!("{}{}", app.base, detail["data"]["image_url"].as_str().unwrap());
    let script = format!(
        "{REPORT}\nfetch({url}, {{headers: {{Authorization: {auth}}}}})\
         .then(r => r.ok ? r.blob() : Promise.reject('status ' + r.status))\
         .then(b => {{ const i = new Image(); i.onload = () => report(i.naturalWidth);\
           i.onerror = () => report('error'); i.src = URL.createObjectURL(b); }})\
         .catch(e => report('fetch failed: ' + e));",
        url = json!(url),
        auth = json!(format!("Token {}", app.admin_token)),
    );
    let html = format!("<html><body><script>{script}</script></body></html>");
    let Some(width) = render(&app, "browser_proxied", &html).await else { return };
    assert_eq!(width, "3");
}
api_test!(browser_proxied);
