//! `GET /api/storages/{kind}/{id}/errors`: the per-object error ledger of an import storage's
//! latest sync (labelsync's own; Label Studio has only the `traceback` text, which stays).

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, Uri};
use labelsync_db::sync_runs::{self, SyncErrorRow};
use labelsync_storage::{Role, StorageKind};
use serde::Serialize;

use crate::error::ApiResult;
use crate::extract::{AuthUser, Path, Query};
use crate::pagination::{Page, PageQuery, Paginated};
use crate::state::AppState;
use crate::wire::ts_text;

/// One object the latest sync could not import.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SyncErrorItem {
    /// The object's key (the file path for local files).
    pub key: String,
    /// Why it was not imported.
    pub reason: String,
    /// When (ISO 8601).
    pub at: String,
}

impl From<SyncErrorRow> for SyncErrorItem {
    fn from(row: SyncErrorRow) -> SyncErrorItem {
        SyncErrorItem { key: row.key, reason: row.reason, at: ts_text(&row.at) }
    }
}

/// The objects the latest sync of this import storage could not import, and why, in the order
/// they failed: the first 10,000 of a sync (`meta.objects_failed` counts all). Emptied when the
/// next sync starts. Paginated as `{count, next, previous, results}` (`page_size`: default 100,
/// at most 1,000).
#[utoipa::path(get, path = "/api/storages/{kind}/{id}/errors", tag = "storages",
    params(("kind" = inline(StorageKind), Path, description = "`s3`, `gcs`, `azure`, `redis` or `localfiles`"),
           ("id" = i64, Path, description = "Storage id"),
           ("page" = Option<i64>, Query, description = "Page number, from 1"),
           ("page_size" = Option<i64>, Query, description = "Errors per page (default 100, max 1000)")),
    responses((status = 200, description = "A page of the error ledger", body = Paginated<SyncErrorItem>),
               (status = 404, description = "No such storage, an unknown kind, or an invalid page")))]
pub async fn list_errors(
    State(app): State<AppState>,
    auth: AuthUser,
    Path((kind, id)): Path<(String, i64)>,
    Query(query): Query<PageQuery>,
    uri: Uri,
    headers: HeaderMap,
) -> ApiResult<Json<Paginated<SyncErrorItem>>> {
    let storage = super::load(&app, &auth, super::kind(&kind)?, Role::Import, id).await?;
    let count = sync_runs::error_count(&app.db, storage.id).await?;
    let page = Page::resolve(&query, 100, Some(1000), count)?;
    let rows = sync_runs::errors_page(&app.db, storage.id, page.offset(), page.size).await?;
    let results = rows.into_iter().map(SyncErrorItem::from).collect();
    Ok(Json(Paginated::new(&page, &uri, &headers, count, results)))
}
