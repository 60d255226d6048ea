//! Opening, reading and streaming one file, with symlinks resolved and checked against the
//! document root first.

use std::io::{self, SeekFrom};
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use chrono::{DateTime, Utc};
use futures::{StreamExt, TryStreamExt};
use tokio::io::{AsyncReadExt, AsyncSeekExt};
use tokio_util::io::ReaderStream;

use crate::{Error, MediaObject, ObjectMeta, Result};

const STREAM_CHUNK: usize = 64 * 1024;

/// A regular file whose real path was checked to lie under the (canonical) document root.
#[derive(Debug)]
pub(crate) struct CheckedFile {
    pub(crate) real: PathBuf,
    pub(crate) size: u64,
    pub(crate) modified: Option<SystemTime>,
}

/// Resolves `path` (all symlinks) and checks that the target is a regular file under
/// `real_root`. `key` names the file in errors.
pub(crate) async fn check_file(path: &Path, key: &str, real_root: &Path) -> Result<CheckedFile> {
    let real = tokio::fs::canonicalize(path).await.map_err(|e| read_error(key, e))?;
    if !real.starts_with(real_root) {
        return Err(Error::InvalidKey(format!("{key} resolves outside the local files document root")));
    }
    // Checked before opening, so a FIFO or device never blocks an open().
    let meta = tokio::fs::metadata(&real).await.map_err(|e| read_error(key, e))?;
    if !meta.is_file() {
        return Err(Error::NotFound { key: key.to_owned() });
    }
    Ok(CheckedFile { real, size: meta.len(), modified: meta.modified().ok() })
}

/// The whole file, refused with [`Error::TooLarge`] before reading when it exceeds `max_bytes`.
pub(crate) async fn read_limited(checked: &CheckedFile, key: &str, max_bytes: u64) -> Result<Bytes> {
    let (file, size, _) = open(checked, key).await?;
    if size > max_bytes {
        return Err(Error::TooLarge { key: key.to_owned(), limit: max_bytes });
    }
    let mut body = Vec::with_capacity(usize::try_from(size).unwrap_or(0));
    file.take(max_bytes.saturating_add(1)).read_to_end(&mut body).await.map_err(|e| read_error(key, e))?;
    // The file may have grown since it was measured.
    if body.len() as u64 > max_bytes {
        return Err(Error::TooLarge { key: key.to_owned(), limit: max_bytes });
    }
    Ok(Bytes::from(body))
}

/// Streams `range` of the file (end exclusive, clamped to the size measured on the open file).
pub(crate) async fn stream(
    checked: &CheckedFile,
    key: &str,
    range: Option<Range<u64>>,
) -> Result<MediaObject> {
    let (mut file, size, modified) = open(checked, key).await?;
    let range = clamp_range(key, size, range)?;
    file.seek(SeekFrom::Start(range.start)).await.map_err(|e| read_error(key, e))?;
    let owned_key = key.to_owned();
    let body = ReaderStream::with_capacity(file.take(range.end - range.start), STREAM_CHUNK)
        .map_err(move |e| read_error(&owned_key, e))
        .boxed();
    Ok(MediaObject { meta: object_meta(key, size, modified), content_type: None, range, body })
}

/// The listing / media metadata of a file, with Label Studio's entity tag (its version: size
/// and modification time in nanoseconds).
pub(crate) fn object_meta(key: &str, size: u64, modified: Option<SystemTime>) -> ObjectMeta {
    ObjectMeta {
        key: key.to_owned(),
        size,
        last_modified: modified.map(DateTime::<Utc>::from),
        etag: modified.map(|m| entity_tag(m, size)),
    }
}

/// Label Studio's tag body `<mtime_ns hex>-<size hex>` (the weak `W/"…"` wrapper is the
/// HTTP layer's).
pub(crate) fn entity_tag(modified: SystemTime, size: u64) -> String {
    match modified.duration_since(UNIX_EPOCH) {
        Ok(since) => format!("{:x}-{size:x}", since.as_nanos()),
        Err(before) => format!("-{:x}-{size:x}", before.duration().as_nanos()),
    }
}

/// Opens the checked real path and measures it again on the handle.
async fn open(checked: &CheckedFile, key: &str) -> Result<(tokio::fs::File, u64, Option<SystemTime>)> {
    let file = tokio::fs::File::open(&checked.real).await.map_err(|e| read_error(key, e))?;
    let meta = file.metadata().await.map_err(|e| read_error(key, e))?;
    if !meta.is_file() {
        return Err(Error::NotFound { key: key.to_owned() });
    }
    Ok((file, meta.len(), meta.modified().ok()))
}

fn clamp_range(key: &str, size: u64, range: Option<Range<u64>>) -> Result<Range<u64>> {
    match range {
        None => Ok(0..size),
        Some(r) if r.start >= size || r.start > r.end => {
            Err(Error::RangeNotSatisfiable { key: key.to_owned(), size })
        }
        Some(r) => Ok(r.start..r.end.min(size)),
    }
}

pub(crate) fn read_error(key: &str, err: io::Error) -> Error {
    match err.kind() {
        io::ErrorKind::NotFound => Error::NotFound { key: key.to_owned() },
        io::ErrorKind::PermissionDenied => {
            Error::PermissionDenied(format!("Failed to read file {key}: permission denied"))
        }
        _ => Error::Other(format!("Failed to read file {key}: {err}")),
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    /// The entity tag is Label Studio's `<mtime_ns hex>-<size hex>`.
    #[test]
    fn entity_tag_matches_label_studio() {
        let modified = UNIX_EPOCH + Duration::from_nanos(0x17f0_0000_0000_1234);
        assert_eq!(entity_tag(modified, 255), "17f0000000001234-ff");
    }

    /// Ranges are clamped to the size; a start at or past the end is not satisfiable.
    #[test]
    fn ranges_are_clamped_or_refused() {
        assert_eq!(clamp_range("k", 10, None).expect("full"), 0..10);
        assert_eq!(clamp_range("k", 10, Some(2..5)).expect("inner"), 2..5);
        assert_eq!(clamp_range("k", 10, Some(8..50)).expect("clamped"), 8..10);
        assert!(matches!(
            clamp_range("k", 10, Some(10..12)),
            Err(Error::RangeNotSatisfiable { size: 10, .. })
        ));
        assert!(matches!(clamp_range("k", 0, Some(0..1)), Err(Error::RangeNotSatisfiable { .. })));
        let reversed = Range { start: 5, end: 3 };
        assert!(matches!(clamp_range("k", 10, Some(reversed)), Err(Error::RangeNotSatisfiable { .. })));
    }
}
