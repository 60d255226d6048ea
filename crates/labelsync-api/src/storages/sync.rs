use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use labelsync_db::Tx;
use labelsync_db::storages::Storage;
use labelsync_storage::Role;
use serde_json::{Value, json};

use super::json::{role_of, storage_json};
use crate::error::{ApiError, ApiResult};
use crate::extract::{AuthUser, Path};
use crate::state::AppState;

async fn sync(app: &AppState, auth: &AuthUser, kind: &str, role: Role, id: i64) -> ApiResult<Json<Value>> {
    let storage = super::load(app, auth, super::kind(kind)?, role, id).await?;
    if !storage.synchronizable {
        return Err(ApiError::Plain(
            StatusCode::BAD_REQUEST,
            json!({"message": format!("Storage {} is not synchronizable", storage.id)}),
        ));
    }
    let config = labelsync_sync::storages::config_from_row(&storage, &app.secrets, &app.storage_env)?;
    match labelsync_sync::storages::connect(&config, role, &app.guard).await {
        Err(err @ labelsync_storage::Error::NotSupported { .. }) => {
            return Err(ApiError::BadRequest(err.to_string()));
        }
        Err(labelsync_storage::Error::Blocked(message)) => return Err(ApiError::Forbidden(message)),
        // Anything else (unreachable, bad credentials) is for the job to record on the storage.
        _ => {}
    }
    let mut tx = app.db.begin().await?;
    let storage = queue_sync(app, &mut tx, &storage).await?;
    tx.commit().await?;
    app.queue.wake();
    Ok(Json(storage_json(&storage)))
}

/// Marks the storage `queued` and enqueues its sync job, in the caller's transaction. A storage
/// already queued or running is left as it is: repeated requests coalesce into one sync.
pub async fn queue_sync(app: &AppState, tx: &mut Tx, storage: &Storage) -> ApiResult<Storage> {
    let _ = app;
    let current = labelsync_db::storages::lock(&mut *tx, storage.id)
        .await?
        .ok_or_else(|| ApiError::no_match("Storage"))?;
    if current.status == "queued" || current.status == "in_progress" {
        return Ok(current);
    }
    let queued = labelsync_sync::jobs::queue_storage_sync(tx, &current, role_of(&current)).await?;
    Ok(queued)
}

/// Start an import sync. Returns at once with the storage `queued`; a worker does the sync.
#[utoipa::path(post, path = "/api/storages/{kind}/{id}/sync", tag = "storages",
    params(super::KindParam, ("id" = i64, Path, description = "Storage id")),
    responses((status = 200, description = "The storage, queued (or already queued/running)"),
               (status = 400, description = "Not synchronizable, or backend unavailable")))]
pub async fn sync_import(
    State(app): State<AppState>,
    auth: AuthUser,
    Path((kind, id)): Path<(String, i64)>,
) -> ApiResult<Json<Value>> {
    sync(&app, &auth, &kind, Role::Import, id).await
}

/// Start a full export of the project's annotations to this storage.
#[utoipa::path(post, path = "/api/storages/export/{kind}/{id}/sync", tag = "storages",
    params(super::KindParam, ("id" = i64, Path, description = "Storage id")),
    responses((status = 200, description = "The storage, queued (or already queued/running)"),
               (status = 400, description = "Not synchronizable, or backend unavailable")))]
pub async fn sync_export(
    State(app): State<AppState>,
    auth: AuthUser,
    Path((kind, id)): Path<(String, i64)>,
) -> ApiResult<Json<Value>> {
    sync(&app, &auth, &kind, Role::Export, id).await
}
