//! Local files listed in parts (module `partitioned`): a part is a directory below the storage
//! directory, split with one `read_dir`.

use std::path::{Component, Path, PathBuf};

use async_trait::async_trait;
use futures::stream::BoxStream;

use super::{Layout, LocalFilesStorage, blocking, listing};
use crate::partitioned::{Part, PartLister};
use crate::{ListItem, Result};

/// A directory with more entries than this is listed as one part, not split.
const MAX_SPLIT_ENTRIES: usize = 1000;

impl Layout {
    /// The directory of `part`.
    pub(super) fn part_dir(&self, part: &Part) -> PathBuf {
        if part.path.is_empty() { self.dir.clone() } else { self.dir.join(&part.path) }
    }
}

#[async_trait]
impl PartLister for LocalFilesStorage {
    fn root(&self) -> Part {
        Part { path: String::new(), recursive: self.layout.recursive }
    }

    fn scope(&self) -> String {
        let mode = if self.layout.recursive { "r" } else { "d" };
        format!("{mode}:{}", self.layout.path)
    }

    /// The root; in a recursive storage also its files alone, or a plain relative path below it.
    fn contains(&self, part: &Part) -> bool {
        if !self.layout.recursive {
            return *part == self.root();
        }
        Path::new(&part.path).components().all(|c| matches!(c, Component::Normal(_)))
    }

    /// The real subdirectories of the part's directory (never symlinks, as the walk never
    /// enters them), and its files as one more part.
    async fn split(&self, part: &Part) -> Result<Option<Vec<Part>>> {
        let dir = self.layout.part_dir(part);
        let part = part.clone();
        blocking(move || Ok(split_dir(&dir, &part))).await
    }

    fn list_part(&self, part: &Part, checkpoint: Option<String>) -> BoxStream<'_, Result<ListItem>> {
        listing::list_from(self.layout.clone(), part, checkpoint)
    }
}

/// The parts of `dir`, or `None` when it has no subdirectory, too many entries, or cannot be
/// read (the walk then reports why).
fn split_dir(dir: &Path, part: &Part) -> Option<Vec<Part>> {
    let mut subdirs = Vec::new();
    let mut files = false;
    for (read, entry) in std::fs::read_dir(dir).ok()?.enumerate() {
        if read >= MAX_SPLIT_ENTRIES {
            return None;
        }
        let entry = entry.ok()?;
        match entry.file_type() {
            Ok(kind) if kind.is_dir() => {
                // Names that are not UTF-8 hold no listable key (the walk skips them too).
                let Some(name) = entry.file_name().to_str().map(str::to_owned) else { continue };
                let path = if part.path.is_empty() { name } else { format!("{}/{name}", part.path) };
                subdirs.push(Part { path, recursive: true });
            }
            _ => files = true,
        }
    }
    if subdirs.is_empty() {
        return None;
    }
    let files = files.then(|| Part { path: part.path.clone(), recursive: false });
    Some(files.into_iter().chain(subdirs).collect())
}
