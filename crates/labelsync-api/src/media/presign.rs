//! Presign mode: `303 See Other` to a signed URL of the object (`docs/label-studio-api.md` §7.3).

use std::time::Duration;

use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use labelsync_db::storages::Storage;
use labelsync_storage::StorageKind;
use labelsync_sync::media::Located;

use crate::conditional::insert;
use crate::error::ApiResult;
use crate::error::storage as storage_error;
use crate::state::AppState;

/// A redirect to a URL signed for `presign_ttl` minutes, with
/// `Cache-Control: no-store, max-age=<ttl seconds>`. S3 URLs carry the content type guessed
/// from the key (`response-content-type`), as Label Studio's do. A storage that cannot sign
/// (bad configuration, provider error) answers 404, as Label Studio does.
pub async fn redirect(app: &AppState, storage: &Storage, located: &Located<'_>) -> ApiResult<Response> {
    let media =
        app.media.get(app, storage).await.map_err(|err| storage_error::presigning(storage.id, &err))?;
    let ttl_secs = located.source.presign_ttl_minutes.saturating_mul(60);
    let content_type = match located.source.kind {
        StorageKind::S3 => mime_guess::from_path(&located.key).first_raw(),
        _ => None,
    };
    let url = media
        .presign_get(&located.key, Duration::from_secs(ttl_secs), content_type)
        .await
        .map_err(|err| storage_error::presigning(storage.id, &err))?;
    let mut response = StatusCode::SEE_OTHER.into_response();
    let headers = response.headers_mut();
    insert(headers, header::LOCATION, url.as_str());
    insert(headers, header::CACHE_CONTROL, &format!("no-store, max-age={ttl_secs}"));
    headers.insert(header::CONTENT_LENGTH, HeaderValue::from_static("0"));
    Ok(response)
}

/// The request header that asks for the signed URL as JSON instead of a redirect (labelsync's
/// own): a page that authenticates with a header cannot follow a cross-origin `303` and read
/// where it went, so the labeling page asks for the URL and puts it in the task.
pub const RESOLVE_HEADER: &str = "x-labelsync-resolve";

/// Whether the request asked for the signed URL itself (`X-Labelsync-Resolve: url`).
pub fn wants_url(headers: &HeaderMap) -> bool {
    headers.get(RESOLVE_HEADER).is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"url"))
}

/// `redirect` as `200 {"url": …}` with `X-Labelsync-Resolved: url` (so a client tells it from an
/// object that happens to be JSON, which proxy mode streams as it is).
pub fn as_url(redirect: Response) -> Response {
    let location = redirect.headers().get(header::LOCATION).and_then(|v| v.to_str().ok()).unwrap_or_default();
    let mut response = axum::Json(serde_json::json!({ "url": location })).into_response();
    let headers = response.headers_mut();
    headers.insert(HeaderName::from_static("x-labelsync-resolved"), HeaderValue::from_static("url"));
    if let Some(cache) = redirect.headers().get(header::CACHE_CONTROL) {
        headers.insert(header::CACHE_CONTROL, cache.clone());
    }
    response
}
