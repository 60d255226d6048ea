//! Which file `d` names, and whether the caller may read it.

use std::path::Path;

use labelsync_storage::local::{DocumentRoot, LocalFile, normalize_storage_path};

use crate::error::storage as storage_error;
use crate::error::{ApiError, ApiResult};
use crate::extract::AuthUser;
use crate::state::AppState;

const SERVING_DISABLED: &str = "Serving local files from the host filesystem is disabled on this server, \
because it can be a security risk. An operator can enable it by setting \
LOCAL_FILES_SERVING_ENABLED=true; see https://labelstud.io/guide/storage.html#Local-storage.";

const PATH_REQUIRED: &str =
    "Query parameter \"d\" is required: the path of the file relative to LOCAL_FILES_DOCUMENT_ROOT.";

/// The regular file `d` names, if the caller may read it.
///
/// - Serving disabled → 403 explaining how to enable it; `d` absent or empty → 403 (as Label
///   Studio; both are refusals to serve, not malformed requests of an API client).
/// - 404 when `d` leaves the document root (lexically, or through a symlink whose real path is
///   outside the root's), when no local-files import storage of the caller's organization covers
///   the path, when no local root of the organization covers it (lexically, or by real path: a
///   symlink into another organization's root), and when there is no regular file there. These
///   are indistinguishable, so neither another organization's files nor the server's filesystem
///   can be probed. A revoked root stops serving at once (roots are read on every request).
///
/// Any role may read: annotators need the media of their tasks. The storage check comes before
/// the filesystem is touched.
pub async fn readable_file(app: &AppState, auth: &AuthUser, d: Option<&str>) -> ApiResult<LocalFile> {
    if !app.config.local_files_serving_enabled {
        return Err(ApiError::Forbidden(SERVING_DISABLED.to_owned()));
    }
    let d = d.filter(|d| !d.is_empty()).ok_or_else(|| ApiError::Forbidden(PATH_REQUIRED.to_owned()))?;
    let root = DocumentRoot::new(&app.config.local_files_document_root);
    let path = root.join(d).map_err(|err| {
        tracing::debug!("refused local file path: {err}");
        ApiError::not_found()
    })?;
    let storage_paths = labelsync_db::storages::local_import_paths(&app.db, auth.org_id).await?;
    if !storage_paths.iter().any(|storage_path| covers(storage_path, &path)) {
        return Err(ApiError::not_found());
    }
    if !super::roots::org_roots(app, auth.org_id).await?.covers(&path).await {
        return Err(ApiError::not_found());
    }
    root.stat(&path).await.map_err(storage_error::serving_local_file)
}

/// True when `file` lies strictly below the storage directory `storage_path`, compared by whole
/// path components (so `/data/ds` does not cover `/data/ds-private/x`). The stored path is
/// normalized again, so rows written by older code (trailing slash, backslashes) still match.
pub fn covers(storage_path: &str, file: &Path) -> bool {
    let dir = normalize_storage_path(storage_path);
    let dir = Path::new(&dir);
    dir.is_absolute() && file != dir && file.starts_with(dir)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Coverage is by path component: sibling prefixes, the directory itself and relative
    /// storage paths do not cover; trailing slashes and backslashes are normalized.
    #[test]
    fn covers_by_component() {
        let file = Path::new("/data/ds/nested/a.jpg");
        assert!(covers("/data/ds", file));
        assert!(covers("/data/ds/nested", file));
        assert!(covers("/data/ds/", file));
        assert!(covers("\\data\\ds\\", file));
        assert!(covers("/data", file));
        assert!(!covers("/data/d", file));
        assert!(!covers("/data/ds-private", Path::new("/data/ds-private2/a.jpg")));
        assert!(!covers("/data/ds", Path::new("/data/ds-private/a.jpg")));
        assert!(!covers("/data/ds/nested/a.jpg", file));
        assert!(!covers("data/ds", file));
        assert!(!covers("", file));
    }
}
