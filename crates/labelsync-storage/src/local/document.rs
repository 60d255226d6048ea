//! Safe path resolution for `GET /data/local-files/?d=<path relative to the document root>`.
//!
//! The API decides who may read what (a local-files import storage of a project the user can
//! see must cover the path); this module only turns `d` into a path that cannot leave the
//! document root — lexically or through a symlink — and streams the file.

use std::ops::Range;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use super::file::{self, CheckedFile};
use super::paths::{absolute_normalized, posix_normpath};
use crate::{Error, MediaObject, Result};

/// `LOCAL_FILES_DOCUMENT_ROOT`: the directory every local-files storage must lie under.
#[derive(Debug, Clone)]
pub struct DocumentRoot {
    configured: PathBuf,
    base: PathBuf,
}

impl DocumentRoot {
    pub fn new(root: impl Into<PathBuf>) -> DocumentRoot {
        let configured = root.into();
        let base = absolute_normalized(&configured);
        DocumentRoot { configured, base }
    }

    /// The root as the operator configured it (for messages).
    pub fn configured(&self) -> &Path {
        &self.configured
    }

    /// The root made absolute and lexically normalized.
    pub fn path(&self) -> &Path {
        &self.base
    }

    /// Label Studio's resolution of `d`: POSIX `normpath`, leading `/` stripped, joined under
    /// the root. Lexical only: `ds1/../tasks/x` is `tasks/x`, `/ds1/a.jpg` is `ds1/a.jpg`, and a
    /// path that climbs out (`../../etc/passwd`) is [`Error::InvalidKey`] with Label Studio's
    /// `The joined path (…) is located outside of the base path component (…)`.
    pub fn join(&self, d: &str) -> Result<PathBuf> {
        if d.contains('\0') {
            return Err(Error::InvalidKey("the path contains a NUL byte".to_owned()));
        }
        let relative = posix_normpath(d);
        let joined = absolute_normalized(&self.base.join(relative.trim_start_matches('/')));
        if !joined.starts_with(&self.base) {
            return Err(Error::InvalidKey(format!(
                "The joined path ({}) is located outside of the base path component ({})",
                joined.display(),
                self.base.display()
            )));
        }
        Ok(joined)
    }

    /// The regular file at `path` (from [`DocumentRoot::join`]) with its size and mtime.
    ///
    /// Missing files and non-files (directories, sockets) are [`Error::NotFound`]; a path
    /// that is not under the root, or whose real path (symlinks resolved) is not under the
    /// root's real path, is [`Error::InvalidKey`].
    pub async fn stat(&self, path: &Path) -> Result<LocalFile> {
        let key = path.to_string_lossy().into_owned();
        if !path.starts_with(&self.base) {
            return Err(Error::InvalidKey(format!("{key} is outside the local files document root")));
        }
        let real_root = tokio::fs::canonicalize(&self.base)
            .await
            .map_err(|e| file::read_error(&self.configured.to_string_lossy(), e))?;
        let checked = file::check_file(path, &key, &real_root).await?;
        Ok(LocalFile { key, checked })
    }
}

/// A file under the document root, checked and measured; [`LocalFile::open`] streams it.
#[derive(Debug)]
pub struct LocalFile {
    key: String,
    checked: CheckedFile,
}

impl LocalFile {
    /// The path as requested (lexical, under the root) — what permission checks compare.
    pub fn path(&self) -> &Path {
        Path::new(&self.key)
    }

    pub fn size(&self) -> u64 {
        self.checked.size
    }

    pub fn modified(&self) -> Option<SystemTime> {
        self.checked.modified
    }

    /// Label Studio's weak entity tag, `W/"<mtime_ns hex>-<size hex>"`.
    pub fn weak_etag(&self) -> String {
        let modified = self.checked.modified.unwrap_or(SystemTime::UNIX_EPOCH);
        format!("W/\"{}\"", file::entity_tag(modified, self.checked.size))
    }

    /// Streams the file, or `range` of it (end exclusive, clamped to the size measured when
    /// the file is opened; a start at or past the end is [`Error::RangeNotSatisfiable`]).
    pub async fn open(&self, range: Option<Range<u64>>) -> Result<MediaObject> {
        file::stream(&self.checked, &self.key, range).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `d` values are normalized like Label Studio's view; escapes are refused with its message.
    #[test]
    fn join_normalizes_and_refuses_escapes() {
        let root = DocumentRoot::new("/srv/ls-root");
        let ok = |d: &str| root.join(d).expect(d);
        assert_eq!(ok("ds1/a.jpg"), PathBuf::from("/srv/ls-root/ds1/a.jpg"));
        assert_eq!(ok("/ds1/a.jpg"), PathBuf::from("/srv/ls-root/ds1/a.jpg"));
        assert_eq!(ok("ds1/../tasks/x"), PathBuf::from("/srv/ls-root/tasks/x"));
        assert_eq!(ok("/etc/passwd"), PathBuf::from("/srv/ls-root/etc/passwd"));
        assert_eq!(ok("/../../etc/passwd"), PathBuf::from("/srv/ls-root/etc/passwd"));
        let err = root.join("../../etc/passwd").expect_err("escape");
        assert_eq!(
            err.to_string(),
            "The joined path (/etc/passwd) is located outside of the base path component (/srv/ls-root)"
        );
        assert!(matches!(root.join("ds1/../../x"), Err(Error::InvalidKey(_))));
        assert!(matches!(root.join("a\0b"), Err(Error::InvalidKey(_))));
    }
}
