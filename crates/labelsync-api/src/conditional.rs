//! Conditional and partial requests on one object (RFC 9110 §13 and §14): `If-None-Match`,
//! `If-Range` and a single byte `Range`, shared by the local-files server and the media proxy,
//! with the response pieces both send.

use std::ops::Range;

use axum::Json;
use axum::http::header::{CONTENT_RANGE, IF_NONE_MATCH, IF_RANGE, RANGE};
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

use crate::error::envelope;

/// What a `Range` header asks of a file of a known size.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RangeRequest {
    /// The whole file: no `Range`, or one we ignore (malformed, several ranges, another unit,
    /// an `If-Range` that does not match, an empty file).
    Full,
    /// One satisfiable range, end exclusive, within the file.
    Partial(Range<u64>),
    /// A range that starts at or after the end of the file (or asks for the last 0 bytes): 416.
    Unsatisfiable,
}

/// True when `If-None-Match` lists `etag` or is `*`. Comparison is weak (RFC 9110 §8.8.3.2:
/// `W/` prefixes are ignored), as the standard requires for this header.
pub fn none_match(headers: &HeaderMap, etag: &str) -> bool {
    let ours = opaque(etag);
    headers
        .get_all(IF_NONE_MATCH)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .map(str::trim)
        .any(|tag| tag == "*" || opaque(tag) == ours)
}

/// The range the request asks for, given the file's `size`, `etag` and `Last-Modified` date.
pub fn byte_range(headers: &HeaderMap, size: u64, etag: &str, last_modified: Option<&str>) -> RangeRequest {
    let Some(value) = headers.get(RANGE).and_then(|v| v.to_str().ok()) else {
        return RangeRequest::Full;
    };
    if !if_range_holds(headers, etag, last_modified) {
        return RangeRequest::Full;
    }
    parse_range(value, size)
}

/// `If-Range` absent, or equal to our entity tag or our `Last-Modified` date. Strictly, RFC 9110
/// never lets a weak tag match here; but our tag changes with every write (mtime in nanoseconds
/// and size), so an exact match is as safe, and browsers resuming a download send it back.
fn if_range_holds(headers: &HeaderMap, etag: &str, last_modified: Option<&str>) -> bool {
    match headers.get(IF_RANGE).map(|v| v.to_str().map(str::trim)) {
        None => true,
        Some(Ok(value)) => value == etag || Some(value) == last_modified,
        Some(Err(_)) => false,
    }
}

/// Parses `bytes=a-b`, `bytes=a-` or `bytes=-n` against a file of `size` bytes.
pub fn parse_range(value: &str, size: u64) -> RangeRequest {
    let value = value.trim();
    let spec = match value.split_at_checked(6) {
        Some((unit, spec)) if unit.eq_ignore_ascii_case("bytes=") => spec,
        _ => return RangeRequest::Full,
    };
    // Several ranges would need a multipart/byteranges body; RFC 9110 lets us send it all.
    if spec.contains(',') {
        return RangeRequest::Full;
    }
    let Some((first, last)) = spec.split_once('-') else {
        return RangeRequest::Full;
    };
    let (first, last) = (position(first.trim()), position(last.trim()));
    match (first, last) {
        (Position::Number(start), Position::Empty) => from(start, size, size),
        (Position::Number(start), Position::Number(last)) if last >= start => {
            from(start, last.saturating_add(1), size)
        }
        (Position::Empty, Position::Number(0)) => RangeRequest::Unsatisfiable,
        // A non-empty suffix of an empty file is satisfiable but has no `Content-Range`; we send
        // the (empty) whole file instead.
        (Position::Empty, Position::Number(_)) if size == 0 => RangeRequest::Full,
        (Position::Empty, Position::Number(suffix)) => {
            RangeRequest::Partial(size.saturating_sub(suffix)..size)
        }
        _ => RangeRequest::Full,
    }
}

/// Bytes `start..end` (end clamped to `size`).
fn from(start: u64, end: u64, size: u64) -> RangeRequest {
    if start >= size { RangeRequest::Unsatisfiable } else { RangeRequest::Partial(start..end.min(size)) }
}

enum Position {
    Empty,
    Number(u64),
    Invalid,
}

/// A byte position: ASCII digits only; one too large for `u64` is past any file's end.
fn position(text: &str) -> Position {
    if text.is_empty() {
        Position::Empty
    } else if text.bytes().all(|b| b.is_ascii_digit()) {
        Position::Number(text.parse().unwrap_or(u64::MAX))
    } else {
        Position::Invalid
    }
}

/// 416 with `Content-Range: bytes */<size>` and the error envelope.
pub fn unsatisfiable(size: u64) -> Response {
    let status = StatusCode::RANGE_NOT_SATISFIABLE;
    let body = envelope(status, "The requested range is not satisfiable.");
    let mut response = (status, Json(body)).into_response();
    insert(response.headers_mut(), CONTENT_RANGE, &format!("bytes */{size}"));
    response
}

/// Inserts a header whose value we formatted ourselves (ASCII digits, dates, hex tags).
pub fn insert(headers: &mut HeaderMap, name: HeaderName, value: &str) {
    match HeaderValue::from_str(value) {
        Ok(value) => {
            headers.insert(name, value);
        }
        Err(_) => tracing::warn!(header = %name, value, "dropped an invalid response header"),
    }
}

/// The tag without its weakness indicator.
fn opaque(tag: &str) -> &str {
    tag.strip_prefix("W/").unwrap_or(tag)
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;
    use RangeRequest::{Full, Partial, Unsatisfiable};

    /// The three single-range forms, clamping, and what is unsatisfiable.
    #[test]
    fn parses_single_ranges() {
        assert_eq!(parse_range("bytes=0-9", 100), Partial(0..10));
        assert_eq!(parse_range("bytes=90-200", 100), Partial(90..100));
        assert_eq!(parse_range("bytes=10-", 100), Partial(10..100));
        assert_eq!(parse_range("bytes=-10", 100), Partial(90..100));
        assert_eq!(parse_range("bytes=-500", 100), Partial(0..100));
        assert_eq!(parse_range("BYTES= 5-5 ", 100), Partial(5..6));
        assert_eq!(parse_range("bytes=0-99999999999999999999999", 100), Partial(0..100));
        assert_eq!(parse_range("bytes=100-", 100), Unsatisfiable);
        assert_eq!(parse_range("bytes=100-200", 100), Unsatisfiable);
        assert_eq!(parse_range("bytes=99999999999999999999999-", 100), Unsatisfiable);
        assert_eq!(parse_range("bytes=-0", 100), Unsatisfiable);
        assert_eq!(parse_range("bytes=0-", 0), Unsatisfiable);
        assert_eq!(parse_range("bytes=-5", 0), Full);
    }

    /// Malformed, multi-range and foreign-unit headers are ignored.
    #[test]
    fn ignores_what_it_does_not_serve() {
        for value in [
            "bytes=5-2",
            "bytes=0-1,5-6",
            "items=0-1",
            "bytes=",
            "bytes=-",
            "bytes=a-b",
            "bytes=1",
            "0-1",
            "bytes=+1-2",
        ] {
            assert_eq!(parse_range(value, 100), Full, "{value}");
        }
    }

    /// `If-None-Match` matches weakly, in lists, and `*`.
    #[test]
    fn none_match_is_weak() {
        let etag = r#"W/"17f-ff""#;
        let with = |value: &'static str| {
            let mut headers = HeaderMap::new();
            headers.insert(IF_NONE_MATCH, HeaderValue::from_static(value));
            none_match(&headers, etag)
        };
        assert!(with(r#"W/"17f-ff""#));
        assert!(with(r#""17f-ff""#));
        assert!(with(r#""x", W/"17f-ff""#));
        assert!(with("*"));
        assert!(!with(r#"W/"17f-fe""#));
        assert!(!none_match(&HeaderMap::new(), etag));
    }

    /// A `Range` is honoured only when `If-Range` (if any) names the current version.
    #[test]
    fn if_range_guards_the_range() {
        let etag = r#"W/"17f-ff""#;
        let date = "Sun, 06 Nov 1994 08:49:37 GMT";
        let request = |if_range: Option<&'static str>| {
            let mut headers = HeaderMap::new();
            headers.insert(RANGE, HeaderValue::from_static("bytes=0-0"));
            if let Some(value) = if_range {
                headers.insert(IF_RANGE, HeaderValue::from_static(value));
            }
            byte_range(&headers, 10, etag, Some(date))
        };
        assert_eq!(request(None), Partial(0..1));
        assert_eq!(request(Some(r#"W/"17f-ff""#)), Partial(0..1));
        assert_eq!(request(Some("Sun, 06 Nov 1994 08:49:37 GMT")), Partial(0..1));
        assert_eq!(request(Some(r#"W/"17f-fe""#)), Full);
        assert_eq!(request(Some("Mon, 07 Nov 1994 08:49:37 GMT")), Full);
    }
}
