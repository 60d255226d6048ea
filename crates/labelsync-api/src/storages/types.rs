use axum::Json;
use labelsync_storage::StorageKind;
use serde_json::{Value, json};

use crate::error::ApiResult;
use crate::extract::AuthUser;

fn types() -> Vec<Value> {
    StorageKind::ALL.iter().map(|k| json!({"name": k.as_str(), "title": k.title()})).collect()
}

/// The import storage kinds.
#[utoipa::path(get, path = "/api/storages/types", tag = "storages",
    responses((status = 200, description = "Array of `{name, title}`")))]
pub async fn import_types(_auth: AuthUser) -> ApiResult<Json<Vec<Value>>> {
    Ok(Json(types()))
}

/// The export storage kinds.
#[utoipa::path(get, path = "/api/storages/export/types", tag = "storages",
    responses((status = 200, description = "Array of `{name, title}`")))]
pub async fn export_types(_auth: AuthUser) -> ApiResult<Json<Vec<Value>>> {
    Ok(Json(types()))
}
