//! `labelsync-storage` owns every byte that crosses to a storage provider.
//!
//! Start with the role traits: [`ImportStorage`] (list and read the objects tasks come from),
//! [`ExportStorage`] (write and delete annotation objects) and [`MediaStorage`] (presign or
//! stream one object for a browser). Each backend — S3, GCS, Azure Blob, local files, Redis —
//! is one adapter implementing the roles it supports; [`connect`] is the one place that knows
//! every backend and builds one from a [`StorageConfig`]. S3, GCS and Azure share one
//! implementation of the roles over object_store (module `cloud`); each of them adds its
//! listing call, signer and error wording (modules `s3`, `gcs`, `azure`).
//!
//! Backends stay thin: they talk to the provider and nothing else. Options every backend shares
//! (regex filter, blob-URL vs task-JSON mode, deduplication) are applied once, by the sync
//! engine. Outbound connections to user-supplied hosts pass through [`guard::NetGuard`].
//! Servers call [`install_crypto_provider`] once at startup (the cloud adapters also do).
//! [`local::DocumentRoot`] resolves `/data/local-files/?d=` paths safely for the API.
//! Feature `testing` adds [`testing`]: the conformance suite every backend runs, and the
//! test-environment helpers.

use std::fmt;
use std::ops::Range;
use std::time::Duration;

use async_trait::async_trait;
use bytes::Bytes;
use chrono::{DateTime, Utc};
use futures::stream::BoxStream;

mod azure;
mod cloud;
mod config;
mod error;
mod gcs;
pub mod guard;
pub mod local;
mod paging;
mod partitioned;
mod redis_db;
mod s3;
#[cfg(feature = "testing")]
pub mod testing;

pub use cloud::install_crypto_provider;
pub use config::{
    AzureConfig, GcsConfig, LocalFilesConfig, RedisConfig, S3Config, Secret, StorageConfig, StorageKind,
};
pub use error::{Error, Result};

/// One listed object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectMeta {
    /// The key as the provider names it: the full object key (S3/GCS/Azure, prefix included),
    /// the Redis key, or the absolute file path (local files).
    pub key: String,
    pub size: u64,
    pub last_modified: Option<DateTime<Utc>>,
    /// The provider's entity tag without quotes, when it has one: a validator of this content
    /// of the object. S3 and Azure: their ETag. GCS listings: the object's generation (new on
    /// every write, where GCS's own ETag also changes with metadata). Local files: Label
    /// Studio's `<mtime ns hex>-<size hex>`. Redis listings: the SHA-1 of the value (strings
    /// only).
    pub etag: Option<String>,
}

impl ObjectMeta {
    /// What identifies this content of the object, so a sync can tell a changed object from an
    /// untouched one: equal across listings while the object is untouched, different after it
    /// is overwritten. The entity tag; for stores that list none (some S3-compatible ones, such
    /// as s3s-fs) `{size}-{modification time in nanoseconds since the epoch}`. `None` only where
    /// the provider cannot say (a Redis key that is not a string, a Redis server refusing
    /// scripts).
    pub fn version(&self) -> Option<String> {
        self.etag.clone().or_else(|| {
            self.last_modified
                .map(|t| format!("{}-{}", self.size, t.timestamp_nanos_opt().unwrap_or_default()))
        })
    }
}

/// One item of a resumable listing ([`ImportStorage::list_from`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ListItem {
    Object(ObjectMeta),
    /// Every object before this item has been yielded: `list_from(Some(checkpoint))` lists
    /// what comes after (it may repeat some objects already yielded, never skips one).
    ///
    /// A plain string that stays valid across processes, meaningful only to a storage of the
    /// same kind and configuration. Cloud storages and local files never repeat an object
    /// after their checkpoints; Redis may (as `SCAN` itself does).
    Checkpoint(String),
}

/// Where objects are imported from.
///
/// The listing covers what the storage's configuration selects (prefix or path, recursive or not,
/// per `docs/label-studio-api.md` §5.3) and nothing else. It is lazy and streamed page by page, so
/// memory does not grow with the number of objects.
#[async_trait]
pub trait ImportStorage: fmt::Debug + fmt::Display + Send + Sync + 'static {
    /// Checks that the storage is reachable with its credentials and the prefix is readable
    /// (`docs/label-studio-api.md` §4.3). Errors say what is wrong without revealing secrets.
    async fn validate(&self) -> Result<()>;

    /// Every object the configuration selects, in the provider's order: the objects of
    /// [`ImportStorage::list_from`]`(None)`.
    fn list(&self) -> BoxStream<'_, Result<ObjectMeta>> {
        use futures::{StreamExt, TryStreamExt};
        self.list_from(None)
            .try_filter_map(|item| async move {
                Ok(match item {
                    ListItem::Object(meta) => Some(meta),
                    ListItem::Checkpoint(_) => None,
                })
            })
            .boxed()
    }

    /// The listing resumed after `checkpoint` (a value this storage yielded earlier, possibly
    /// in another process days ago), or from the start, with a [`ListItem::Checkpoint`] after
    /// every provider page (local files: at least every 1,000 files) and at the end. Objects
    /// come in the order of [`ImportStorage::list`]: the provider's, or, where sub-prefixes are
    /// listed in parallel (S3, GCS, Azure Blob and local files, recursively), the provider's
    /// within each part, parts interleaved. A checkpoint the storage cannot use
    /// (garbage, or from another prefix) fails the listing with [`Error::InvalidCheckpoint`].
    fn list_from(&self, checkpoint: Option<String>) -> BoxStream<'_, Result<ListItem>>;

    /// The whole object. Objects larger than `max_bytes` fail with [`Error::TooLarge`]
    /// instead of being read into memory.
    async fn get(&self, key: &str, max_bytes: u64) -> Result<Bytes>;

    /// The object `key` as the listing would give it (the same [`ObjectMeta::version`]), or
    /// `None` when the storage does not hold it or its configuration does not select it (outside
    /// the prefix, or below a direct child when the storage is not recursive). What a bucket
    /// event notification is checked against. Backends without bucket events answer
    /// [`Error::NotSupported`].
    async fn stat(&self, _key: &str) -> Result<Option<ObjectMeta>> {
        Err(Error::not_supported("looking up one object", "this"))
    }
}

/// Where annotations are exported to.
#[async_trait]
pub trait ExportStorage: fmt::Debug + fmt::Display + Send + Sync + 'static {
    /// Checks that the storage is reachable with its credentials (and, for local files, that
    /// the directory may be used). Like Label Studio, nothing is written to check writability.
    async fn validate(&self) -> Result<()>;

    /// Writes (or overwrites) `key` with `body`. Cloud backends write `{prefix}/{key}`.
    async fn put(&self, key: &str, body: Bytes) -> Result<()>;

    /// Deletes `key`. Deleting a missing object succeeds.
    async fn delete(&self, key: &str) -> Result<()>;
}

/// What a browser needs to load one object: a signed URL or the bytes themselves.
#[async_trait]
pub trait MediaStorage: fmt::Debug + fmt::Display + Send + Sync + 'static {
    /// A URL that lets anyone holding it GET `key` for `ttl`. `content_type`, when given, is
    /// what the provider should answer with. Backends that cannot sign return
    /// [`Error::NotSupported`], never a weaker URL.
    async fn presign_get(&self, key: &str, ttl: Duration, content_type: Option<&str>) -> Result<url::Url>;

    /// Streams `key`, or the byte `range` of it (end exclusive, clamped to the object's size).
    async fn open(&self, key: &str, range: Option<Range<u64>>) -> Result<MediaObject>;
}

/// An object being streamed to a client.
pub struct MediaObject {
    pub meta: ObjectMeta,
    /// The provider's content type, if it stored one.
    pub content_type: Option<String>,
    /// The byte range of the object that `body` yields (end exclusive).
    pub range: Range<u64>,
    pub body: BoxStream<'static, Result<Bytes>>,
}

impl fmt::Debug for MediaObject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MediaObject")
            .field("meta", &self.meta)
            .field("content_type", &self.content_type)
            .field("range", &self.range)
            .finish_non_exhaustive()
    }
}

/// A connected storage: the roles its backend supports.
#[derive(Debug, Clone)]
pub struct Connected {
    pub import: Option<std::sync::Arc<dyn ImportStorage>>,
    pub export: Option<std::sync::Arc<dyn ExportStorage>>,
    pub media: Option<std::sync::Arc<dyn MediaStorage>>,
}

/// Which side of a project a storage is on; validation differs (an export storage must be
/// writable, an import storage's prefix must hold something). Defined in `labelsync-types`,
/// with [`StorageKind`], so that `labelsync-db` decodes the same enum from a row.
pub use labelsync_types::Role;

/// Builds the backend for `config` in `role`. The only place that knows every backend.
///
/// Connecting checks what can be checked without talking to the provider (names, Redis `db`,
/// tenant hosts and endpoints through `guard`, which may refuse them with [`Error::Blocked`]);
/// reachability and credentials are checked by the roles' `validate`. Which roles are filled:
///
/// | backend | import | export | media |
/// |---|---|---|---|
/// | S3, GCS, Azure Blob | import role | export role | import role (presigned URLs and streaming) |
/// | local files | import role | export role | import role (streams files; no presigning) |
/// | Redis | import role | export role | never |
pub async fn connect(config: &StorageConfig, role: Role, guard: &guard::NetGuard) -> Result<Connected> {
    match config {
        StorageConfig::LocalFiles(local) => Ok(local::connect(local, role, guard.limits().list_concurrency)),
        StorageConfig::Redis(redis) => redis_db::connect(redis, role, guard).await,
        StorageConfig::S3(s3) => s3::connect(s3, role, guard).await,
        StorageConfig::Gcs(gcs) => gcs::connect(gcs, role, guard),
        StorageConfig::Azure(azure) => azure::connect(azure, role, guard),
    }
}
