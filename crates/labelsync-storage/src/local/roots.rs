//! Local roots: the directories under the document root that the operator granted to one
//! organization (`labelsync admin grant-local-root`). A local-files storage, and every file
//! served from one, must lie under a root of its organization — by whole path components
//! after normalization, and by real path (symlinks resolved), so a symlink cannot lead from
//! one organization's root into another's.
//!
//! The lexical check ([`LocalRoots::covers_lexically`]) touches no filesystem; callers run it
//! first, and the real-path check ([`LocalRoots::covers`]) only for paths that passed it, so
//! the filesystem is only ever examined inside a root the organization was granted.

use std::io::ErrorKind;
use std::path::{Path, PathBuf};

use super::paths::posix_normpath;

/// The roots of one organization, normalized.
#[derive(Debug, Clone, Default)]
pub struct LocalRoots {
    roots: Vec<PathBuf>,
}

impl LocalRoots {
    /// Roots as stored; relative or empty entries (never written by labelsync) are ignored.
    pub fn new<S: AsRef<str>>(stored: impl IntoIterator<Item = S>) -> LocalRoots {
        let roots =
            stored.into_iter().filter_map(|root| normalize_root(root.as_ref())).map(PathBuf::from).collect();
        LocalRoots { roots }
    }

    pub fn is_empty(&self) -> bool {
        self.roots.is_empty()
    }

    pub fn paths(&self) -> &[PathBuf] {
        &self.roots
    }

    /// True when the normalized absolute `path` is a root or lies below one, by whole path
    /// components (`/data/a` does not cover `/data/ab`). No filesystem access.
    pub fn covers_lexically(&self, path: &Path) -> bool {
        path.is_absolute() && self.roots.iter().any(|root| path.starts_with(root))
    }

    /// [`LocalRoots::covers_lexically`], and the real path of `path` (symlinks resolved) lies
    /// under the real path of one of the roots. A path that does not exist yet is judged by
    /// its deepest existing ancestor; a dangling symlink on the way is refused (its target
    /// cannot be judged). Blocking work runs off the async threads.
    pub async fn covers(&self, path: &Path) -> bool {
        if !self.covers_lexically(path) {
            return false;
        }
        let roots = self.roots.clone();
        let path = path.to_path_buf();
        tokio::task::spawn_blocking(move || covers_really(&roots, &path)).await.unwrap_or(false)
    }
}

/// A root as the operator gives it: trimmed, `\` → `/`, POSIX-normalized, absolute.
pub fn normalize_root(raw: &str) -> Option<String> {
    let raw = raw.trim();
    if raw.is_empty() || raw.contains('\0') {
        return None;
    }
    let normalized = posix_normpath(&raw.replace('\\', "/"));
    normalized.starts_with('/').then_some(normalized)
}

fn covers_really(roots: &[PathBuf], path: &Path) -> bool {
    let Some(real) = real_path(path) else { return false };
    roots.iter().filter_map(|root| std::fs::canonicalize(root).ok()).any(|root| real.starts_with(root))
}

/// The real path of `path`, or of its deepest existing ancestor with the missing components
/// appended. `None` when it cannot be judged: a dangling symlink, or an error other than "not
/// found" (permissions).
fn real_path(path: &Path) -> Option<PathBuf> {
    let mut missing = Vec::new();
    let mut current = path;
    loop {
        match std::fs::canonicalize(current) {
            Ok(mut real) => {
                real.extend(missing.iter().rev());
                return Some(real);
            }
            Err(err) if matches!(err.kind(), ErrorKind::NotFound | ErrorKind::NotADirectory) => {
                if std::fs::symlink_metadata(current).is_ok_and(|meta| meta.is_symlink()) {
                    return None;
                }
                missing.push(current.file_name()?.to_owned());
                current = current.parent()?;
            }
            Err(_) => return None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Roots are normalized like storage paths; relative and empty ones are dropped.
    #[test]
    fn normalizes_roots() {
        assert_eq!(normalize_root(" /srv/a/ ").as_deref(), Some("/srv/a"));
        assert_eq!(normalize_root("\\srv\\a\\..\\b").as_deref(), Some("/srv/b"));
        assert_eq!(normalize_root("/"), Some("/".to_owned()));
        assert_eq!(normalize_root("srv/a"), None);
        assert_eq!(normalize_root(""), None);
        assert_eq!(normalize_root("/a\0b"), None);
    }

    /// Coverage is by whole components; the root itself is covered.
    #[test]
    fn lexical_coverage_is_component_wise() {
        let roots = LocalRoots::new(["/srv/a", "relative"]);
        assert_eq!(roots.paths(), [PathBuf::from("/srv/a")]);
        assert!(roots.covers_lexically(Path::new("/srv/a")));
        assert!(roots.covers_lexically(Path::new("/srv/a/x/y")));
        assert!(!roots.covers_lexically(Path::new("/srv/ab")));
        assert!(!roots.covers_lexically(Path::new("/srv")));
        assert!(!roots.covers_lexically(Path::new("srv/a/x")));
        assert!(!LocalRoots::new(Vec::<String>::new()).covers_lexically(Path::new("/srv/a")));
        assert!(LocalRoots::new(["/"]).covers_lexically(Path::new("/etc")));
    }

    /// A symlink inside one root that leads into a sibling root is refused, existing target
    /// or not; missing paths inside the root are judged by their existing ancestor.
    #[cfg(unix)]
    #[tokio::test]
    async fn real_paths_must_stay_inside() {
        let dir = tempfile::tempdir().unwrap();
        let base = dir.path().canonicalize().unwrap();
        let (a, b) = (base.join("a"), base.join("b"));
        std::fs::create_dir_all(a.join("secret")).unwrap();
        std::fs::create_dir_all(b.join("own")).unwrap();
        std::os::unix::fs::symlink(&a, b.join("to_a")).unwrap();
        std::os::unix::fs::symlink(a.join("missing"), b.join("dangling")).unwrap();
        std::os::unix::fs::symlink(b.join("own"), b.join("inside")).unwrap();
        let roots = LocalRoots::new([b.to_str().unwrap()]);
        assert!(roots.covers(&b.join("own")).await);
        assert!(roots.covers(&b.join("inside")).await);
        assert!(roots.covers(&b.join("not/yet/there")).await);
        assert!(!roots.covers(&b.join("to_a")).await);
        assert!(!roots.covers(&b.join("to_a/secret")).await);
        assert!(!roots.covers(&b.join("to_a/nothing")).await);
        assert!(!roots.covers(&b.join("dangling")).await);
        assert!(!roots.covers(&b.join("dangling/x")).await);
        assert!(!roots.covers(&a.join("secret")).await);
    }
}
