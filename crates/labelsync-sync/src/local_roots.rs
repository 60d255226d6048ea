//! The local-roots re-check at the start of every local-files sync: a storage whose directory is
//! no longer under a root of its organization (the operator revoked it) fails with a traceback
//! that says so, before its directory is read or written.

use std::path::Path;

use labelsync_db::storages::{Storage, StorageSettings};
use labelsync_storage::StorageKind;
use labelsync_storage::local::{LocalRoots, normalize_storage_path};

use crate::context::SyncContext;
use crate::import::SyncError;

/// `Ok` for every storage that is not local files, and for a local-files storage under one of
/// the local roots of `organization_id` (lexically and by real path).
pub async fn check(ctx: &SyncContext, storage: &Storage, organization_id: i64) -> Result<(), SyncError> {
    if storage.kind != StorageKind::LocalFiles {
        return Ok(());
    }
    let settings = storage.public_settings().map_err(|e| SyncError::Final(e.to_string()))?;
    let stored = match &settings {
        StorageSettings::LocalFiles(s) => s.path.as_deref(),
        _ => None,
    };
    let path = normalize_storage_path(stored.unwrap_or(""));
    let roots = LocalRoots::new(labelsync_db::local_roots::paths_for_org(&ctx.db, organization_id).await?);
    if roots.covers(Path::new(&path)).await {
        return Ok(());
    }
    Err(SyncError::Final(format!(
        "Local path \"{path}\" is not under a local-files root granted to organization {organization_id} \
         (the grant may have been revoked). An operator of this server can grant one with \
         `labelsync admin grant-local-root --org {organization_id} --path DIR`."
    )))
}
