//! Proxy mode (`presign = false`): the server streams the object itself (`docs/label-studio-api.md`
//! §7.4), chunk by chunk as the provider sends it, never holding the whole object in memory.

use std::ops::Range;

use axum::body::Body;
use axum::http::header::{self, IF_RANGE, RANGE};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use futures::TryStreamExt;
use labelsync_db::storages::Storage;
use labelsync_storage::{Error, MediaObject};
use labelsync_sync::media::Located;

use crate::conditional::{self, RangeRequest, insert, unsatisfiable};
use crate::error::ApiResult;
use crate::error::storage as storage_error;
use crate::extract::AuthUser;
use crate::state::AppState;

/// Label Studio's `RESOLVER_PROXY_CACHE_TIMEOUT`.
const CACHE_CONTROL: &str = "private, max-age=3600, must-revalidate";

/// The object, or the byte range the request asks for (206). Without `Range`, an
/// `If-None-Match` naming the current `ETag` is answered 304. Storage failures are 424 with
/// Label Studio's `{"error", "detail"}` body; a range past the end is 416.
pub async fn stream(
    app: &AppState,
    auth: &AuthUser,
    storage: &Storage,
    located: &Located<'_>,
    headers: &HeaderMap,
) -> ApiResult<Response> {
    let media = app.media.get(app, storage).await.map_err(|err| storage_error::proxying(&err))?;
    let range = requested_range(headers);
    let object = match media.open(&located.key, range.clone()).await {
        Ok(object) => object,
        Err(Error::RangeNotSatisfiable { size, .. }) => return Ok(unsatisfiable(size)),
        Err(err) => return Err(storage_error::proxying(&err)),
    };
    let etag = object.meta.etag.as_deref().map(|tag| format!("\"{}1{tag}\"", auth.user.id));
    if range.is_none()
        && let Some(etag) = &etag
        && conditional::none_match(headers, etag)
    {
        let mut response = StatusCode::NOT_MODIFIED.into_response();
        validators(response.headers_mut(), &object, Some(etag));
        return Ok(response);
    }
    Ok(content(object, &located.key, range.is_some(), etag.as_deref()))
}

/// The single byte range asked for, end exclusive and not yet clamped to the object's size.
/// Suffix ranges (`bytes=-n`), `If-Range` requests, malformed and multiple ranges get the
/// whole object (RFC 9110 lets a server ignore `Range`; the size is unknown before the GET).
fn requested_range(headers: &HeaderMap) -> Option<Range<u64>> {
    if headers.contains_key(IF_RANGE) {
        return None;
    }
    let value = headers.get(RANGE)?.to_str().ok()?;
    let spec = value.trim().get(6..)?.trim_start();
    if spec.starts_with('-') {
        return None;
    }
    match conditional::parse_range(value, u64::MAX) {
        RangeRequest::Partial(range) => Some(range),
        RangeRequest::Full | RangeRequest::Unsatisfiable => None,
    }
}

fn content(object: MediaObject, key: &str, partial: bool, etag: Option<&str>) -> Response {
    let range = object.range.clone();
    let size = object.meta.size;
    let content_type = object
        .content_type
        .clone()
        .filter(|t| !t.is_empty() && !t.contains("octet-stream"))
        .or_else(|| mime_guess::from_path(key).first_raw().map(str::to_owned))
        .unwrap_or_else(|| "application/octet-stream".to_owned());
    let mut headers = HeaderMap::new();
    validators(&mut headers, &object, etag);
    let body = object.body.inspect_err(|err| tracing::warn!("media stream failed: {err}"));
    let mut response = Response::new(Body::from_stream(body));
    if partial {
        *response.status_mut() = StatusCode::PARTIAL_CONTENT;
        let value = format!("bytes {}-{}/{size}", range.start, range.end.saturating_sub(1));
        insert(&mut headers, header::CONTENT_RANGE, &value);
    }
    insert(&mut headers, header::CONTENT_TYPE, &content_type);
    headers.insert(header::CONTENT_LENGTH, HeaderValue::from(range.end - range.start));
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    response.headers_mut().extend(headers);
    response
}

/// `ETag`, `Last-Modified`, `Cache-Control` and `Accept-Ranges` (200, 206 and 304).
fn validators(headers: &mut HeaderMap, object: &MediaObject, etag: Option<&str>) {
    if let Some(etag) = etag {
        insert(headers, header::ETAG, etag);
    }
    if let Some(modified) = object.meta.last_modified {
        insert(headers, header::LAST_MODIFIED, &httpdate::fmt_http_date(modified.into()));
    }
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(CACHE_CONTROL));
    headers.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_range(value: &'static str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(RANGE, HeaderValue::from_static(value));
        headers
    }

    /// Open and closed ranges pass; suffix, multiple and malformed ranges mean the whole object.
    #[test]
    fn reads_ranges() {
        assert_eq!(requested_range(&with_range("bytes=0-9")), Some(0..10));
        assert_eq!(requested_range(&with_range("bytes=5-")), Some(5..u64::MAX));
        assert_eq!(requested_range(&with_range("bytes=-5")), None);
        assert_eq!(requested_range(&with_range("bytes=0-1,3-4")), None);
        assert_eq!(requested_range(&with_range("bytes=x")), None);
        assert_eq!(requested_range(&HeaderMap::new()), None);
        let mut headers = with_range("bytes=0-9");
        headers.insert(IF_RANGE, HeaderValue::from_static("\"x\""));
        assert_eq!(requested_range(&headers), None);
    }
}
