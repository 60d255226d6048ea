//! The directory walk behind the local-files listing: a [`SortedWalk`] on a blocking thread
//! feeding a bounded channel, so memory stays flat and a dropped listing stops the walk.
//!
//! A walk covers one part of the listing (module `partitioned`): a directory, recursively or
//! only its files. Checkpoints are absolute paths: the last entry the walk visited. The walk is depth-first
//! with each directory's entries sorted by file name, which is exactly the component-wise
//! order of [`Path`]'s `Ord`; so resuming after a path visits every entry greater than it, and
//! whole directories before it are pruned unread instead of walked and discarded.

use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

use futures::StreamExt;
use futures::stream::BoxStream;
use tokio::sync::mpsc;

use super::Layout;
use super::file::object_meta;
use super::sorted_walk::{Kind, SortedWalk, WalkEntry};
use crate::paging::page_size;
use crate::partitioned::Part;
use crate::{Error, ListItem, ObjectMeta, Result};

/// How many listed files may wait for the consumer before the walk pauses.
const CHANNEL_CAPACITY: usize = 1024;
/// A checkpoint follows at least every this many listed files.
const CHECKPOINT_EVERY: usize = 1000;

/// Regular files directly in the directory of `part` (or below it, when recursive), after
/// `checkpoint` when given, with a checkpoint every [`CHECKPOINT_EVERY`] files and at the end.
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
pub(super) fn list_from(
    layout: Arc<Layout>,
    part: &Part,
    checkpoint: Option<String>,
) -> BoxStream<'static, Result<ListItem>> {
    let walk_dir =
        WalkScope { dir: layout.part_dir(part), recursive: part.recursive, is_root: part.path.is_empty() };
    let after = match checkpoint.map(|c| resume_point(&layout, &walk_dir.dir, &c)).transpose() {
        Ok(after) => after,
        Err(err) => return futures::stream::once(async { Err(err) }).boxed(),
    };
    futures::stream::once(async move {
        let (tx, rx) = mpsc::channel(CHANNEL_CAPACITY);
        tokio::task::spawn_blocking(move || walk(&layout, &walk_dir, after.as_deref(), &tx));
        futures::stream::unfold(rx, |mut rx| async move { rx.recv().await.map(|item| (item, rx)) })
    })
    .flatten()
    .boxed()
}

/// What one walk covers.
struct WalkScope {
    dir: PathBuf,
    recursive: bool,
    /// The storage directory itself, which may be a symlink (inside the document root); the
    /// directories of other parts are entered only as real directories.
    is_root: bool,
}

/// The path a checkpoint names: the walk's directory or a plain path below it (a checkpoint
/// of another directory would skip or repeat files of this one, and one with `..` would not
/// compare with the walk's paths).
fn resume_point(layout: &Layout, dir: &Path, checkpoint: &str) -> Result<PathBuf> {
    let path = PathBuf::from(checkpoint);
    let below = path.strip_prefix(dir).ok().filter(|_| path.is_absolute());
    if below.is_some_and(|below| below.components().all(|c| matches!(c, Component::Normal(_)))) {
        return Ok(path);
    }
    Err(Error::InvalidCheckpoint(format!(
        "LocalFiles({}): cannot resume the listing from checkpoint {checkpoint:?}: not a path in this directory",
        layout.path
    )))
}

fn walk(layout: &Layout, walk_dir: &WalkScope, after: Option<&Path>, tx: &mpsc::Sender<Result<ListItem>>) {
    let real = match layout.real_dirs() {
        Ok(real) => real,
        Err(err) => {
            let _ = tx.blocking_send(Err(err));
            return;
        }
    };
    let max_depth = if walk_dir.recursive { usize::MAX } else { 1 };
    let mut last_visited = after.and_then(Path::to_str).map(str::to_owned);
    let mut since_checkpoint = 0;
    for entry in SortedWalk::new(&walk_dir.dir, max_depth, walk_dir.is_root, after) {
        let item = match entry {
            Ok(entry) if after.is_some_and(|after| entry.path <= after) => None,
            Ok(entry) => {
                if let Some(path) = entry.path.to_str() {
                    last_visited = Some(path.to_owned());
                }
                listed(&entry, &real.root).map(|meta| Ok(ListItem::Object(meta)))
            }
            Err(err) if err.depth == 0 => Some(Err(layout.unreadable(&err.to_string()))),
            Err(err) => {
                tracing::warn!(storage = %layout.path, "skipping unreadable entry: {err}");
                None
            }
        };
        let Some(item) = item else { continue };
        let failed = item.is_err();
        since_checkpoint += 1;
        if tx.blocking_send(item).is_err() || failed {
            return; // the listing was dropped, or cannot go on
        }
        if since_checkpoint >= page_size(CHECKPOINT_EVERY) {
            since_checkpoint = 0;
            if !send_checkpoint(tx, last_visited.as_deref()) {
                return;
            }
        }
    }
    send_checkpoint(tx, last_visited.as_deref().or(walk_dir.dir.to_str()));
}

/// Sends a checkpoint at `path` (when there is one); false when the listing was dropped.
fn send_checkpoint(tx: &mpsc::Sender<Result<ListItem>>, path: Option<&str>) -> bool {
    path.is_none_or(|path| tx.blocking_send(Ok(ListItem::Checkpoint(path.to_owned()))).is_ok())
}

/// The entry's metadata when it is listed, `None` when it is skipped.
fn listed(entry: &WalkEntry, real_root: &Path) -> Option<ObjectMeta> {
    let path = &entry.path;
    let Some(key) = path.to_str() else {
        tracing::warn!("skipping file with a non-UTF-8 name: {}", path.display());
        return None;
    };
    let meta = match entry.kind {
        Kind::File => std::fs::symlink_metadata(path).ok()?,
        Kind::Symlink => symlink_target_inside(path, real_root).or_else(|| {
            tracing::debug!("skipping symlink {key}: not a regular file under the document root");
            None
        })?,
        Kind::Dir | Kind::Other => return None,
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

#[cfg(test)]
mod tests {
    use super::*;

    /// A checkpoint is accepted only as the storage directory or a plain path below it.
    #[test]
    fn checkpoints_outside_the_directory_are_refused() {
        let config = crate::LocalFilesConfig {
            path: "/srv/files/tasks".to_owned(),
            recursive: true,
            document_root: PathBuf::from("/srv"),
            serving_enabled: true,
        };
        let layout = Layout::new(&config);
        for good in ["/srv/files/tasks", "/srv/files/tasks/a/b.json"] {
            assert_eq!(resume_point(&layout, &layout.dir, good).expect(good), PathBuf::from(good));
        }
        let part = layout.dir.join("a");
        let err = resume_point(&layout, &part, "/srv/files/tasks/b/c.json").expect_err("another part's");
        assert!(matches!(err, Error::InvalidCheckpoint(_)), "{err:?}");
        for bad in [
            "",
            "tasks/a.json",
            "/srv/files/other/a.json",
            "/srv/files/tasks/../x/a.json",
            "/srv/files/tasksX",
        ] {
            let err = resume_point(&layout, &layout.dir, bad).expect_err(bad);
            assert!(matches!(err, Error::InvalidCheckpoint(_)), "{bad}: {err:?}");
        }
    }
}
