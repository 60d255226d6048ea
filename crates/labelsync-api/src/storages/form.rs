use axum::Json;
use labelsync_storage::{Role, StorageKind};
use serde_json::Value;

use super::json::FormLayout;
use crate::error::{ApiError, ApiResult};
use crate::extract::{AuthUser, Path};

/// Label Studio's form layouts (its `form_layout.yml` files as JSON), for its frontend.
fn layout(kind: StorageKind, role: Role) -> ApiResult<FormLayout> {
    let text = match kind {
        StorageKind::S3 => include_str!("forms/s3.json"),
        StorageKind::Gcs => include_str!("forms/gcs.json"),
        StorageKind::Azure => include_str!("forms/azure.json"),
        StorageKind::Redis => include_str!("forms/redis.json"),
        StorageKind::LocalFiles => include_str!("forms/localfiles.json"),
    };
    let mut all: serde_json::Map<String, Value> = serde_json::from_str(text).map_err(ApiError::internal)?;
    let rows =
        serde_json::from_value(all.remove(role.as_str()).unwrap_or_default()).map_err(ApiError::internal)?;
    Ok(FormLayout(rows))
}

/// The UI form layout of an import storage kind.
#[utoipa::path(get, path = "/api/storages/{kind}/form", tag = "storages", params(("kind" = inline(StorageKind), Path, description = "`s3`, `gcs`, `azure`, `redis` or `localfiles`")),
    responses((status = 200, description = "Form rows used by Label Studio's frontend", body = FormLayout),
               (status = 404, description = "Unknown kind")))]
pub async fn import_form(_auth: AuthUser, Path(kind): Path<String>) -> ApiResult<Json<FormLayout>> {
    layout(super::kind(&kind)?, Role::Import).map(Json)
}

/// The UI form layout of an export storage kind.
#[utoipa::path(get, path = "/api/storages/export/{kind}/form", tag = "storages", params(("kind" = inline(StorageKind), Path, description = "`s3`, `gcs`, `azure`, `redis` or `localfiles`")),
    responses((status = 200, description = "Form rows used by Label Studio's frontend", body = FormLayout),
               (status = 404, description = "Unknown kind")))]
pub async fn export_form(_auth: AuthUser, Path(kind): Path<String>) -> ApiResult<Json<FormLayout>> {
    layout(super::kind(&kind)?, Role::Export).map(Json)
}
