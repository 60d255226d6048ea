//! The local-files fixture: a temporary document root with a sandbox directory in it, and a
//! directory outside the root for escape tests.

use std::path::{Path, PathBuf};

use async_trait::async_trait;

use super::{Capabilities, Fixture, Listing, Scope};
use crate::guard::NetGuard;
use crate::{LocalFilesConfig, StorageConfig};

/// `<tmp>/root` is the document root, `<tmp>/root/sandbox` the storage directory and
/// `<tmp>/outside` a directory outside the root. Everything is removed on drop.
#[derive(Debug)]
pub struct LocalFixture {
    temp: tempfile::TempDir,
    root: PathBuf,
    sandbox: PathBuf,
    outside: PathBuf,
}

impl LocalFixture {
    pub fn new() -> LocalFixture {
        let temp = tempfile::tempdir().expect("temporary directory");
        let root = temp.path().join("root");
        let sandbox = root.join("sandbox");
        let outside = temp.path().join("outside");
        for dir in [&sandbox, &outside] {
            std::fs::create_dir_all(dir).expect("create fixture directory");
        }
        LocalFixture { temp, root, sandbox, outside }
    }

    /// The fixture for `test` (always available; the argument mirrors service fixtures).
    pub async fn for_test(_test: &str) -> Option<LocalFixture> {
        Some(LocalFixture::new())
    }

    /// `LOCAL_FILES_DOCUMENT_ROOT`.
    pub fn document_root(&self) -> &Path {
        &self.root
    }

    /// The storage directory under the root.
    pub fn sandbox(&self) -> &Path {
        &self.sandbox
    }

    /// A directory outside the document root (a sibling of it).
    pub fn outside(&self) -> &Path {
        &self.outside
    }

    /// The temporary directory holding root and outside.
    pub fn base(&self) -> &Path {
        self.temp.path()
    }

    /// A local-files configuration for `path` with this fixture's root, serving enabled.
    pub fn config_for(&self, path: &Path, recursive: bool) -> LocalFilesConfig {
        LocalFilesConfig {
            path: path.to_str().expect("UTF-8 temporary path").to_owned(),
            recursive,
            document_root: self.root.clone(),
            serving_enabled: true,
        }
    }
}

impl Default for LocalFixture {
    fn default() -> LocalFixture {
        LocalFixture::new()
    }
}

#[async_trait]
impl Fixture for LocalFixture {
    fn capabilities(&self) -> Capabilities {
        Capabilities { listing: Listing::Folders, may_repeat_keys: false }
    }

    fn guard(&self) -> NetGuard {
        NetGuard::new(true, Vec::new())
    }

    fn config(&self, scope: Scope<'_>) -> StorageConfig {
        let path = match scope.prefix {
            Some(prefix) => self.sandbox.join(prefix),
            None => self.sandbox.clone(),
        };
        StorageConfig::LocalFiles(self.config_for(&path, scope.recursive))
    }

    fn config_with_bad_credentials(&self) -> Option<StorageConfig> {
        None
    }

    fn secrets(&self) -> Vec<String> {
        Vec::new()
    }

    async fn seed(&self, name: &str, body: &[u8]) {
        let path = self.sandbox.join(name);
        if let Some(parent) = path.parent() {
            tokio::fs::create_dir_all(parent).await.expect("create seed directory");
        }
        tokio::fs::write(&path, body).await.expect("write seed file");
    }

    fn key_of(&self, name: &str) -> String {
        self.sandbox.join(name).to_str().expect("UTF-8 key").to_owned()
    }
}
