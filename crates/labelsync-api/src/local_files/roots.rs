//! The gate every local-files storage operation passes first (create, PATCH/PUT, validate with
//! or without `id`, the files preview): [`check_storage_path`].
//!
//! Order, decided: path set → serving enabled → strictly under the document root (Label
//! Studio's messages; lexical) → under one of the organization's local roots (lexical) → the
//! real path under one of those roots (symlinks resolved). Nothing on the host is looked at
//! before the lexical checks pass, and every path outside the organization's roots gets the
//! same message, so a refused caller learns nothing about the host's filesystem.

use std::path::Path;

use labelsync_storage::StorageKind;
use labelsync_storage::local::{
    DocumentRoot, LocalRoots, SERVING_DISABLED, check_placement, normalize_storage_path,
};
use serde_json::{Map, Value};

use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// Refuses a local-files storage whose `path` (in `settings`) the organization may not use.
/// Other kinds pass.
pub async fn check_storage_path(
    app: &AppState,
    org_id: i64,
    kind: StorageKind,
    settings: &Map<String, Value>,
) -> ApiResult<()> {
    if kind != StorageKind::LocalFiles {
        return Ok(());
    }
    let path = normalize_storage_path(settings.get("path").and_then(Value::as_str).unwrap_or(""));
    if !path.is_empty() && !app.config.local_files_serving_enabled {
        return Err(ApiError::non_field(SERVING_DISABLED));
    }
    let document_root = DocumentRoot::new(&app.config.local_files_document_root);
    check_placement(&path, &document_root)?;
    let roots = org_roots(app, org_id).await?;
    if !roots.covers(Path::new(&path)).await {
        return Err(not_granted(org_id, &roots));
    }
    Ok(())
}

/// The local roots of `org_id`.
pub async fn org_roots(app: &AppState, org_id: i64) -> ApiResult<LocalRoots> {
    Ok(LocalRoots::new(labelsync_db::local_roots::paths_for_org(&app.db, org_id).await?))
}

/// The one refusal for a path outside the organization's roots: the same whatever the path,
/// and it says what the operator must do.
fn not_granted(org_id: i64, roots: &LocalRoots) -> ApiError {
    let granted = if roots.is_empty() {
        "none".to_owned()
    } else {
        roots.paths().iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", ")
    };
    ApiError::non_field(format!(
        "This path is not in a directory granted to your organization for local files (granted: \
         {granted}). A local-files storage must lie under one of your organization's local roots; \
         an operator of this server can grant one with `labelsync admin grant-local-root --org \
         {org_id} --path DIR`."
    ))
}
