use axum::extract::State;
use axum::http::StatusCode;
use labelsync_storage::{Role, StorageKind};

use crate::error::ApiResult;
use crate::extract::{AuthUser, Path};
use crate::state::AppState;

async fn delete(app: &AppState, auth: &AuthUser, kind: &str, role: Role, id: i64) -> ApiResult<StatusCode> {
    let storage = super::load(app, auth, super::kind(kind)?, role, id).await?;
    labelsync_db::storages::delete(&app.db, storage.id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Delete an import storage. Its tasks stay in the project (their links go).
#[utoipa::path(delete, path = "/api/storages/{kind}/{id}", tag = "storages",
    params(("kind" = inline(StorageKind), Path, description = "`s3`, `gcs`, `azure`, `redis` or `localfiles`"), ("id" = i64, Path, description = "Storage id")),
    responses((status = 204, description = "Deleted"),
               (status = 404, description = "No such storage, or an unknown kind")))]
pub async fn delete_import(
    State(app): State<AppState>,
    auth: AuthUser,
    Path((kind, id)): Path<(String, i64)>,
) -> ApiResult<StatusCode> {
    delete(&app, &auth, &kind, Role::Import, id).await
}

/// Delete an export storage. Objects it already wrote stay where they are.
#[utoipa::path(delete, path = "/api/storages/export/{kind}/{id}", tag = "storages",
    params(("kind" = inline(StorageKind), Path, description = "`s3`, `gcs`, `azure`, `redis` or `localfiles`"), ("id" = i64, Path, description = "Storage id")),
    responses((status = 204, description = "Deleted"),
               (status = 404, description = "No such storage, or an unknown kind")))]
pub async fn delete_export(
    State(app): State<AppState>,
    auth: AuthUser,
    Path((kind, id)): Path<(String, i64)>,
) -> ApiResult<StatusCode> {
    delete(&app, &auth, &kind, Role::Export, id).await
}
