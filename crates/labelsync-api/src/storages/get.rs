use axum::Json;
use axum::extract::State;
use labelsync_storage::Role;
use serde_json::Value;

use super::json::storage_json;
use crate::error::ApiResult;
use crate::extract::{AuthUser, Path};
use crate::state::AppState;

/// One import storage.
#[utoipa::path(get, path = "/api/storages/{kind}/{id}", tag = "storages",
    params(super::KindParam, ("id" = i64, Path, description = "Storage id")),
    responses((status = 200, description = "The storage"), (status = 404, description = "No such storage")))]
pub async fn get_import(
    State(app): State<AppState>,
    auth: AuthUser,
    Path((kind, id)): Path<(String, i64)>,
) -> ApiResult<Json<Value>> {
    let storage = super::load(&app, &auth, super::kind(&kind)?, Role::Import, id).await?;
    Ok(Json(storage_json(&storage, &super::org_external_id(&app, &auth).await?)))
}

/// One export storage.
#[utoipa::path(get, path = "/api/storages/export/{kind}/{id}", tag = "storages",
    params(super::KindParam, ("id" = i64, Path, description = "Storage id")),
    responses((status = 200, description = "The storage"), (status = 404, description = "No such storage")))]
pub async fn get_export(
    State(app): State<AppState>,
    auth: AuthUser,
    Path((kind, id)): Path<(String, i64)>,
) -> ApiResult<Json<Value>> {
    let storage = super::load(&app, &auth, super::kind(&kind)?, Role::Export, id).await?;
    Ok(Json(storage_json(&storage, &super::org_external_id(&app, &auth).await?)))
}
