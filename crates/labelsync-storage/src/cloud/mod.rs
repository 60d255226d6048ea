//! What S3, GCS and Azure Blob have in common: one [`CloudStorage`] implements the three
//! roles over a [`Provider`], which knows its provider's listing call, writes, signing and
//! error vocabulary.
//!
//! Reads, deletes and (for S3 and Azure) writes go through object_store. Listing does not:
//! object_store rewrites keys it cannot represent (`folder/` placeholders come back as
//! `folder`) or fails the whole page on them (`a//b`), and Label Studio skips keys ending in
//! `/`, so each provider lists with its own raw call and reports keys exactly.

use std::fmt;
use std::ops::Range;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use bytes::Bytes;
use futures::stream::BoxStream;
use futures::{StreamExt, TryStreamExt};
use object_store::{Attribute, GetOptions, GetRange, GetResult, ObjectStore, ObjectStoreExt};

use crate::guard::OutboundLimits;
use crate::{
    Connected, Error, ExportStorage, ImportStorage, ListItem, MediaObject, MediaStorage, ObjectMeta, Result,
    Role,
};

pub(crate) mod errors;
pub(crate) mod http;
#[cfg(test)]
mod http_tests;
pub(crate) mod keys;
mod listing;
mod parts;
pub(crate) mod xml;

pub use self::http::install_crypto_provider;
use errors::Failure;
use keys::{clamp_range, export_key, list_prefix, object_path, presign_ttl};
pub(crate) use listing::Resume;

/// One listing call.
#[derive(Debug, Clone, Copy)]
pub(crate) struct PageRequest<'a> {
    /// Raw key prefix (already normalized by the caller when it should be).
    pub(crate) prefix: Option<&'a str>,
    /// Group by `/`: only direct children of the prefix are returned as objects.
    pub(crate) delimited: bool,
    /// The provider's continuation token from the previous page.
    pub(crate) token: Option<&'a str>,
    /// Only keys after this one (a resumed listing; for providers resuming by key, see
    /// [`Resume::AfterKey`]). The same on every page of a listing.
    pub(crate) start_after: Option<&'a str>,
    /// At most this many objects (the provider's page size when `None`).
    pub(crate) max_keys: Option<usize>,
}

/// One listing page: objects in provider order, keys exactly as stored.
#[derive(Debug, Default)]
pub(crate) struct Page {
    pub(crate) objects: Vec<ObjectMeta>,
    /// The sub-prefixes a delimited listing grouped keys into (`CommonPrefixes`), each ending
    /// in the delimiter.
    pub(crate) prefixes: Vec<String>,
    pub(crate) next: Option<String>,
}

/// What differs between S3, GCS and Azure Blob.
#[async_trait]
pub(crate) trait Provider: Send + Sync + 'static {
    /// The object_store client for reads and deletes.
    fn store(&self) -> &dyn ObjectStore;

    /// One page of the bucket's listing.
    async fn list_page(&self, request: PageRequest<'_>) -> Result<Page>;

    /// How a listing is resumed in another process.
    fn resume(&self) -> Resume;

    /// The validation error for an import prefix holding nothing (Label Studio's text).
    fn empty_prefix(&self, prefix: &str) -> Error;

    /// Writes the object `key` (prefix already applied).
    async fn put(&self, key: &str, body: Bytes) -> Result<()>;

    /// A GET URL for `key` valid for `ttl` (already clamped to what the provider accepts).
    async fn presign(&self, key: &str, ttl: Duration, content_type: Option<&str>) -> Result<url::Url>;

    /// `failure` in the provider's words; `key` is the object the call addressed, if any.
    fn error(&self, failure: Failure, key: Option<&str>) -> Error;
}

/// A bucket (or container) and the part of it a storage selects.
pub(crate) struct CloudStorage<P> {
    provider: P,
    /// How the storage names itself, e.g. `S3(s3://bucket/prefix)`.
    label: String,
    /// The prefix as configured (validation and export keys use it raw).
    prefix: Option<String>,
    recursive: bool,
    limits: OutboundLimits,
}

impl<P: Provider> CloudStorage<P> {
    pub(crate) fn new(provider: P, label: String, prefix: Option<&str>, recursive: bool) -> Self {
        CloudStorage {
            provider,
            label,
            prefix: prefix.filter(|p| !p.is_empty()).map(str::to_owned),
            recursive,
            limits: OutboundLimits::default(),
        }
    }

    /// The operator's limits (the guard's); whole-object reads finish within their timeout.
    pub(crate) fn with_limits(mut self, limits: OutboundLimits) -> Self {
        self.limits = limits;
        self
    }

    /// The roles of `role`: import storages also serve media.
    pub(crate) fn connected(self, role: Role) -> Connected {
        let storage = Arc::new(self);
        match role {
            Role::Import => Connected { import: Some(storage.clone()), export: None, media: Some(storage) },
            Role::Export => Connected { import: None, export: Some(storage), media: None },
        }
    }

    /// Label Studio's check: the first object under the raw (not normalized) prefix; an
    /// import storage with a prefix needs one, an export storage only needs the call to work.
    async fn validate_as(&self, role: Role) -> Result<()> {
        let request = PageRequest {
            prefix: self.prefix.as_deref(),
            delimited: false,
            token: None,
            start_after: None,
            max_keys: Some(1),
        };
        let page = self.provider.list_page(request).await?;
        match &self.prefix {
            Some(prefix) if role == Role::Import && page.objects.is_empty() => {
                Err(self.provider.empty_prefix(prefix))
            }
            _ => Ok(()),
        }
    }

    /// Whether the listing covers `key`: under the normalized prefix, a direct child of it
    /// unless recursive, and not a folder placeholder.
    fn selects_key(&self, key: &str) -> bool {
        let prefix = list_prefix(self.prefix.as_deref()).unwrap_or_default();
        match key.strip_prefix(prefix.as_str()) {
            Some(rest) => !rest.is_empty() && !key.ends_with('/') && (self.recursive || !rest.contains('/')),
            None => false,
        }
    }

    fn fail(&self, err: &object_store::Error, key: &str) -> Error {
        self.provider.error(Failure::from_object_store(err), Some(key))
    }

    async fn fetch(&self, key: &str, options: GetOptions) -> Result<GetResult> {
        let path = object_path(key)?;
        self.provider.store().get_opts(&path, options).await.map_err(|e| self.fail(&e, key))
    }
}

impl<P> fmt::Display for CloudStorage<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.label)
    }
}

impl<P> fmt::Debug for CloudStorage<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CloudStorage")
            .field("label", &self.label)
            .field("recursive", &self.recursive)
            .finish_non_exhaustive()
    }
}

#[async_trait]
impl<P: Provider> ImportStorage for CloudStorage<P> {
    async fn validate(&self) -> Result<()> {
        self.validate_as(Role::Import).await
    }

    /// Keys under `prefix/` (Label Studio's normalization), only direct children unless
    /// recursive, one provider page at a time, with a checkpoint after each page (module
    /// `listing`). Keys ending in `/` (folder placeholders) are skipped. A provider that hands
    /// out a continuation token it already gave (A, B, A…) would list forever: that fails with
    /// [`Error::BadResponse`]. A recursive listing runs in parts, up to
    /// `LABELSYNC_LIST_CONCURRENCY` sub-prefixes at once (module `partitioned`); each part
    /// comes in the provider's (lexicographic) order.
    fn list_from(&self, checkpoint: Option<String>) -> BoxStream<'_, Result<ListItem>> {
        crate::partitioned::list_from(self, self.limits.list_concurrency, checkpoint)
    }

    /// One listing call with the key itself as the prefix, for one object: in the providers'
    /// lexicographic order a key comes before every longer key it prefixes, so the first object
    /// listed is `key` if it exists. Listing (not a HEAD) gives the version a sync records.
    async fn stat(&self, key: &str) -> Result<Option<ObjectMeta>> {
        if !self.selects_key(key) {
            return Ok(None);
        }
        let request = PageRequest {
            prefix: Some(key),
            delimited: false,
            token: None,
            start_after: None,
            max_keys: Some(1),
        };
        let page = self.provider.list_page(request).await?;
        Ok(page.objects.into_iter().next().filter(|object| object.key == key))
    }

    /// One GET; an object whose size is over `max_bytes` is refused before its body is read,
    /// a body that grows past it while streaming as soon as it does, and the whole read must
    /// finish within the request timeout.
    async fn get(&self, key: &str, max_bytes: u64) -> Result<Bytes> {
        let timeout = self.limits.request_timeout;
        tokio::time::timeout(timeout, self.get_within(key, max_bytes)).await.unwrap_or_else(|_| {
            Err(Error::BadResponse(format!(
                "{self}: reading {key} took longer than {} s (LABELSYNC_OUTBOUND_TIMEOUT_SECS)",
                timeout.as_secs_f64()
            )))
        })
    }
}

impl<P: Provider> CloudStorage<P> {
    async fn get_within(&self, key: &str, max_bytes: u64) -> Result<Bytes> {
        let result = self.fetch(key, GetOptions::default()).await?;
        let too_large = || Error::TooLarge { key: key.to_owned(), limit: max_bytes };
        if result.meta.size > max_bytes {
            return Err(too_large());
        }
        let mut body = Vec::with_capacity(usize::try_from(result.meta.size).unwrap_or(0));
        let mut chunks = result.into_stream();
        while let Some(chunk) = chunks.next().await {
            let chunk = chunk.map_err(|e| self.fail(&e, key))?;
            if (body.len() + chunk.len()) as u64 > max_bytes {
                return Err(too_large());
            }
            body.extend_from_slice(&chunk);
        }
        Ok(Bytes::from(body))
    }
}

#[async_trait]
impl<P: Provider> ExportStorage for CloudStorage<P> {
    async fn validate(&self) -> Result<()> {
        self.validate_as(Role::Export).await
    }

    /// Writes `{prefix}/{key}` (see [`keys::export_key`]).
    async fn put(&self, key: &str, body: Bytes) -> Result<()> {
        let full = export_key(self.prefix.as_deref(), key);
        object_path(&full)?;
        self.provider.put(&full, body).await
    }

    /// Deletes `{prefix}/{key}`; a missing object is fine.
    async fn delete(&self, key: &str) -> Result<()> {
        let full = export_key(self.prefix.as_deref(), key);
        let path = object_path(&full)?;
        match self.provider.store().delete(&path).await {
            Err(e) => match self.fail(&e, &full) {
                Error::NotFound { .. } => Ok(()),
                err => Err(err),
            },
            Ok(()) => Ok(()),
        }
    }
}

#[async_trait]
impl<P: Provider> MediaStorage for CloudStorage<P> {
    /// Signed by the provider's presigner; `ttl` is clamped to 1 s … 7 days.
    async fn presign_get(&self, key: &str, ttl: Duration, content_type: Option<&str>) -> Result<url::Url> {
        if key.is_empty() {
            return Err(Error::InvalidKey("an empty key cannot be signed".to_owned()));
        }
        self.provider.presign(key, presign_ttl(ttl), content_type).await
    }

    /// A whole object is one GET; a range is a HEAD (for the size the range is clamped to)
    /// and a ranged GET.
    async fn open(&self, key: &str, range: Option<Range<u64>>) -> Result<MediaObject> {
        let Some(asked) = range else {
            let result = self.fetch(key, GetOptions::default()).await?;
            let size = result.meta.size;
            return Ok(self.media(key, result, 0..size));
        };
        let head = GetOptions { head: true, ..GetOptions::default() };
        let meta = self.fetch(key, head).await?;
        let range = clamp_range(key, meta.meta.size, Some(asked))?;
        if range.is_empty() {
            let mut object = self.media(key, meta, range);
            object.body = futures::stream::empty().boxed();
            return Ok(object);
        }
        let options = GetOptions { range: Some(GetRange::Bounded(range.clone())), ..GetOptions::default() };
        let result = self.fetch(key, options).await?;
        Ok(self.media(key, result, range))
    }
}

impl<P: Provider> CloudStorage<P> {
    fn media(&self, key: &str, result: GetResult, range: Range<u64>) -> MediaObject {
        let content_type = result.attributes.get(&Attribute::ContentType).map(|v| v.to_string());
        let meta = ObjectMeta {
            key: key.to_owned(),
            size: result.meta.size,
            last_modified: Some(result.meta.last_modified),
            etag: result.meta.e_tag.as_deref().map(unquote),
        };
        let owned_key = key.to_owned();
        let label = self.label.clone();
        let body = result
            .into_stream()
            .map_err(move |e| {
                let reason = http::innermost(&e);
                Error::Other(format!("{label}: reading {owned_key} failed: {reason}"))
            })
            .boxed();
        MediaObject { meta, content_type, range, body }
    }
}

/// An entity tag without its quotes (and without a weak `W/` marker).
pub(crate) fn unquote(etag: &str) -> String {
    etag.trim_start_matches("W/").trim_matches('"').to_owned()
}
