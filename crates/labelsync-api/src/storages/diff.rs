//! `POST /api/storages/{kind}/{id}/diff` and `GET …/diff/{diff_id}`: a dry run of an import sync
//! (labelsync's own): what the next sync would import, update and delete, without writing a
//! task or a link.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use labelsync_db::diffs::Diff;
use labelsync_storage::{Role, StorageKind};
use serde::Serialize;
use serde_json::{Map, Value};

use crate::error::{ApiError, ApiResult};
use crate::extract::{AuthUser, Path};
use crate::state::AppState;
use crate::wire::ts_text;

/// A dry run: `queued` or `in_progress` (no counts yet), `completed` (the counts, samples and
/// what the next sync would do), or `failed` (`error` says why).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DiffResponse {
    pub id: i64,
    /// `queued`, `in_progress`, `completed` or `failed`.
    #[schema(example = "completed")]
    pub status: String,
    /// Selected objects without a task: the next sync imports them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub new: Option<i64>,
    /// Selected objects whose content changed since their import.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub changed: Option<i64>,
    /// Objects imported before that the storage no longer holds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub missing: Option<i64>,
    /// Selected objects imported before and unchanged.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unchanged: Option<i64>,
    /// Up to 20 keys each of `new`, `changed` and `missing`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub samples: Option<Value>,
    /// Changed objects the next sync re-reads (`sync_changed: update`; else 0).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub objects_to_update: Option<i64>,
    /// Tasks of missing objects the next sync deletes (`sync_deleted`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tasks_to_delete: Option<i64>,
    /// The policies the dry run applied.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sync_deleted: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sync_changed: Option<String>,
    /// Why the dry run failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// When it was requested and when it ended (ISO 8601).
    pub created_at: String,
    pub completed_at: Option<String>,
}

impl DiffResponse {
    fn of(diff: &Diff) -> DiffResponse {
        let result: Map<String, Value> = match diff.result.as_ref().map(|r| &r.0) {
            Some(Value::Object(map)) => map.clone(),
            _ => Map::new(),
        };
        let int = |key: &str| result.get(key).and_then(Value::as_i64);
        let text = |key: &str| result.get(key).and_then(Value::as_str).map(str::to_owned);
        DiffResponse {
            id: diff.id,
            status: diff.status.clone(),
            new: int("new"),
            changed: int("changed"),
            missing: int("missing"),
            unchanged: int("unchanged"),
            samples: result.get("samples").cloned(),
            objects_to_update: int("objects_to_update"),
            tasks_to_delete: int("tasks_to_delete"),
            sync_deleted: text("sync_deleted"),
            sync_changed: text("sync_changed"),
            error: diff.error.clone(),
            created_at: ts_text(&diff.created_at),
            completed_at: diff.completed_at.as_ref().map(ts_text),
        }
    }
}

/// Queue a dry run of this import storage's next sync. Answers at once; poll
/// `GET …/diff/{diff_id}` until `completed` or `failed`.
#[utoipa::path(post, path = "/api/storages/{kind}/{id}/diff", tag = "storages",
    params(("kind" = inline(StorageKind), Path, description = "`s3`, `gcs`, `azure`, `redis` or `localfiles`"),
           ("id" = i64, Path, description = "Storage id")),
    responses((status = 201, description = "The dry run, queued", body = DiffResponse),
               (status = 404, description = "No such storage, or an unknown kind")))]
pub async fn create_diff(
    State(app): State<AppState>,
    auth: AuthUser,
    Path((kind, id)): Path<(String, i64)>,
) -> ApiResult<(StatusCode, Json<DiffResponse>)> {
    let storage = super::load(&app, &auth, super::kind(&kind)?, Role::Import, id).await?;
    let mut tx = app.db.begin().await?;
    let diff = labelsync_sync::jobs::request_diff(&mut tx, &storage).await?;
    tx.commit().await?;
    app.queue.wake();
    Ok((StatusCode::CREATED, Json(DiffResponse::of(&diff))))
}

/// A dry run of this import storage, by id.
#[utoipa::path(get, path = "/api/storages/{kind}/{id}/diff/{diff_id}", tag = "storages",
    params(("kind" = inline(StorageKind), Path, description = "`s3`, `gcs`, `azure`, `redis` or `localfiles`"),
           ("id" = i64, Path, description = "Storage id"), ("diff_id" = i64, Path, description = "Dry run id")),
    responses((status = 200, description = "The dry run", body = DiffResponse),
               (status = 404, description = "No such storage or dry run, or an unknown kind")))]
pub async fn get_diff(
    State(app): State<AppState>,
    auth: AuthUser,
    Path((kind, id, diff_id)): Path<(String, i64, i64)>,
) -> ApiResult<Json<DiffResponse>> {
    let storage = super::load(&app, &auth, super::kind(&kind)?, Role::Import, id).await?;
    let diff = labelsync_db::diffs::find(&app.db, storage.id, diff_id)
        .await?
        .ok_or_else(|| ApiError::NotFound("No dry run matches the given query.".into()))?;
    Ok(Json(DiffResponse::of(&diff)))
}
