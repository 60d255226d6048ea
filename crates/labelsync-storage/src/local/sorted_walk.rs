//! A depth-first directory walk in [`Path`] order that holds a bounded number of names per
//! directory, however large the directory.
//!
//! A sorted walk that reads each directory whole before yielding its first entry (as `walkdir`'s
//! `sort_by_file_name` does) holds every entry of every directory it has open: eight such walks
//! of 62,500-file directories held half a million paths. This walk reads a directory in windows
//! instead: each pass over `read_dir` keeps the smallest [`WINDOW`] names after the last one
//! yielded (a bounded max-heap), so a directory of up to `WINDOW` entries is read once and a
//! bigger one once per `WINDOW` entries, and memory is at most `WINDOW` names per directory level
//! open. On Linux a pass reads raw `getdents64` records (`rustix::fs::RawDir`) and copies only the
//! names it keeps, so the passes over a huge directory cost little more than the kernel's reads.
//! Entries are never followed through symlinks (a symlinked directory is yielded, not entered, and
//! opened with `O_NOFOLLOW`), except the walk's own directory when asked.

use std::cmp::Ordering;
use std::collections::BinaryHeap;
use std::ffi::OsString;
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::path::{Path, PathBuf};

/// How many names one directory level holds at most (about 2 MB of names).
pub(super) const WINDOW: usize = 32 * 1024;

/// One entry of the walk.
#[derive(Debug)]
pub(super) struct WalkEntry {
    pub(super) path: PathBuf,
    /// The entry's own type (a symlink is a symlink).
    pub(super) kind: Kind,
}

/// What a directory entry is, itself (not what a symlink points to).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    File,
    Dir,
    Symlink,
    Other,
}

impl Kind {
    fn of(file_type: std::fs::FileType) -> Kind {
        if file_type.is_file() {
            Kind::File
        } else if file_type.is_dir() {
            Kind::Dir
        } else if file_type.is_symlink() {
            Kind::Symlink
        } else {
            Kind::Other
        }
    }
}

/// A directory of the walk that could not be read.
#[derive(Debug)]
pub(super) struct WalkError {
    path: PathBuf,
    /// 0 for the walk's own directory, 1 for its subdirectories, …
    pub(super) depth: usize,
    source: std::io::Error,
}

impl std::fmt::Display for WalkError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "cannot read {}: {}", self.path.display(), self.source)
    }
}

/// The walk: an iterator over the entries below a directory (the directory itself excluded).
pub(super) struct SortedWalk<'a> {
    /// The directories open, innermost last.
    stack: Vec<Frame>,
    max_depth: usize,
    /// Resume after this path: entries up to it are skipped, and whole directories before it
    /// are neither read nor entered.
    after: Option<&'a Path>,
    window: usize,
}

impl<'a> SortedWalk<'a> {
    /// The entries below `dir` down to `max_depth` (1: its entries only), after `after`.
    /// `dir` itself is entered through a symlink only when `follow_root_link`.
    pub(super) fn new(dir: &Path, max_depth: usize, follow_root_link: bool, after: Option<&'a Path>) -> Self {
        let mut walk = SortedWalk { stack: Vec::new(), max_depth, after, window: WINDOW };
        let is_link = std::fs::symlink_metadata(dir).is_ok_and(|meta| meta.file_type().is_symlink());
        if follow_root_link || !is_link {
            let mut root = walk.frame(dir.to_path_buf(), 0);
            root.follow_link = follow_root_link;
            walk.stack.push(root);
        }
        walk
    }

    #[cfg(test)]
    fn with_window(mut self, window: usize) -> Self {
        self.window = window;
        self
    }

    fn frame(&self, dir: PathBuf, depth: usize) -> Frame {
        // Resuming inside this directory: its names before the one leading to `after` are done.
        let first = self
            .after
            .and_then(|after| after.strip_prefix(&dir).ok())
            .and_then(|below| below.iter().next())
            .map_or(Bound::Unbounded, |name| Bound::From(name.to_owned()));
        Frame {
            dir,
            depth,
            follow_link: false,
            pending: Vec::new().into_iter(),
            next: first,
            exhausted: false,
        }
    }
}

impl Iterator for SortedWalk<'_> {
    type Item = Result<WalkEntry, WalkError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            let frame = self.stack.last_mut()?;
            let Some(named) = frame.pending.next() else {
                if frame.exhausted {
                    self.stack.pop();
                } else if let Err(source) = frame.read_window(self.window) {
                    let frame = self.stack.pop()?;
                    return Some(Err(WalkError { path: frame.dir, depth: frame.depth, source }));
                }
                continue;
            };
            let path = frame.dir.join(&named.name);
            let depth = frame.depth + 1;
            if self.after.is_some_and(|after| !resumes_into(&path, after)) {
                continue;
            }
            if named.kind == Kind::Dir && depth < self.max_depth {
                let child = self.frame(path.clone(), depth);
                self.stack.push(child);
            }
            return Some(Ok(WalkEntry { path, kind: named.kind }));
        }
    }
}

/// Whether the walk enters `path` when resuming after `after`: entries after it, and the
/// directories holding it (which come before it, but hold entries after it).
fn resumes_into(path: &Path, after: &Path) -> bool {
    path > after || (path != after && after.starts_with(path))
}

/// An open directory of the walk.
struct Frame {
    dir: PathBuf,
    depth: usize,
    /// `dir` may be a symlink (the walk's own directory, when asked).
    follow_link: bool,
    /// The names of the current window not yet yielded, in order.
    pending: std::vec::IntoIter<Named>,
    /// Where the next window starts.
    next: Bound,
    /// No names are left after the current window.
    exhausted: bool,
}

impl Frame {
    /// Reads the next window: the smallest `window` names from `self.next` on.
    fn read_window(&mut self, window: usize) -> std::io::Result<()> {
        let mut smallest: BinaryHeap<Named> = BinaryHeap::new();
        let next = &self.next;
        let dir = &self.dir;
        for_each_entry(dir, self.follow_link, |name, kind| {
            let beyond_window =
                smallest.len() >= window && smallest.peek().is_some_and(|max| name >= max.name.as_bytes());
            if !next.admits(name) || beyond_window {
                return;
            }
            let name = OsString::from_vec(name.to_vec());
            // The type is known from the directory record, except on filesystems that leave it out.
            let kind = kind
                .or_else(|| std::fs::symlink_metadata(dir.join(&name)).ok().map(|m| Kind::of(m.file_type())));
            let Some(kind) = kind else { return }; // gone since it was read
            smallest.push(Named { name, kind });
            if smallest.len() > window {
                smallest.pop();
            }
        })?;
        self.exhausted = smallest.len() < window;
        let sorted = smallest.into_sorted_vec();
        if let Some(last) = sorted.last() {
            self.next = Bound::After(last.name.clone());
        }
        self.pending = sorted.into_iter();
        Ok(())
    }
}

/// Calls `visit` with the name of each entry of `dir` (`.` and `..` left out) and its kind when
/// the directory record says it. `dir` itself is opened through a symlink only when
/// `follow_link`.
#[cfg(target_os = "linux")]
fn for_each_entry(
    dir: &Path,
    follow_link: bool,
    mut visit: impl FnMut(&[u8], Option<Kind>),
) -> std::io::Result<()> {
    use std::mem::MaybeUninit;

    use rustix::fs::{FileType, Mode, OFlags, RawDir};

    let mut flags = OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC;
    if !follow_link {
        flags |= OFlags::NOFOLLOW;
    }
    let fd = rustix::fs::open(dir, flags, Mode::empty())?;
    let mut buf = vec![MaybeUninit::<u8>::uninit(); 64 * 1024];
    let mut entries = RawDir::new(&fd, &mut buf);
    while let Some(entry) = entries.next() {
        let entry = entry?;
        let name = entry.file_name().to_bytes();
        if name == b"." || name == b".." {
            continue;
        }
        let kind = match entry.file_type() {
            FileType::RegularFile => Some(Kind::File),
            FileType::Directory => Some(Kind::Dir),
            FileType::Symlink => Some(Kind::Symlink),
            FileType::Unknown => None,
            _ => Some(Kind::Other),
        };
        visit(name, kind);
    }
    Ok(())
}

#[cfg(not(target_os = "linux"))]
fn for_each_entry(
    dir: &Path,
    follow_link: bool,
    mut visit: impl FnMut(&[u8], Option<Kind>),
) -> std::io::Result<()> {
    if !follow_link && std::fs::symlink_metadata(dir)?.file_type().is_symlink() {
        return Err(std::io::Error::other("a symlink, not a directory"));
    }
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        visit(entry.file_name().as_bytes(), entry.file_type().ok().map(Kind::of));
    }
    Ok(())
}

/// The names a window may hold.
enum Bound {
    Unbounded,
    /// This name and the ones after it.
    From(OsString),
    /// The names after this one.
    After(OsString),
}

impl Bound {
    fn admits(&self, name: &[u8]) -> bool {
        match self {
            Bound::Unbounded => true,
            Bound::From(first) => name >= first.as_bytes(),
            Bound::After(last) => name > last.as_bytes(),
        }
    }
}

/// A directory entry read, ordered by name (bytes, as [`Path`] compares components).
struct Named {
    name: OsString,
    kind: Kind,
}

impl PartialEq for Named {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name
    }
}

impl Eq for Named {}

impl PartialOrd for Named {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Named {
    fn cmp(&self, other: &Self) -> Ordering {
        self.name.cmp(&other.name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The tree of the tests: names sorted by byte, where `a/…` still comes before `a.txt`.
    const TREE: [&str; 7] = ["a/0.txt", "a/b/1.txt", "a/b/2.txt", "a/c.txt", "a.txt", "b/3.txt", "b/4/5.txt"];

    fn tree() -> tempfile::TempDir {
        let dir = tempfile::tempdir().expect("tempdir");
        for name in TREE {
            let path = dir.path().join(name);
            std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
            std::fs::write(&path, name).expect("write");
        }
        dir
    }

    /// What the walk reads (directories included) after `after`, relative to `root`, with
    /// windows of `window` names.
    fn read_after(root: &Path, after: Option<&str>, window: usize) -> Vec<String> {
        let after = after.map(|a| root.join(a));
        SortedWalk::new(root, usize::MAX, true, after.as_deref())
            .with_window(window)
            .map(|entry| entry.expect("entry").path.strip_prefix(root).expect("below").display().to_string())
            .collect()
    }

    /// The walk order is `Path`'s order: a directory's files before a sibling whose name
    /// extends the directory's (`a/…` before `a.txt`), whatever the window size.
    #[test]
    fn walk_order_is_path_order() {
        let dir = tree();
        let expected = [
            "a",
            "a/0.txt",
            "a/b",
            "a/b/1.txt",
            "a/b/2.txt",
            "a/c.txt",
            "a.txt",
            "b",
            "b/3.txt",
            "b/4",
            "b/4/5.txt",
        ];
        for window in [1, 2, 3, WINDOW] {
            let read = read_after(dir.path(), None, window);
            assert_eq!(read, expected, "window {window}");
        }
        let mut sorted: Vec<PathBuf> = expected.iter().map(PathBuf::from).collect();
        sorted.sort();
        assert_eq!(
            sorted,
            expected.iter().map(PathBuf::from).collect::<Vec<_>>(),
            "walk order is Path's Ord"
        );
    }

    /// Resuming inside a nested directory reads only the directories holding the checkpoint and
    /// what follows it: earlier files and whole earlier directories are pruned unread.
    #[test]
    fn resume_prunes_what_came_before() {
        let dir = tree();
        let cases: [(&str, &[&str]); 5] = [
            ("a/b/1.txt", &["a", "a/b", "a/b/2.txt", "a/c.txt", "a.txt", "b", "b/3.txt", "b/4", "b/4/5.txt"]),
            ("a/b", &["a", "a/c.txt", "a.txt", "b", "b/3.txt", "b/4", "b/4/5.txt"]),
            ("a.txt", &["b", "b/3.txt", "b/4", "b/4/5.txt"]),
            ("b/3.txt", &["b", "b/4", "b/4/5.txt"]),
            ("b/4/5.txt", &["b", "b/4"]),
        ];
        for (after, expected) in cases {
            for window in [1, 2, WINDOW] {
                assert_eq!(
                    read_after(dir.path(), Some(after), window),
                    expected,
                    "after {after}, window {window}"
                );
            }
        }
    }

    /// A directory far bigger than the window is read in windows and yields every name once, in
    /// order; a directory that cannot be read is an error at its depth.
    #[test]
    fn big_directories_are_read_in_windows() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut names: Vec<String> = (0..500).map(|i| format!("f{:03}", (i * 7919) % 500)).collect();
        for name in &names {
            std::fs::write(dir.path().join(name), "").expect("write");
        }
        names.sort();
        for window in [1, 7, 64, 499, 500, 501] {
            assert_eq!(read_after(dir.path(), None, window), names, "window {window}");
        }
        let missing = dir.path().join("missing");
        let errors: Vec<_> = SortedWalk::new(&missing, usize::MAX, true, None).collect();
        assert!(matches!(errors.as_slice(), [Err(WalkError { depth: 0, .. })]), "{errors:?}");
    }

    /// A symlinked directory is yielded but not entered; the walk's own directory is entered
    /// through a symlink only when asked.
    #[test]
    fn symlinked_directories_are_not_entered() {
        let dir = tree();
        let link = dir.path().join("link");
        std::os::unix::fs::symlink(dir.path().join("a"), &link).expect("symlink");
        let read = read_after(dir.path(), None, WINDOW);
        assert!(
            read.contains(&"link".to_owned()) && !read.iter().any(|p| p.starts_with("link/")),
            "{read:?}"
        );
        assert_eq!(SortedWalk::new(&link, usize::MAX, true, None).count(), 5, "followed root link");
        assert_eq!(SortedWalk::new(&link, usize::MAX, false, None).count(), 0, "root link not followed");
    }
}
