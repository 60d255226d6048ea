//! Storage URIs inside task data, found and parsed as Label Studio finds and parses them
//! (`get_uri_via_regex`, `parse_bucket_uri` in `io_storages/utils.py`; `docs/label-studio-api.md`
//! §7.1), and the `fileuri` parameter of the resolve endpoints (`docs/label-studio-api.md` §7.2).

use base64::Engine;
use base64::alphabet::STANDARD;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};

/// The URI of `scheme` that `text` holds, as `get_uri_via_regex(text, (scheme,))`: the whole
/// (trimmed) text when it starts with the scheme; otherwise the first URI enclosed in matching
/// single or double quotes (`<img src="s3://b/k.jpg"/>`), which runs to the last such quote
/// before any `=`.
pub fn extract(text: &str, scheme: &str) -> Option<String> {
    let text = text.trim();
    if text.starts_with(scheme) {
        return Some(text.to_owned());
    }
    if !text.contains(&format!("{scheme}:")) {
        return None;
    }
    quoted(text, &format!("{scheme}://"))
}

/// The regex `(["'])(?P<uri>SCHEME://[^\x01=]*)\1`, searched left to right.
fn quoted(text: &str, head: &str) -> Option<String> {
    let bytes = text.as_bytes();
    for (at, _) in text.match_indices(head) {
        let Some(quote) = at.checked_sub(1).map(|i| bytes[i]).filter(|q| *q == b'"' || *q == b'\'') else {
            continue;
        };
        let rest = &text[at..];
        let stop = rest.find(['=', '\u{1}']).unwrap_or(rest.len());
        // Greedy: the URI ends at the last matching quote before the stop.
        if let Some(end) = rest[..stop].rfind(quote as char).filter(|end| *end >= head.len()) {
            return Some(rest[..end].to_owned());
        }
    }
    None
}

/// `scheme://bucket/key` split into bucket and key. URIs without a `/` after the bucket, or
/// with an empty bucket or key, are not object URIs.
pub fn split(uri: &str, scheme: &str) -> Option<(String, String)> {
    let rest = uri.strip_prefix(scheme)?.strip_prefix("://")?;
    let (bucket, key) = rest.split_once('/')?;
    (!bucket.is_empty() && !key.is_empty()).then(|| (bucket.to_owned(), key.to_owned()))
}

/// URL-safe base64 with `=` padding, as Label Studio writes `fileuri`.
pub fn encode_fileuri(uri: &str) -> String {
    base64::engine::general_purpose::URL_SAFE.encode(uri.as_bytes())
}

/// The URI a `fileuri` parameter names: Python's lenient URL-safe base64 decoding (characters
/// outside the alphabet discarded, padding required) of UTF-8 text, else the value
/// percent-decoded (older clients send the URI itself).
pub fn decode_fileuri(value: &str) -> String {
    const LENIENT: GeneralPurpose = GeneralPurpose::new(
        &STANDARD,
        GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::RequireCanonical),
    );
    let cleaned: String = value
        .chars()
        .filter_map(|c| match c {
            '-' => Some('+'),
            '_' => Some('/'),
            c if c.is_ascii_alphanumeric() || matches!(c, '+' | '/' | '=') => Some(c),
            _ => None,
        })
        .collect();
    match LENIENT.decode(cleaned.as_bytes()).ok().and_then(|b| String::from_utf8(b).ok()) {
        Some(uri) => uri,
        None => percent_encoding::percent_decode_str(value).decode_utf8_lossy().into_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Whole-value URIs, quoted URIs in markup (greedy to the last quote before `=`), and what
    /// is not found.
    #[test]
    fn extracts_like_label_studio() {
        assert_eq!(extract(" s3://b/a.jpg ", "s3").as_deref(), Some("s3://b/a.jpg"));
        assert_eq!(extract(r#"<img src="s3://b/a.jpg"/>"#, "s3").as_deref(), Some("s3://b/a.jpg"));
        assert_eq!(
            extract(r#"<a href="s3://b/file with /spaces and' / ' / quotes.jpg"/>"#, "s3").as_deref(),
            Some("s3://b/file with /spaces and' / ' / quotes.jpg")
        );
        assert_eq!(extract("<embed src='gs://t/f.pdf'/>", "gs").as_deref(), Some("gs://t/f.pdf"));
        assert_eq!(
            extract(r#"<img src="s3://b/a.jpg"/><img src="s3://b/c.jpg"/>"#, "s3").as_deref(),
            Some("s3://b/a.jpg")
        );
        assert_eq!(extract("see s3://b/a.jpg here", "s3"), None);
        assert_eq!(extract("plain text", "s3"), None);
        assert_eq!(extract("\"s3://b/a.jpg", "s3"), None);
    }

    /// Bucket and key; malformed URIs do not split.
    #[test]
    fn splits_bucket_and_key() {
        assert_eq!(split("s3://b/k/x.jpg", "s3"), Some(("b".into(), "k/x.jpg".into())));
        assert_eq!(split("azure-blob://c/x y.jpg", "azure-blob"), Some(("c".into(), "x y.jpg".into())));
        assert_eq!(split("s3://bucket", "s3"), None);
        assert_eq!(split("s3:/", "s3"), None);
        assert_eq!(split("gs://b/", "gs"), None);
        assert_eq!(split("s3://b/x", "gs"), None);
    }

    /// `fileuri` round-trips, tolerates junk characters, and falls back to percent-decoding.
    #[test]
    fn decodes_fileuri() {
        assert_eq!(encode_fileuri("s3://imgs/image1.jpg"), "czM6Ly9pbWdzL2ltYWdlMS5qcGc=");
        assert_eq!(decode_fileuri("czM6Ly9pbWdzL2ltYWdlMS5qcGc="), "s3://imgs/image1.jpg");
        assert_eq!(decode_fileuri("czM6Ly9p bWdzL2ltYWdlMS5qcGc="), "s3://imgs/image1.jpg");
        assert_eq!(decode_fileuri("s3%3A%2F%2Fimgs%2Fimage1.jpg"), "s3://imgs/image1.jpg");
        assert_eq!(decode_fileuri("s3://imgs/image1.jpg"), "s3://imgs/image1.jpg");
        let odd = "gs://b/ü + = % # & ; ?.png";
        assert_eq!(decode_fileuri(&encode_fileuri(odd)), odd);
    }
}
