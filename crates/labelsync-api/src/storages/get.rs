use axum::Json;
use axum::extract::State;
use labelsync_storage::StorageKind;

use super::json::{ExportStorage, ImportStorage, StorageBody};
use crate::error::ApiResult;
use crate::extract::{AuthUser, Path};
use crate::state::AppState;

async fn get<B: StorageBody>(app: &AppState, auth: &AuthUser, kind: &str, id: i64) -> ApiResult<Json<B>> {
    let storage = super::load(app, auth, super::kind(kind)?, B::ROLE, id).await?;
    Ok(Json(B::of(&storage, &super::org_external_id(app, auth).await?)?))
}

/// One import storage.
#[utoipa::path(get, path = "/api/storages/{kind}/{id}", tag = "storages",
    params(("kind" = inline(StorageKind), Path, description = "`s3`, `gcs`, `azure`, `redis` or `localfiles`"), ("id" = i64, Path, description = "Storage id")),
    responses((status = 200, description = "The storage", body = ImportStorage),
               (status = 404, description = "No such storage, or an unknown kind")))]
pub async fn get_import(
    State(app): State<AppState>,
    auth: AuthUser,
    Path((kind, id)): Path<(String, i64)>,
) -> ApiResult<Json<ImportStorage>> {
    get(&app, &auth, &kind, id).await
}

/// One export storage.
#[utoipa::path(get, path = "/api/storages/export/{kind}/{id}", tag = "storages",
    params(("kind" = inline(StorageKind), Path, description = "`s3`, `gcs`, `azure`, `redis` or `localfiles`"), ("id" = i64, Path, description = "Storage id")),
    responses((status = 200, description = "The storage", body = ExportStorage),
               (status = 404, description = "No such storage, or an unknown kind")))]
pub async fn get_export(
    State(app): State<AppState>,
    auth: AuthUser,
    Path((kind, id)): Path<(String, i64)>,
) -> ApiResult<Json<ExportStorage>> {
    get(&app, &auth, &kind, id).await
}
