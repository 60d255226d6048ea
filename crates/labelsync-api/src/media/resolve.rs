//! `GET /tasks/{id}/resolve/?fileuri=…` and `GET /projects/{id}/resolve/?fileuri=…` (and their
//! `/presign/` spellings): the browser-facing URL of a storage URI (`docs/label-studio-api.md`
//! §7.2).

use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use labelsync_sync::media::uri::decode_fileuri;
use serde::Deserialize;

use super::ProjectMedia;
use crate::error::{ApiError, ApiResult};
use crate::extract::{AuthUser, Path, Query};
use crate::state::AppState;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct ResolveQuery {
    /// The storage URI (`s3://bucket/key`, `gs://…`, `azure-blob://…`) in URL-safe base64
    /// with padding; a percent-encoded URI is accepted too.
    pub fileuri: Option<String>,
}

/// The object a storage URI names, for a task's browser view: `303` to a signed URL when the
/// storage presigns, else the object streamed (`Range` → 206, `ETag`, `If-None-Match` → 304).
/// The URI must belong to an import storage of the task's project (type and bucket match).
#[utoipa::path(get, path = "/tasks/{id}/resolve/", tag = "media",
    params(("id" = i64, Path, description = "Task id"), ResolveQuery),
    responses((status = 200, description = "The object (proxy mode)"),
        (status = 206, description = "A byte range of the object (proxy mode)"),
        (status = 303, description = "Redirect to a signed URL (`Cache-Control: no-store, max-age=<presign_ttl*60>`)"),
        (status = 304, description = "`If-None-Match` names the current `ETag` (proxy mode)"),
        (status = 400, description = "`fileuri` is missing"),
        (status = 404, description = "No such task, or the URI belongs to no import storage of its project"),
        (status = 424, description = "The storage failed while streaming (proxy mode)")))]
pub async fn resolve_task(
    State(app): State<AppState>,
    auth: AuthUser,
    Path(id): Path<i64>,
    headers: HeaderMap,
    Query(query): Query<ResolveQuery>,
) -> ApiResult<Response> {
    let fileuri = required(&query)?;
    let task = crate::tasks::load(&app.db, &auth, id).await?;
    respond(&app, &auth, task.project_id, fileuri, &headers).await
}

/// Legacy spelling of [`resolve_task`].
#[utoipa::path(get, path = "/tasks/{id}/presign/", tag = "media",
    params(("id" = i64, Path, description = "Task id"), ResolveQuery),
    responses((status = 200, description = "As `/tasks/{id}/resolve/`: the object (proxy mode)"),
        (status = 206, description = "A byte range of the object (proxy mode)"),
        (status = 303, description = "Redirect to a signed URL"),
        (status = 304, description = "`If-None-Match` names the current `ETag` (proxy mode)"),
        (status = 400, description = "`fileuri` is missing"),
        (status = 404, description = "No such task, or the URI belongs to no import storage of it"),
        (status = 424, description = "The storage failed while streaming (proxy mode)")))]
pub async fn presign_task(
    state: State<AppState>,
    auth: AuthUser,
    path: Path<i64>,
    headers: HeaderMap,
    query: Query<ResolveQuery>,
) -> ApiResult<Response> {
    resolve_task(state, auth, path, headers, query).await
}

/// As `/tasks/{id}/resolve/`, for any import storage of the project (no task needed).
#[utoipa::path(get, path = "/projects/{id}/resolve/", tag = "media",
    params(("id" = i64, Path, description = "Project id"), ResolveQuery),
    responses((status = 200, description = "The object (proxy mode)"),
        (status = 206, description = "A byte range of the object (proxy mode)"),
        (status = 303, description = "Redirect to a signed URL"),
        (status = 304, description = "`If-None-Match` names the current `ETag` (proxy mode)"),
        (status = 400, description = "`fileuri` is missing"),
        (status = 404, description = "No such project, or the URI belongs to none of its import storages"),
        (status = 424, description = "The storage failed while streaming (proxy mode)")))]
pub async fn resolve_project(
    State(app): State<AppState>,
    auth: AuthUser,
    Path(id): Path<i64>,
    headers: HeaderMap,
    Query(query): Query<ResolveQuery>,
) -> ApiResult<Response> {
    let fileuri = required(&query)?;
    let project = crate::projects::load(&app.db, &auth, id).await?;
    respond(&app, &auth, project.id, fileuri, &headers).await
}

/// Legacy spelling of [`resolve_project`].
#[utoipa::path(get, path = "/projects/{id}/presign/", tag = "media",
    params(("id" = i64, Path, description = "Project id"), ResolveQuery),
    responses((status = 200, description = "As `/projects/{id}/resolve/`: the object (proxy mode)"),
        (status = 206, description = "A byte range of the object (proxy mode)"),
        (status = 303, description = "Redirect to a signed URL"),
        (status = 304, description = "`If-None-Match` names the current `ETag` (proxy mode)"),
        (status = 400, description = "`fileuri` is missing"),
        (status = 404, description = "No such project, or the URI belongs to no import storage of it"),
        (status = 424, description = "The storage failed while streaming (proxy mode)")))]
pub async fn presign_project(
    state: State<AppState>,
    auth: AuthUser,
    path: Path<i64>,
    headers: HeaderMap,
    query: Query<ResolveQuery>,
) -> ApiResult<Response> {
    resolve_project(state, auth, path, headers, query).await
}

fn required(query: &ResolveQuery) -> ApiResult<&str> {
    query
        .fileuri
        .as_deref()
        .filter(|v| !v.is_empty())
        .ok_or_else(|| ApiError::BadRequest("Query parameter \"fileuri\" is required.".to_owned()))
}

/// Finds the storage of `project_id` that `fileuri` belongs to and answers with a redirect or
/// the object.
async fn respond(
    app: &AppState,
    auth: &AuthUser,
    project_id: i64,
    fileuri: &str,
    headers: &HeaderMap,
) -> ApiResult<Response> {
    let uri = decode_fileuri(fileuri);
    let media = ProjectMedia::load(app, project_id).await?;
    let located = media.sources.find(&uri).ok_or_else(ApiError::not_found)?;
    let storage =
        media.storages.iter().find(|s| s.id == located.source.storage_id).ok_or_else(ApiError::not_found)?;
    if located.source.presign {
        let redirect = super::presign::redirect(app, storage, &located).await?;
        Ok(if super::presign::wants_url(headers) { super::presign::as_url(redirect) } else { redirect })
    } else {
        super::proxy::stream(app, auth, storage, &located, headers).await
    }
}
