//! Local files: a directory under `LOCAL_FILES_DOCUMENT_ROOT` (Label Studio's `localfiles`).
//!
//! Keys are absolute file paths. Nothing outside the document root is listed, read, written
//! or served: storage paths are checked lexically (Label Studio's rules) and again after
//! resolving symlinks, and every file's real path must lie under the root's real path.
//!
//! Symlinks, decided: a symlink whose real path is outside the document root is never listed,
//! read or served. Inside the root they are followed when reading and serving; the listing
//! includes symlinked files but never descends into symlinked directories (like Python's
//! `rglob`, and so no cycles or double listings).
//!
//! Organizations: which directories one organization may use is [`LocalRoots`] (the operator's
//! grants); the API and the sync check it before anything here touches the filesystem.
//!
//! Residual risk, accepted: a symlink swapped in by someone with write access to the root
//! between our check and our `open` is not caught (no `openat2(RESOLVE_BENEATH)`). Tenants
//! cannot create files on the server; the operator owns the directory tree.

use std::fmt;
use std::io::Write;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use bytes::Bytes;
use futures::stream::BoxStream;

use crate::{
    Connected, Error, ExportStorage, ImportStorage, ListItem, LocalFilesConfig, MediaObject, MediaStorage,
    Result, Role, StorageKind,
};

mod document;
mod file;
mod listing;
mod parts;
mod paths;
mod roots;
mod sorted_walk;

pub use document::{DocumentRoot, LocalFile};
pub use paths::normalize_storage_path;
use paths::{Placement, check_export_key, check_import_key, placement};
pub use roots::{LocalRoots, normalize_root};

/// Label Studio's refusal when local files are disabled (also the API's, before any path is
/// looked at).
pub const SERVING_DISABLED: &str = "Serving local files from the host filesystem can be a security risk, so \
LOCAL_FILES_SERVING_ENABLED is disabled by default. To enable Local Files storage, set the \
LOCAL_FILES_SERVING_ENABLED environment variable to \"true\" and restart Label Studio. See \
https://labelstud.io/guide/storage.html#Local-storage for details.\n\n Community tip: create a \"mydata\" or \
\"label-studio-data\" directory next to the Label Studio command to auto-enable LOCAL_FILES_DOCUMENT_ROOT when \
the environment variables are unset.";

/// Builds the local-files roles for `role`: import storages also serve media. A recursive
/// listing walks up to `list_concurrency` directories at once.
pub(crate) fn connect(config: &LocalFilesConfig, role: Role, list_concurrency: usize) -> Connected {
    let storage = Arc::new(LocalFilesStorage { layout: Arc::new(Layout::new(config)), list_concurrency });
    match role {
        Role::Import => Connected { import: Some(storage.clone()), export: None, media: Some(storage) },
        Role::Export => Connected { import: None, export: Some(storage), media: None },
    }
}

/// One local-files storage.
#[derive(Debug)]
struct LocalFilesStorage {
    layout: Arc<Layout>,
    list_concurrency: usize,
}

/// The storage's paths, shared with blocking tasks.
#[derive(Debug)]
struct Layout {
    /// The normalized configured path, as Label Studio prints it.
    path: String,
    dir: PathBuf,
    root: DocumentRoot,
    recursive: bool,
    serving_enabled: bool,
}

/// The real (symlink-free) paths of the storage directory and the document root.
struct RealDirs {
    dir: PathBuf,
    root: PathBuf,
}

impl Layout {
    fn new(config: &LocalFilesConfig) -> Layout {
        let path = normalize_storage_path(&config.path);
        Layout {
            dir: PathBuf::from(&path),
            path,
            root: DocumentRoot::new(config.document_root.clone()),
            recursive: config.recursive,
            serving_enabled: config.serving_enabled,
        }
    }

    /// Label Studio's `validate_connection` checks with its messages. Decided: the lexical
    /// checks (path set, serving enabled, placement under the root) come before the existence
    /// check, so that nothing about the host's filesystem is told for a path that is refused
    /// anyway (Label Studio checks existence second).
    fn validate(&self) -> Result<()> {
        if !self.serving_enabled && !self.path.is_empty() {
            return Err(Error::InvalidConfig(SERVING_DISABLED.to_owned()));
        }
        self.check_placement()?;
        if !Path::new(&self.path).exists() {
            return Err(Error::ContainerNotFound(format!(
                "Absolute local path \"{}\" does not exist",
                self.path
            )));
        }
        Ok(())
    }

    /// Path set and strictly under the document root: what every operation enforces.
    fn check_placement(&self) -> Result<()> {
        check_placement(&self.path, &self.root)
    }

    /// The real paths, refusing a storage directory whose real path leaves the root's.
    /// Blocking.
    fn real_dirs(&self) -> Result<RealDirs> {
        self.check_placement()?;
        let root = std::fs::canonicalize(self.root.path()).map_err(|e| self.unreadable(&e.to_string()))?;
        let dir = std::fs::canonicalize(&self.dir).map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => {
                Error::ContainerNotFound(format!("Absolute local path \"{}\" does not exist", self.path))
            }
            _ => self.unreadable(&e.to_string()),
        })?;
        if !dir.starts_with(&root) {
            return Err(Error::InvalidConfig(format!(
                "Absolute local path \"{}\" resolves outside LOCAL_FILES_DOCUMENT_ROOT=\"{}\" through a symbolic link",
                self.path,
                self.root.configured().display()
            )));
        }
        Ok(RealDirs { dir, root })
    }

    fn unreadable(&self, cause: &str) -> Error {
        Error::Other(format!("Cannot read local path \"{}\": {cause}", self.path))
    }
}

/// Label Studio's lexical rules for a storage path (already normalized): set, and strictly
/// under the document root, with its messages. No filesystem access.
pub fn check_placement(path: &str, root: &DocumentRoot) -> Result<()> {
    let configured = root.configured().display();
    let example = root.configured().join("dataset1");
    let example = example.display();
    match placement(Path::new(path), root.path()) {
        _ if path.is_empty() => {
            Err(Error::InvalidConfig("Path must be set for Local Files storage".to_owned()))
        }
        Placement::Inside => Ok(()),
        Placement::SameAsRoot => Err(Error::InvalidConfig(format!(
            "Absolute local path \"{path}\" cannot be the same as LOCAL_FILES_DOCUMENT_ROOT=\"{configured}\" by \
             security reasons. Please add a subdirectory. For example: \"{example}\"."
        ))),
        Placement::Outside => Err(Error::InvalidConfig(format!(
            "Absolute local path \"{path}\" must be a subdirectory of LOCAL_FILES_DOCUMENT_ROOT=\"{configured}\" by \
             security reasons. For example: \"{example}\"."
        ))),
    }
}

/// Runs blocking filesystem work off the async threads.
async fn blocking<T: Send + 'static>(work: impl FnOnce() -> Result<T> + Send + 'static) -> Result<T> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| Error::Other(format!("local files task failed: {e}")))?
}

impl LocalFilesStorage {
    async fn real_dirs(&self) -> Result<RealDirs> {
        let layout = self.layout.clone();
        blocking(move || layout.real_dirs()).await
    }

    async fn checked_import_file(&self, key: &str) -> Result<file::CheckedFile> {
        self.layout.check_placement()?;
        let path = check_import_key(key, &self.layout.dir)?;
        let real = self.real_dirs().await?;
        file::check_file(&path, key, &real.root).await
    }

    async fn validate_layout(&self) -> Result<()> {
        let layout = self.layout.clone();
        blocking(move || layout.validate()).await
    }
}

impl fmt::Display for LocalFilesStorage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "LocalFiles({})", self.layout.path)
    }
}

#[async_trait]
impl ImportStorage for LocalFilesStorage {
    async fn validate(&self) -> Result<()> {
        self.validate_layout().await
    }

    /// Files in walk order, resumable after the last path a checkpoint names (see
    /// `listing::list_from`); a recursive listing walks subdirectories in parallel (module
    /// `partitioned`), each in walk order.
    fn list_from(&self, checkpoint: Option<String>) -> BoxStream<'_, Result<ListItem>> {
        crate::partitioned::list_from(self, self.list_concurrency, checkpoint)
    }

    async fn get(&self, key: &str, max_bytes: u64) -> Result<Bytes> {
        let checked = self.checked_import_file(key).await?;
        file::read_limited(&checked, key, max_bytes).await
    }
}

#[async_trait]
impl ExportStorage for LocalFilesStorage {
    async fn validate(&self) -> Result<()> {
        self.validate_layout().await
    }

    /// Writes `dir/key` atomically: a temporary file in the same directory, flushed to disk,
    /// then renamed over the target (a symlink at the target is replaced, never followed).
    async fn put(&self, key: &str, body: Bytes) -> Result<()> {
        check_export_key(key)?;
        let dir = self.real_dirs().await?.dir;
        let target = dir.join(key);
        let owned_key = target.to_string_lossy().into_owned();
        blocking(move || write_atomically(&dir, &target, &body).map_err(|e| write_error(&owned_key, &e)))
            .await
    }

    async fn delete(&self, key: &str) -> Result<()> {
        check_export_key(key)?;
        let target = self.real_dirs().await?.dir.join(key);
        match tokio::fs::remove_file(&target).await {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                Err(write_error(&target.to_string_lossy(), &e))
            }
            _ => Ok(()),
        }
    }
}

#[async_trait]
impl MediaStorage for LocalFilesStorage {
    async fn presign_get(&self, _key: &str, _ttl: Duration, _content_type: Option<&str>) -> Result<url::Url> {
        Err(Error::not_supported("presign", StorageKind::LocalFiles.as_str()))
    }

    async fn open(&self, key: &str, range: Option<Range<u64>>) -> Result<MediaObject> {
        let checked = self.checked_import_file(key).await?;
        file::stream(&checked, key, range).await
    }
}

fn write_atomically(dir: &Path, target: &Path, body: &[u8]) -> std::io::Result<()> {
    let mut builder = tempfile::Builder::new();
    builder.prefix(".labelsync-").suffix(".tmp");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        // Like Label Studio's plain open(): readable by others, subject to the umask.
        builder.permissions(std::fs::Permissions::from_mode(0o644));
    }
    let mut temp = builder.tempfile_in(dir)?;
    temp.write_all(body)?;
    temp.as_file().sync_all()?;
    temp.persist(target).map_err(|e| e.error)?;
    Ok(())
}

fn write_error(key: &str, err: &std::io::Error) -> Error {
    match err.kind() {
        std::io::ErrorKind::PermissionDenied => {
            Error::PermissionDenied(format!("Failed to write file {key}: permission denied"))
        }
        _ => Error::Other(format!("Failed to write file {key}: {err}")),
    }
}
