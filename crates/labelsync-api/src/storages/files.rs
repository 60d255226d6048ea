use std::time::{Duration, Instant};

use super::draft::Draft;
use super::json::{FileEntry, FilesPreview, ImportStorageFiles};
use crate::error::storage as storage_error;
use crate::error::{ApiError, ApiResult};
use crate::extract::{AuthUser, Body, Path};
use crate::fields::parse_int;
use crate::state::AppState;
use crate::wire::ts;
use axum::Json;
use axum::extract::State;
use futures::StreamExt;
use labelsync_storage::{Role, StorageKind};

/// How long a preview may list before it stops with Label Studio's sentinel.
const SCAN_TIMEOUT: Duration = Duration::from_secs(30);

/// Preview what an import storage would list: up to `limit` objects (default 100), then a
/// `{"key": null, …}` sentinel if there are more; a timeout sentinel after 30 s.
#[utoipa::path(post, path = "/api/storages/{kind}/files", tag = "storages", params(("kind" = inline(StorageKind), Path, description = "`s3`, `gcs`, `azure`, `redis` or `localfiles`")),
    request_body(content = ImportStorageFiles, description = "Storage fields (or `id`), optional `limit`"),
    responses((status = 200, description = "The listed objects, then a sentinel if there are more", body = FilesPreview),
               (status = 400, description = "Invalid fields, or listing failed"),
               (status = 403, description = "Not a manager, or a blocked endpoint"),
               (status = 404, description = "Unknown kind, or no such stored storage")))]
pub async fn list_files(
    State(app): State<AppState>,
    auth: AuthUser,
    Path(kind): Path<String>,
    Body(mut body): Body,
) -> ApiResult<Json<FilesPreview>> {
    let kind = super::kind(&kind)?;
    auth.require_manager()?;
    let limit = match body.remove("limit") {
        Some(v) => parse_int(&v)
            .filter(|n| *n > 0)
            .ok_or_else(|| ApiError::field("limit", "A valid integer is required."))?,
        None => 100,
    };
    let current = match body.remove("id") {
        Some(id) => {
            let id = parse_int(&id).ok_or_else(|| ApiError::field("id", "A valid integer is required."))?;
            Some(super::load(&app, &auth, kind, Role::Import, id).await?)
        }
        None => None,
    };
    let draft = Draft::apply(&app, &auth, kind, Role::Import, &body, current.as_ref()).await?;
    let config = draft.config(&app)?;
    let connected = labelsync_sync::storages::connect(&config, Role::Import, &app.guard).await?;
    let import = connected.import.ok_or_else(|| ApiError::non_field("Failed to list storage files"))?;
    Ok(Json(FilesPreview { files: preview(import.as_ref(), limit as usize).await? }))
}

/// A sentinel entry: only a key (or none), no time or size.
fn sentinel(key: Option<&str>) -> FileEntry {
    FileEntry { key: key.map(str::to_owned), last_modified: None, size: None }
}

async fn preview(import: &dyn labelsync_storage::ImportStorage, limit: usize) -> ApiResult<Vec<FileEntry>> {
    let started = Instant::now();
    let mut listing = import.list();
    let mut files = Vec::new();
    loop {
        let remaining = SCAN_TIMEOUT.saturating_sub(started.elapsed());
        match tokio::time::timeout(remaining, listing.next()).await {
            Err(_) => {
                files.push(sentinel(Some("... storage scan timeout reached ...")));
                break;
            }
            Ok(None) => break,
            Ok(Some(Err(err))) => return Err(storage_error::listing(err)),
            Ok(Some(Ok(object))) => {
                if files.len() == limit {
                    files.push(sentinel(None));
                    break;
                }
                let last_modified = object
                    .last_modified
                    .as_ref()
                    .map_or(Some(String::new()), |t| ts(t).as_str().map(str::to_owned));
                files.push(FileEntry { key: Some(object.key), last_modified, size: Some(object.size) });
            }
        }
    }
    Ok(files)
}
