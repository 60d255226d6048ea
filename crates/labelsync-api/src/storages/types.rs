use axum::Json;
use labelsync_storage::StorageKind;

use super::json::StorageType;
use crate::error::ApiResult;
use crate::extract::AuthUser;

fn types() -> Vec<StorageType> {
    StorageKind::ALL.iter().map(|&name| StorageType { name, title: name.title() }).collect()
}

/// The import storage kinds.
#[utoipa::path(get, path = "/api/storages/types", tag = "storages",
    responses((status = 200, description = "The kinds, in Label Studio's order", body = Vec<StorageType>)))]
pub async fn import_types(_auth: AuthUser) -> ApiResult<Json<Vec<StorageType>>> {
    Ok(Json(types()))
}

/// The export storage kinds.
#[utoipa::path(get, path = "/api/storages/export/types", tag = "storages",
    responses((status = 200, description = "The kinds, in Label Studio's order", body = Vec<StorageType>)))]
pub async fn export_types(_auth: AuthUser) -> ApiResult<Json<Vec<StorageType>>> {
    Ok(Json(types()))
}
