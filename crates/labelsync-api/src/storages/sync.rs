use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use labelsync_db::Tx;
use labelsync_db::storages::Storage;
use labelsync_storage::StorageKind;
use serde_json::json;

use super::json::{ExportStorage, ImportStorage, StorageBody};
use crate::error::storage as storage_error;
use crate::error::{ApiError, ApiResult};
use crate::extract::{AuthUser, Path};
use crate::state::AppState;

async fn sync<B: StorageBody>(app: &AppState, auth: &AuthUser, kind: &str, id: i64) -> ApiResult<Json<B>> {
    let role = B::ROLE;
    let storage = super::load(app, auth, super::kind(kind)?, role, id).await?;
    if !storage.synchronizable {
        return Err(ApiError::Plain(
            StatusCode::BAD_REQUEST,
            json!({"message": format!("Storage {} is not synchronizable", storage.id)}),
        ));
    }
    let tenant = labelsync_sync::storages::TenantCredentials::load(&app.db, auth.org_id).await?;
    let config =
        labelsync_sync::storages::config_from_row(&storage, &app.secrets, &app.storage_env, &tenant)?;
    if let Err(err) = labelsync_sync::storages::connect(&config, role, &app.guard).await {
        storage_error::sync_request(err)?;
    }
    let mut tx = app.db.begin().await?;
    let storage = queue_sync(&mut tx, &storage).await?;
    tx.commit().await?;
    app.queue.wake();
    Ok(Json(B::of(&storage, &tenant.external_id)?))
}

/// Requests a sync of `storage` in the caller's transaction (`labelsync_sync::jobs::request_sync`:
/// repeated requests coalesce into a live sync; a storage whose job was lost is queued again).
pub async fn queue_sync(tx: &mut Tx, storage: &Storage) -> ApiResult<Storage> {
    labelsync_sync::jobs::request_sync(tx, storage.id).await?.ok_or_else(|| ApiError::no_match("Storage"))
}

/// Start an import sync. Returns at once with the storage `queued`; a worker does the sync.
#[utoipa::path(post, path = "/api/storages/{kind}/{id}/sync", tag = "storages",
    params(("kind" = inline(StorageKind), Path, description = "`s3`, `gcs`, `azure`, `redis` or `localfiles`"), ("id" = i64, Path, description = "Storage id")),
    responses((status = 200, description = "The storage, queued (or already queued/running)", body = ImportStorage),
               (status = 400, description = "Not synchronizable, or backend unavailable"),
               (status = 403, description = "A blocked endpoint"),
               (status = 404, description = "No such storage, or an unknown kind")))]
pub async fn sync_import(
    State(app): State<AppState>,
    auth: AuthUser,
    Path((kind, id)): Path<(String, i64)>,
) -> ApiResult<Json<ImportStorage>> {
    sync(&app, &auth, &kind, id).await
}

/// Start a full export of the project's annotations to this storage.
#[utoipa::path(post, path = "/api/storages/export/{kind}/{id}/sync", tag = "storages",
    params(("kind" = inline(StorageKind), Path, description = "`s3`, `gcs`, `azure`, `redis` or `localfiles`"), ("id" = i64, Path, description = "Storage id")),
    responses((status = 200, description = "The storage, queued (or already queued/running)", body = ExportStorage),
               (status = 400, description = "Not synchronizable, or backend unavailable"),
               (status = 403, description = "A blocked endpoint"),
               (status = 404, description = "No such storage, or an unknown kind")))]
pub async fn sync_export(
    State(app): State<AppState>,
    auth: AuthUser,
    Path((kind, id)): Path<(String, i64)>,
) -> ApiResult<Json<ExportStorage>> {
    sync(&app, &auth, &kind, id).await
}
