//! The directory walk behind the local-files listing: `walkdir` on a blocking thread feeding a
//! bounded channel, so memory stays flat and a dropped listing stops the walk.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use futures::StreamExt;
use futures::stream::BoxStream;
use tokio::sync::mpsc;
use walkdir::{DirEntry, WalkDir};

use super::Layout;
use super::file::object_meta;
use crate::{ObjectMeta, Result};

/// How many listed files may wait for the consumer before the walk pauses.
const CHANNEL_CAPACITY: usize = 1024;

/// Regular files directly in the storage directory (or below it, when recursive).
///
/// Order: entries are sorted by file name within each directory and the walk is depth-first,
/// so the order is deterministic. Label Studio instead sorts the whole listing by basename,
/// which interleaves folders in recursive mode; that needs the full listing in memory, so we
/// keep the per-directory order (identical to Label Studio's in non-recursive mode).
///
/// Symlinks: a symlinked file is listed (under its own path) only when its target is a
/// regular file under the document root's real path; symlinked directories are never
/// descended into (as Python's `rglob`, and so no cycles); everything else that is not a
/// regular file is skipped. Names that are not UTF-8 are skipped with a warning, because
/// keys are strings.
pub(super) fn list(layout: Arc<Layout>) -> BoxStream<'static, Result<ObjectMeta>> {
    futures::stream::once(async move {
        let (tx, rx) = mpsc::channel(CHANNEL_CAPACITY);
        tokio::task::spawn_blocking(move || walk(&layout, &tx));
        futures::stream::unfold(rx, |mut rx| async move { rx.recv().await.map(|item| (item, rx)) })
    })
    .flatten()
    .boxed()
}

fn walk(layout: &Layout, tx: &mpsc::Sender<Result<ObjectMeta>>) {
    let real = match layout.real_dirs() {
        Ok(real) => real,
        Err(err) => {
            let _ = tx.blocking_send(Err(err));
            return;
        }
    };
    let max_depth = if layout.recursive { usize::MAX } else { 1 };
    let walker =
        WalkDir::new(&layout.dir).min_depth(1).max_depth(max_depth).follow_links(false).sort_by_file_name();
    for entry in walker {
        let item = match entry {
            Ok(entry) => listed(&entry, &real.root).map(Ok),
            Err(err) if err.depth() == 0 => Some(Err(layout.unreadable(&err.to_string()))),
            Err(err) => {
                tracing::warn!(storage = %layout.path, "skipping unreadable entry: {err}");
                None
            }
        };
        if let Some(item) = item
            && tx.blocking_send(item).is_err()
        {
            return; // the listing was dropped
        }
    }
}

/// The entry's metadata when it is listed, `None` when it is skipped.
fn listed(entry: &DirEntry, real_root: &Path) -> Option<ObjectMeta> {
    let path = entry.path();
    let Some(key) = path.to_str() else {
        tracing::warn!("skipping file with a non-UTF-8 name: {}", path.display());
        return None;
    };
    let file_type = entry.file_type();
    let meta = if file_type.is_file() {
        entry.metadata().ok()?
    } else if file_type.is_symlink() {
        symlink_target_inside(path, real_root).or_else(|| {
            tracing::debug!("skipping symlink {key}: not a regular file under the document root");
            None
        })?
    } else {
        return None;
    };
    Some(object_meta(key, meta.len(), meta.modified().ok()))
}

fn symlink_target_inside(path: &Path, real_root: &Path) -> Option<std::fs::Metadata> {
    let target: PathBuf = std::fs::canonicalize(path).ok()?;
    if !target.starts_with(real_root) {
        return None;
    }
    std::fs::metadata(&target).ok().filter(std::fs::Metadata::is_file)
}
