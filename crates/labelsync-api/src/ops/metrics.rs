use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::error::ApiError;
use crate::state::AppState;

/// Prometheus metrics: requests by route and status, request latency, database pool, jobs.
/// With `LABELSYNC_METRICS_TOKEN` set, only for `Authorization: Bearer <token>` (what
/// Prometheus sends with `authorization: {credentials: …}`); open otherwise.
#[utoipa::path(get, path = "/metrics", tag = "ops",
    responses((status = 200, description = "Prometheus text exposition format", content_type = "text/plain", body = String),
               (status = 401, description = "LABELSYNC_METRICS_TOKEN is set and was not sent")))]
pub async fn metrics(State(app): State<AppState>, headers: HeaderMap) -> Response {
    if let Some(expected) = &app.config.metrics_token
        && !bearer_matches(&headers, expected)
    {
        return ApiError::Unauthorized("Authentication credentials were not provided.".into())
            .into_response();
    }
    let Some(handle) = &app.metrics else {
        return (StatusCode::NOT_FOUND, "metrics are disabled").into_response();
    };
    let (size, idle) = app.db.pool_state();
    metrics::gauge!("labelsync_db_pool_connections").set(f64::from(size));
    metrics::gauge!("labelsync_db_pool_idle_connections").set(idle as f64);
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], handle.render()).into_response()
}

/// True when the request carries `Authorization: Bearer <expected>`. Digests are compared, so
/// the time taken says nothing about how much of the token matched.
fn bearer_matches(headers: &HeaderMap, expected: &str) -> bool {
    let sent = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim);
    let digest = |s: &str| ring::digest::digest(&ring::digest::SHA256, s.as_bytes());
    sent.is_some_and(|sent| digest(sent).as_ref() == digest(expected).as_ref())
}

/// Counts every routed request by method, route template and status, and times it.
pub async fn track(req: Request, next: Next) -> Response {
    let start = Instant::now();
    let method = req.method().to_string();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |p| p.as_str().to_owned());
    let response = next.run(req).await;
    let status = response.status().as_u16().to_string();
    metrics::counter!("labelsync_http_requests_total", "method" => method.clone(),
        "route" => route.clone(), "status" => status)
    .increment(1);
    metrics::histogram!("labelsync_http_request_duration_seconds", "method" => method, "route" => route)
        .record(start.elapsed().as_secs_f64());
    response
}
