use axum::Json;
use axum::extract::State;
use labelsync_storage::StorageKind;
use serde::Deserialize;

use super::json::{ExportStorage, ImportStorage, StorageBody};
use crate::error::{ApiError, ApiResult};
use crate::extract::{AuthUser, Path, Query};
use crate::state::AppState;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct ProjectQuery {
    /// Project id (required).
    pub project: Option<String>,
}

/// The project of a `?project=` query: missing → 400, not a number or not ours → 404.
pub async fn project_of(app: &AppState, auth: &AuthUser, query: &ProjectQuery) -> ApiResult<i64> {
    let raw = query
        .project
        .as_deref()
        .filter(|p| !p.is_empty())
        .ok_or_else(|| ApiError::non_field("query parameter \"project\" is required"))?;
    let id: i64 = raw.trim().parse().map_err(|_| ApiError::not_found())?;
    let project = labelsync_db::projects::find(&app.db, auth.org_id, id).await?;
    project.map(|p| p.id).ok_or_else(|| ApiError::no_match("Project"))
}

pub async fn list<B: StorageBody>(
    app: &AppState,
    auth: &AuthUser,
    kind: &str,
    query: &ProjectQuery,
) -> ApiResult<Vec<B>> {
    let kind = super::kind(kind)?;
    auth.require_manager()?;
    let project = project_of(app, auth, query).await?;
    let rows = labelsync_db::storages::list_for_project(&app.db, project, B::ROLE, Some(kind)).await?;
    let external_id = super::org_external_id(app, auth).await?;
    rows.iter().map(|row| B::of(row, &external_id)).collect()
}

/// Import storages of one kind in a project, oldest first (a bare array).
#[utoipa::path(get, path = "/api/storages/{kind}/", tag = "storages", params(("kind" = inline(StorageKind), Path, description = "`s3`, `gcs`, `azure`, `redis` or `localfiles`"), ProjectQuery),
    responses((status = 200, description = "Array of storages", body = Vec<ImportStorage>),
               (status = 400, description = "`project` missing"),
               (status = 404, description = "Unknown kind or project")))]
pub async fn list_import(
    State(app): State<AppState>,
    auth: AuthUser,
    Path(kind): Path<String>,
    Query(query): Query<ProjectQuery>,
) -> ApiResult<Json<Vec<ImportStorage>>> {
    list(&app, &auth, &kind, &query).await.map(Json)
}

/// Export storages of one kind in a project, oldest first (a bare array).
#[utoipa::path(get, path = "/api/storages/export/{kind}", tag = "storages", params(("kind" = inline(StorageKind), Path, description = "`s3`, `gcs`, `azure`, `redis` or `localfiles`"), ProjectQuery),
    responses((status = 200, description = "Array of storages", body = Vec<ExportStorage>),
               (status = 400, description = "`project` missing"),
               (status = 404, description = "Unknown kind or project")))]
pub async fn list_export(
    State(app): State<AppState>,
    auth: AuthUser,
    Path(kind): Path<String>,
    Query(query): Query<ProjectQuery>,
) -> ApiResult<Json<Vec<ExportStorage>>> {
    list(&app, &auth, &kind, &query).await.map(Json)
}

/// Every import storage of a project, all kinds (s3, gcs, azure, redis, localfiles order).
/// Always 200, like Label Studio: a missing or unknown project gives `[]`.
#[utoipa::path(get, path = "/api/storages/", tag = "storages", params(ProjectQuery),
    responses((status = 200, description = "Array of storages of every kind", body = Vec<ImportStorage>)))]
pub async fn list_all_import(
    State(app): State<AppState>,
    auth: AuthUser,
    Query(query): Query<ProjectQuery>,
) -> ApiResult<Json<Vec<ImportStorage>>> {
    list_all(&app, &auth, &query).await.map(Json)
}

/// Every export storage of a project, all kinds. Always 200.
#[utoipa::path(get, path = "/api/storages/export", tag = "storages", params(ProjectQuery),
    responses((status = 200, description = "Array of storages of every kind", body = Vec<ExportStorage>)))]
pub async fn list_all_export(
    State(app): State<AppState>,
    auth: AuthUser,
    Query(query): Query<ProjectQuery>,
) -> ApiResult<Json<Vec<ExportStorage>>> {
    list_all(&app, &auth, &query).await.map(Json)
}

async fn list_all<B: StorageBody>(
    app: &AppState,
    auth: &AuthUser,
    query: &ProjectQuery,
) -> ApiResult<Vec<B>> {
    if auth.require_manager().is_err() {
        return Ok(Vec::new());
    }
    let Ok(project) = project_of(app, auth, query).await else { return Ok(Vec::new()) };
    let external_id = super::org_external_id(app, auth).await?;
    let mut out = Vec::new();
    for &kind in StorageKind::ALL {
        let rows = labelsync_db::storages::list_for_project(&app.db, project, B::ROLE, Some(kind)).await?;
        for row in &rows {
            out.push(B::of(row, &external_id)?);
        }
    }
    Ok(out)
}
