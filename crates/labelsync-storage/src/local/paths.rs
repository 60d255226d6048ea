//! Lexical path rules: Label Studio's normalization, containment under the document root,
//! and the shape of keys. No filesystem access here.

use std::path::{Component, Path, PathBuf};

use crate::{Error, Result};

/// Label Studio's `normalize_storage_path`: trim, `\` → `/`, POSIX `normpath` (no trailing
/// slash, no `.`/`..` segments, duplicate slashes collapsed). Empty input stays empty.
///
/// One deliberate difference: a path starting with exactly two slashes becomes `/…`, where
/// Python's `normpath` keeps `//…`.
pub fn normalize_storage_path(raw: &str) -> String {
    let trimmed = raw.trim();
    if trimmed.is_empty() {
        return String::new();
    }
    posix_normpath(&trimmed.replace('\\', "/"))
}

/// POSIX `normpath` on a `/`-separated string: `..` above the root of an absolute path is
/// dropped, above the start of a relative path it is kept.
pub(crate) fn posix_normpath(path: &str) -> String {
    let absolute = path.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for segment in path.split('/') {
        match segment {
            "" | "." => {}
            ".." if parts.last().is_some_and(|last| *last != "..") => {
                parts.pop();
            }
            ".." if absolute => {}
            other => parts.push(other),
        }
    }
    let joined = parts.join("/");
    if absolute {
        format!("/{joined}")
    } else if joined.is_empty() {
        ".".to_owned()
    } else {
        joined
    }
}

/// `os.path.abspath` without touching the filesystem: made absolute against the current
/// directory, then `.`/`..` resolved lexically.
pub(crate) fn absolute_normalized(path: &Path) -> PathBuf {
    let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let mut out = PathBuf::new();
    for component in absolute.components() {
        match component {
            Component::ParentDir => match out.components().next_back() {
                Some(Component::Normal(_)) => {
                    out.pop();
                }
                Some(Component::RootDir | Component::Prefix(_)) => {}
                _ => out.push(".."),
            },
            Component::CurDir => {}
            other => out.push(other.as_os_str()),
        }
    }
    out
}

/// Where a storage path lies relative to the document root (Label Studio checks 3 and 4).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Placement {
    Inside,
    SameAsRoot,
    Outside,
}

/// Lexical placement of `dir` (already normalized) under `root` (absolute, normalized).
/// Relative `dir`s are outside.
pub(crate) fn placement(dir: &Path, root: &Path) -> Placement {
    if dir == root {
        Placement::SameAsRoot
    } else if dir.is_absolute() && dir.starts_with(root) {
        Placement::Inside
    } else {
        Placement::Outside
    }
}

/// An export key names one file directly in the storage directory.
pub(crate) fn check_export_key(key: &str) -> Result<()> {
    let nested = key.contains(['/', '\\', '\0']);
    if key.is_empty() || key == "." || key == ".." || nested {
        return Err(Error::InvalidKey(format!(
            "export key {key:?} must be a plain file name (no '/', '\\\\', '..' or absolute path)"
        )));
    }
    Ok(())
}

/// An import key is the normalized absolute path of a file strictly below `dir`.
pub(crate) fn check_import_key(key: &str, dir: &Path) -> Result<PathBuf> {
    let path = Path::new(key);
    let normalized = path.is_absolute() && !key.contains('\0') && posix_normpath(key) == key;
    if !normalized {
        return Err(Error::InvalidKey(format!("{key} is not a normalized absolute file path")));
    }
    if path == dir || !path.starts_with(dir) {
        return Err(Error::InvalidKey(format!("{key} is outside the storage path {}", dir.display())));
    }
    Ok(path.to_path_buf())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Normalization matches Python's `normpath` on the inputs Label Studio users send.
    #[test]
    fn normalizes_like_label_studio() {
        assert_eq!(normalize_storage_path("  /data/ds1/ "), "/data/ds1");
        assert_eq!(normalize_storage_path("\\data\\ds1\\"), "/data/ds1");
        assert_eq!(normalize_storage_path("/data//./ds1/../ds2"), "/data/ds2");
        assert_eq!(normalize_storage_path("/../../etc"), "/etc");
        assert_eq!(normalize_storage_path(""), "");
        assert_eq!(posix_normpath("../../etc/passwd"), "../../etc/passwd");
        assert_eq!(posix_normpath("ds1/../tasks/x"), "tasks/x");
        assert_eq!(posix_normpath("a/.."), ".");
        assert_eq!(posix_normpath(""), ".");
    }

    /// The storage path must be a strict descendant of the root, by whole path components.
    #[test]
    fn placement_is_component_wise() {
        let root = Path::new("/srv/root");
        assert_eq!(placement(Path::new("/srv/root/ds1"), root), Placement::Inside);
        assert_eq!(placement(Path::new("/srv/root"), root), Placement::SameAsRoot);
        assert_eq!(placement(Path::new("/srv/root-other/ds1"), root), Placement::Outside);
        assert_eq!(placement(Path::new("/etc"), root), Placement::Outside);
        assert_eq!(placement(Path::new("srv/root/ds1"), root), Placement::Outside);
    }

    /// Export keys with separators, parent references or absolute paths are refused.
    #[test]
    fn export_keys_must_be_plain_names() {
        for ok in ["1", "42.json", "a b+c=%.json", "..hidden", "ünï"] {
            assert!(check_export_key(ok).is_ok(), "{ok}");
        }
        for bad in ["", ".", "..", "../x", "a/b", "/etc/passwd", "..\\x", "a\0b"] {
            assert!(matches!(check_export_key(bad), Err(Error::InvalidKey(_))), "{bad}");
        }
    }

    /// Import keys must be normalized absolute paths strictly below the storage directory.
    #[test]
    fn import_keys_stay_below_the_storage_path() {
        let dir = Path::new("/srv/root/ds1");
        assert!(check_import_key("/srv/root/ds1/a.json", dir).is_ok());
        assert!(check_import_key("/srv/root/ds1/sub/a.json", dir).is_ok());
        for bad in [
            "/srv/root/ds1",
            "/srv/root/ds1/../ds2/a.json",
            "/srv/root/ds10/a.json",
            "/etc/passwd",
            "ds1/a.json",
            "/srv/root/ds1//a.json",
        ] {
            assert!(matches!(check_import_key(bad, dir), Err(Error::InvalidKey(_))), "{bad}");
        }
    }

    /// Absolute normalization resolves `..` lexically and never climbs above `/`.
    #[test]
    fn absolute_normalization_is_lexical() {
        assert_eq!(absolute_normalized(Path::new("/srv/x/../root/")), PathBuf::from("/srv/root"));
        assert_eq!(absolute_normalized(Path::new("/../..")), PathBuf::from("/"));
        assert!(absolute_normalized(Path::new("rel")).is_absolute());
    }
}
