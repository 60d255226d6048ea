//! Object keys, prefixes and URL encoding, shared by the cloud adapters.

use std::ops::Range;
use std::time::Duration;

use object_store::path::Path;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

use crate::{Error, Result};

/// Everything but RFC 3986 unreserved characters (`A-Z a-z 0-9 - . _ ~`): what Python's
/// `quote(s, safe="~")` and AWS SigV4 leave alone.
pub(crate) const COMPONENT: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_').remove(b'~');

/// [`COMPONENT`] but keeping `/`: a key as a URL path (Python's `quote(s, safe="/~")`).
pub(crate) const PATH: &AsciiSet = &COMPONENT.remove(b'/');

/// The longest validity a presigned URL may have: S3 and GCS refuse more than 7 days.
pub(crate) const MAX_PRESIGN_TTL: Duration = Duration::from_secs(7 * 24 * 3600);

/// `value` percent-encoded as a query component.
pub(crate) fn encode_component(value: &str) -> String {
    utf8_percent_encode(value, COMPONENT).to_string()
}

/// `key` percent-encoded as a URL path (slashes kept).
pub(crate) fn encode_path(key: &str) -> String {
    utf8_percent_encode(key, PATH).to_string()
}

/// The object_store path of `key`, refused when object_store would address another object.
///
/// object_store's paths cannot hold empty segments (`a//b`), a leading or trailing `/`,
/// `.`/`..` segments or control characters; such keys are listed (we list without
/// object_store) but cannot be read, written or signed, and fail with [`Error::InvalidKey`]
/// one object at a time.
pub(crate) fn object_path(key: &str) -> Result<Path> {
    match Path::parse(key) {
        Ok(path) if path.as_ref() == key && !key.is_empty() => Ok(path),
        _ => Err(Error::InvalidKey(format!(
            "{key:?} cannot be addressed: object keys with empty segments, a leading or trailing \
             '/', '.' or '..' segments or control characters are not supported"
        ))),
    }
}

/// The listing prefix of a configured prefix, as Label Studio normalizes it:
/// `prefix.rstrip('/') + '/'` when a prefix is set, nothing otherwise.
pub(crate) fn list_prefix(prefix: Option<&str>) -> Option<String> {
    prefix.filter(|p| !p.is_empty()).map(|p| format!("{}/", p.trim_end_matches('/')))
}

/// The object an export writes for `key`: `{prefix}/{key}`, or `key` without a prefix.
///
/// Decided: trailing slashes of the prefix are trimmed first. Label Studio concatenates
/// blindly, so its prefix `ann/` writes `ann//3`, a key with an empty folder name that
/// object_store cannot address; we write `ann/3`.
pub(crate) fn export_key(prefix: Option<&str>, key: &str) -> String {
    match prefix.map(|p| p.trim_end_matches('/')).filter(|p| !p.is_empty()) {
        Some(prefix) => format!("{prefix}/{key}"),
        None => key.to_owned(),
    }
}

/// A presign validity within what the providers accept: at least 1 s, at most 7 days.
pub(crate) fn presign_ttl(ttl: Duration) -> Duration {
    ttl.clamp(Duration::from_secs(1), MAX_PRESIGN_TTL)
}

/// `range` clamped to an object of `size` bytes (end exclusive), or
/// [`Error::RangeNotSatisfiable`] when it starts at or past the end or is reversed (the same
/// rules as local files).
pub(crate) fn clamp_range(key: &str, size: u64, range: Option<Range<u64>>) -> Result<Range<u64>> {
    match range {
        None => Ok(0..size),
        Some(r) if r.start >= size || r.start > r.end => {
            Err(Error::RangeNotSatisfiable { key: key.to_owned(), size })
        }
        Some(r) => Ok(r.start..r.end.min(size)),
    }
}

/// Checks a bucket or container name before it goes into a URL: letters, digits, `.`, `-`
/// and `_` only (every provider's names fit; anything else could change the URL).
pub(crate) fn check_bucket(what: &str, name: &str) -> Result<()> {
    let valid = !name.is_empty()
        && name.len() <= 255
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_'));
    if valid { Ok(()) } else { Err(Error::InvalidConfig(format!("Invalid {what} name {name:?}"))) }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Keys object_store would rewrite are refused; ordinary awkward keys pass unchanged.
    #[test]
    fn object_paths_round_trip_or_fail() {
        for key in ["a b+c=%#&;?.json", "ünï/cødé €.png", "dir/sub/x"] {
            assert_eq!(object_path(key).expect(key).as_ref(), key);
        }
        for key in ["", "a//b", "/lead", "trail/", "a/../b", "a/./b", "ctl\u{1}"] {
            assert!(matches!(object_path(key), Err(Error::InvalidKey(_))), "{key:?}");
        }
    }

    /// Prefixes normalize like Label Studio's `rstrip('/') + '/'`.
    #[test]
    fn list_prefixes_normalize() {
        assert_eq!(list_prefix(None), None);
        assert_eq!(list_prefix(Some("")), None);
        assert_eq!(list_prefix(Some("subdir")).as_deref(), Some("subdir/"));
        assert_eq!(list_prefix(Some("subdir//")).as_deref(), Some("subdir/"));
        assert_eq!(list_prefix(Some("/")).as_deref(), Some("/"));
    }

    /// Export keys join the prefix with one slash.
    #[test]
    fn export_keys_join_with_one_slash() {
        assert_eq!(export_key(None, "3"), "3");
        assert_eq!(export_key(Some(""), "3"), "3");
        assert_eq!(export_key(Some("ann"), "3"), "ann/3");
        assert_eq!(export_key(Some("ann/"), "3"), "ann/3");
        assert_eq!(export_key(Some("a/b"), "3.json"), "a/b/3.json");
    }

    /// Encoding matches Python's `quote` with `safe="~"` and `safe="/~"`.
    #[test]
    fn encoding_matches_python_quote() {
        assert_eq!(encode_component("a b/+=~*"), "a%20b%2F%2B%3D~%2A");
        assert_eq!(encode_path("dir/ü b+c"), "dir/%C3%BC%20b%2Bc");
    }

    /// Ranges are clamped; starts at or past the end are refused.
    #[test]
    fn ranges_clamp() {
        assert_eq!(clamp_range("k", 10, None).expect("all"), 0..10);
        assert_eq!(clamp_range("k", 10, Some(8..50)).expect("clamped"), 8..10);
        assert_eq!(clamp_range("k", 10, Some(0..0)).expect("empty"), 0..0);
        assert!(clamp_range("k", 10, Some(10..11)).is_err());
        assert!(clamp_range("k", 0, Some(0..1)).is_err());
    }

    /// Bucket names with URL-changing characters are refused.
    #[test]
    fn bucket_names_are_checked() {
        assert!(check_bucket("bucket", "my-bucket.v2_x").is_ok());
        for bad in ["", "a/b", "a?b", "a#b", "a b", "host:80", "x@y"] {
            assert!(check_bucket("bucket", bad).is_err(), "{bad}");
        }
    }
}
