use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use labelsync_storage::{Role, StorageKind};
use labelsync_sync::storages::seal_secrets;
use serde_json::Value;

use super::draft::Draft;
use super::json::{ExportStorage, ExportStorageCreate, ImportStorage, ImportStorageCreate, StorageBody};
use crate::error::ApiResult;
use crate::extract::{AuthUser, Body, Path};
use crate::state::AppState;

async fn create<B: StorageBody>(
    app: &AppState,
    auth: &AuthUser,
    kind: &str,
    body: &serde_json::Map<String, Value>,
) -> ApiResult<(StatusCode, Json<B>)> {
    let kind = super::kind(kind)?;
    auth.require_manager()?;
    let mut draft = Draft::apply(app, auth, kind, B::ROLE, body, None).await?;
    super::check_connection(app, &draft).await?;
    // Status fields are accepted and ignored: only a sync writes them.
    draft.record.clear_sync_status();
    let mut tx = app.db.begin().await?;
    let mut storage = labelsync_db::storages::insert(&mut tx, kind, B::ROLE, &draft.record).await?;
    // Secrets are bound to the row, so they are sealed now that its id is known.
    storage.secrets = seal_secrets(&draft.secrets, &app.secrets, storage.id);
    labelsync_db::storages::set_secrets(&mut tx, storage.id, storage.secrets.as_deref()).await?;
    // Label Studio exports every existing annotation to a new export storage.
    let storage = match B::ROLE {
        Role::Export => super::sync::queue_sync(&mut tx, &storage).await?,
        Role::Import => storage,
    };
    tx.commit().await?;
    app.queue.wake();
    Ok((StatusCode::CREATED, Json(B::of(&storage, &draft.tenant.external_id)?)))
}

/// Create an import storage. Its connection is checked first (400 with the reason).
#[utoipa::path(post, path = "/api/storages/{kind}/", tag = "storages", params(("kind" = inline(StorageKind), Path, description = "`s3`, `gcs`, `azure`, `redis` or `localfiles`")),
    request_body(content = ImportStorageCreate, description = "Storage fields of the kind (Label Studio's)"),
    responses((status = 201, description = "The new storage", body = ImportStorage),
               (status = 400, description = "Invalid fields or connection"),
               (status = 403, description = "Not a manager, or a blocked endpoint"),
               (status = 404, description = "Unknown kind")))]
pub async fn create_import(
    State(app): State<AppState>,
    auth: AuthUser,
    Path(kind): Path<String>,
    Body(body): Body,
) -> ApiResult<(StatusCode, Json<ImportStorage>)> {
    create(&app, &auth, &kind, &body).await
}

/// Create an export storage; every existing annotation of the project is then exported to it.
#[utoipa::path(post, path = "/api/storages/export/{kind}", tag = "storages", params(("kind" = inline(StorageKind), Path, description = "`s3`, `gcs`, `azure`, `redis` or `localfiles`")),
    request_body(content = ExportStorageCreate, description = "Storage fields of the kind (Label Studio's)"),
    responses((status = 201, description = "The new storage, queued for its first export", body = ExportStorage),
               (status = 400, description = "Invalid fields or connection"),
               (status = 403, description = "Not a manager, or a blocked endpoint"),
               (status = 404, description = "Unknown kind")))]
pub async fn create_export(
    State(app): State<AppState>,
    auth: AuthUser,
    Path(kind): Path<String>,
    Body(body): Body,
) -> ApiResult<(StatusCode, Json<ExportStorage>)> {
    create(&app, &auth, &kind, &body).await
}
