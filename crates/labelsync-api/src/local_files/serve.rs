use std::ops::Range;
use std::path::Path;

use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use futures::TryStreamExt;
use labelsync_storage::local::LocalFile;
use serde::Deserialize;

use super::access::readable_file;
use crate::conditional::{self, RangeRequest, insert, unsatisfiable};
use crate::error::ApiResult;
use crate::error::storage as storage_error;
use crate::extract::{AuthUser, Query};
use crate::state::AppState;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct FileQuery {
    /// The file's path relative to `LOCAL_FILES_DOCUMENT_ROOT` (a leading `/` is ignored).
    pub d: Option<String>,
}

/// A file of a local-files import storage of the caller's organization, streamed. `HEAD`
/// answers the same headers without the body.
///
/// Headers: `Content-Type` from the extension, `Content-Length`, weak
/// `ETag: W/"<mtime_ns hex>-<size hex>"`, `Last-Modified`, `Accept-Ranges: bytes`,
/// `Cache-Control: private`. `If-None-Match` → 304; one byte range → 206; malformed or
/// multiple ranges are ignored (200).
#[utoipa::path(method(get, head), path = "/data/local-files/", tag = "local files", params(FileQuery),
    responses(
        (status = 200, description = "The file, with the `Content-Type` of its extension", content_type = "*/*"),
        (status = 206, description = "One byte range of the file, with `Content-Range`"),
        (status = 304, description = "`If-None-Match` names the file's current entity tag"),
        (status = 401, description = "Not authenticated"),
        (status = 403, description = "Serving local files is disabled on this server, or `d` is missing"),
        (status = 404, description = "No such file under a local-files import storage of the caller's organization"),
        (status = 416, description = "The range starts at or after the end of the file (`Content-Range: bytes */<size>`)")))]
pub async fn serve_file(
    State(app): State<AppState>,
    auth: AuthUser,
    headers: HeaderMap,
    Query(query): Query<FileQuery>,
) -> ApiResult<Response> {
    let file = readable_file(&app, &auth, query.d.as_deref()).await?;
    let validators = Validators::of(&file);
    if conditional::none_match(&headers, &validators.etag) {
        return Ok(validators.apply(StatusCode::NOT_MODIFIED.into_response()));
    }
    let last_modified = validators.last_modified.as_deref();
    let range = match conditional::byte_range(&headers, file.size(), &validators.etag, last_modified) {
        RangeRequest::Full => None,
        RangeRequest::Partial(range) => Some(range),
        RangeRequest::Unsatisfiable => return Ok(unsatisfiable(file.size())),
    };
    let partial = range.is_some();
    let object = match file.open(range).await {
        Ok(object) => object,
        // The file shrank between the check above and the open.
        Err(labelsync_storage::Error::RangeNotSatisfiable { size, .. }) => return Ok(unsatisfiable(size)),
        Err(err) => return Err(storage_error::serving_local_file(err)),
    };
    let body = object.body.inspect_err(|err| tracing::warn!("local file stream failed: {err}"));
    let response = content(Body::from_stream(body), file.path(), &object.range, object.meta.size, partial);
    Ok(validators.apply(response))
}

/// The validators and caching headers of one version of the file.
struct Validators {
    etag: String,
    last_modified: Option<String>,
}

impl Validators {
    fn of(file: &LocalFile) -> Validators {
        Validators { etag: file.weak_etag(), last_modified: file.modified().map(httpdate::fmt_http_date) }
    }

    /// Adds `ETag`, `Last-Modified`, `Cache-Control` and `Accept-Ranges` (200, 206 and 304).
    fn apply(&self, mut response: Response) -> Response {
        let headers = response.headers_mut();
        insert(headers, header::ETAG, &self.etag);
        if let Some(date) = &self.last_modified {
            insert(headers, header::LAST_MODIFIED, date);
        }
        // Per-user authorization: shared caches must not keep it.
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("private"));
        headers.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
        response
    }
}

/// A 200 of the whole file or a 206 of `range`, with the file's content headers.
fn content(body: Body, path: &Path, range: &Range<u64>, size: u64, partial: bool) -> Response {
    let mut response = Response::new(body);
    if partial {
        *response.status_mut() = StatusCode::PARTIAL_CONTENT;
    }
    let headers = response.headers_mut();
    let mime = mime_guess::from_path(path).first_raw().unwrap_or("application/octet-stream");
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(mime));
    headers.insert(header::CONTENT_LENGTH, HeaderValue::from(range.end - range.start));
    // The type is our guess from the extension; browsers must not second-guess it into HTML.
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    if partial {
        let value = format!("bytes {}-{}/{size}", range.start, range.end - 1);
        insert(headers, header::CONTENT_RANGE, &value);
    }
    response
}
