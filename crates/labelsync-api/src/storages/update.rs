use axum::Json;
use axum::extract::State;
use labelsync_storage::StorageKind;
use serde_json::{Map, Value};

use super::draft::Draft;
use super::json::{ExportStorage, ExportStorageUpdate, ImportStorage, ImportStorageUpdate, StorageBody};
use crate::error::ApiResult;
use crate::extract::{AuthUser, Body, Path};
use crate::state::AppState;

async fn update<B: StorageBody>(
    app: &AppState,
    auth: &AuthUser,
    kind: &str,
    id: i64,
    body: &Map<String, Value>,
) -> ApiResult<Json<B>> {
    let kind = super::kind(kind)?;
    let current = super::load(app, auth, kind, B::ROLE, id).await?;
    let draft = Draft::apply(app, auth, kind, B::ROLE, body, Some(&current)).await?;
    super::check_connection(app, &draft).await?;
    // Writes the client's columns only, never the sync status read above (a sync may be writing it).
    let storage = labelsync_db::storages::update(&app.db, id, &draft.record).await?;
    if draft.schedule_changed {
        labelsync_db::sync_runs::reset_schedule(&app.db, id).await?;
    }
    Ok(Json(B::of(&storage, &draft.tenant.external_id)?))
}

/// Change an import storage (PATCH: sent fields; PUT: the same, secrets not sent are kept).
/// The connection is re-checked when a connection field changes. Status fields (`status`,
/// `meta`, `last_sync*`, `traceback`) are validated and ignored: only a sync writes them.
#[utoipa::path(method(patch, put), path = "/api/storages/{kind}/{id}", tag = "storages",
    params(("kind" = inline(StorageKind), Path, description = "`s3`, `gcs`, `azure`, `redis` or `localfiles`"), ("id" = i64, Path, description = "Storage id")),
    request_body(content = ImportStorageUpdate, description = "Fields to change"),
    responses((status = 200, description = "The storage", body = ImportStorage),
               (status = 400, description = "Invalid fields or connection"),
               (status = 404, description = "No such storage, or an unknown kind")))]
pub async fn update_import(
    State(app): State<AppState>,
    auth: AuthUser,
    Path((kind, id)): Path<(String, i64)>,
    Body(body): Body,
) -> ApiResult<Json<ImportStorage>> {
    update(&app, &auth, &kind, id, &body).await
}

/// Change an export storage.
#[utoipa::path(method(patch, put), path = "/api/storages/export/{kind}/{id}", tag = "storages",
    params(("kind" = inline(StorageKind), Path, description = "`s3`, `gcs`, `azure`, `redis` or `localfiles`"), ("id" = i64, Path, description = "Storage id")),
    request_body(content = ExportStorageUpdate, description = "Fields to change"),
    responses((status = 200, description = "The storage", body = ExportStorage),
               (status = 400, description = "Invalid fields or connection"),
               (status = 404, description = "No such storage, or an unknown kind")))]
pub async fn update_export(
    State(app): State<AppState>,
    auth: AuthUser,
    Path((kind, id)): Path<(String, i64)>,
    Body(body): Body,
) -> ApiResult<Json<ExportStorage>> {
    update(&app, &auth, &kind, id, &body).await
}
