//! `/metrics`: open by default, behind `LABELSYNC_METRICS_TOKEN` (Bearer, as Prometheus sends
//! it) when set.

use labelsync_tests::{TestApp, api_test, send};
use reqwest::{Method, StatusCode};

const TOKEN: &str = "scrape-token-0123456789";

/// Without a metrics token, anyone may scrape (as before).
async fn metrics_open_by_default(app: TestApp) {
    let response = app.anonymous(Method::GET, "/metrics").send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.text().await.unwrap().contains("labelsync_"));
}
api_test!(metrics_open_by_default);

/// With a metrics token, only `Authorization: Bearer <token>` scrapes; anything else is 401
/// and shows no metric.
async fn metrics_behind_token(app: TestApp) {
    let scrape = |header: Option<String>| {
        let mut request = app.anonymous(Method::GET, "/metrics");
        if let Some(header) = header {
            request = request.header("Authorization", header);
        }
        request
    };
    for header in [
        None,
        Some("Bearer wrong".to_owned()),
        Some(format!("Bearer {TOKEN}x")),
        Some(format!("Token {TOKEN}")),
        Some(format!("Basic {TOKEN}")),
        Some(format!("Token {}", app.admin_token)),
    ] {
        let (status, body) = send(scrape(header.clone())).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{header:?}: {body}");
        assert!(!body.to_string().contains("labelsync_http"), "{body}");
    }
    let response = scrape(Some(format!("Bearer {TOKEN}"))).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.text().await.unwrap().contains("labelsync_"));
}
api_test!(metrics_behind_token, |args| args.metrics_token = Some(super::TOKEN.into()));
