//! Media URL resolution (`docs/label-studio-api.md` §7, §10.11): which import storage of a
//! project a storage URI (`s3://`, `gs://`, `azure-blob://`) belongs to, and task data rewritten
//! so that a browser loads those URIs through `/tasks/{id}/resolve/?fileuri=…`.
//!
//! [`MediaSources`] is built once per request from the project's storage rows; it answers
//! [`MediaSources::find`] (the resolve endpoints) and [`MediaSources::rewrite`] (task data)
//! without further queries. A URI belongs to a storage when scheme and bucket/container match
//! (and, with `within_prefix`, the key lies under the storage's prefix). Redis and local-files
//! storages never resolve URIs, as in Label Studio.

mod rewrite;
pub mod uri;

use labelsync_db::storages::{Storage, StorageSettings};
use labelsync_storage::{Role, StorageKind};
use serde_json::Value;

/// One import storage as media resolution sees it.
#[derive(Debug, Clone)]
pub struct MediaSource {
    pub storage_id: i64,
    pub kind: StorageKind,
    pub scheme: &'static str,
    pub bucket: String,
    pub prefix: Option<String>,
    /// Redirect to a signed URL (true) or stream the object through the server (false).
    pub presign: bool,
    /// Lifetime of signed URLs, in minutes.
    pub presign_ttl_minutes: u64,
}

/// An object a URI names in a storage.
#[derive(Debug, Clone)]
pub struct Located<'a> {
    pub source: &'a MediaSource,
    pub key: String,
}

/// The import storages of one project that can resolve URIs, in Label Studio's order (S3,
/// GCS, Azure; each by id).
#[derive(Debug, Clone, Default)]
pub struct MediaSources {
    sources: Vec<MediaSource>,
    within_prefix: bool,
}

impl MediaSources {
    /// From a project's storage rows (any role and kind; only import S3/GCS/Azure are kept).
    /// `within_prefix` makes each storage's prefix a boundary.
    pub fn new(storages: &[Storage], within_prefix: bool) -> MediaSources {
        let mut sources: Vec<MediaSource> = storages.iter().filter_map(source_of).collect();
        sources.sort_by_key(|s| (kind_rank(s.kind), s.storage_id));
        MediaSources { sources, within_prefix }
    }

    pub fn is_empty(&self) -> bool {
        self.sources.is_empty()
    }

    /// The storage `uri` belongs to, and the object key, if any.
    pub fn find(&self, uri: &str) -> Option<Located<'_>> {
        self.sources.iter().find_map(|source| self.locate(source, uri))
    }

    /// `uri` (already extracted) located in `source`, if scheme, bucket (and prefix) match.
    fn locate<'a>(&self, source: &'a MediaSource, uri: &str) -> Option<Located<'a>> {
        let (bucket, key) = uri::split(uri, source.scheme)?;
        if bucket != source.bucket || (self.within_prefix && !under_prefix(&key, source.prefix.as_deref())) {
            return None;
        }
        Some(Located { source, key })
    }

    /// Task data with every resolvable URI replaced by `{host}/tasks/{task_id}/resolve/?fileuri=…`
    /// (`docs/label-studio-api.md` §7.1). `fallback` is the storage the task was imported from.
    pub fn rewrite(&self, data: &Value, task_id: i64, fallback: Option<i64>, host: &str) -> Value {
        rewrite::rewrite(self, data, task_id, fallback, host)
    }
}

/// True when `key` lies under the folder `prefix` (no prefix: everything).
fn under_prefix(key: &str, prefix: Option<&str>) -> bool {
    match prefix.map(|p| p.trim_end_matches('/')).filter(|p| !p.is_empty()) {
        None => true,
        Some(prefix) => key.strip_prefix(prefix).is_some_and(|rest| rest.starts_with('/')),
    }
}

fn kind_rank(kind: StorageKind) -> u8 {
    match kind {
        StorageKind::S3 => 0,
        StorageKind::Gcs => 1,
        StorageKind::Azure => 2,
        StorageKind::Redis => 3,
        StorageKind::LocalFiles => 4,
    }
}

fn source_of(storage: &Storage) -> Option<MediaSource> {
    if storage.role != Role::Import {
        return None;
    }
    let kind = storage.kind;
    // Redis and local files have no URI scheme: they never resolve media.
    let scheme = kind.uri_scheme()?;
    let settings = storage.public_settings().ok()?;
    let (bucket, prefix, presign) = match &settings {
        StorageSettings::S3(s) => (&s.bucket, &s.prefix, &s.presign),
        StorageSettings::Gcs(s) => (&s.bucket, &s.prefix, &s.presign),
        StorageSettings::Azure(s) => (&s.container, &s.prefix, &s.presign),
        StorageSettings::Redis(_) | StorageSettings::LocalFiles(_) => return None,
    };
    let text = |v: &Option<String>| v.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned);
    Some(MediaSource {
        storage_id: storage.id,
        kind,
        scheme,
        bucket: text(bucket)?,
        prefix: text(prefix),
        // Import storages always have both (the field table's defaults fill them in).
        presign: presign.presign.unwrap_or(true),
        presign_ttl_minutes: presign.presign_ttl.and_then(|t| u64::try_from(t).ok()).unwrap_or(1),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Prefixes are folders; no prefix admits every key.
    #[test]
    fn prefix_is_a_folder() {
        assert!(under_prefix("a/x.jpg", Some("a")));
        assert!(under_prefix("a/x.jpg", Some("a/")));
        assert!(!under_prefix("ab/x.jpg", Some("a")));
        assert!(!under_prefix("b/x.jpg", Some("a")));
        assert!(under_prefix("b/x.jpg", None));
        assert!(under_prefix("b/x.jpg", Some("")));
    }
}
