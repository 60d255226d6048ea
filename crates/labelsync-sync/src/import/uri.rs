//! The URI a "Files"-mode task points at (`docs/label-studio-api.md` §5.8).

use labelsync_storage::StorageConfig;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

/// Python's `urllib.parse.quote(path)`: everything but letters, digits, `_.-~` and `/` escaped.
const QUOTE: &AsciiSet = &NON_ALPHANUMERIC.remove(b'_').remove(b'.').remove(b'-').remove(b'~').remove(b'/');

/// The task data URI of object `key`: `s3://bucket/key`, `gs://…`, `azure-blob://…`, or the
/// local-files URL `{host}/data/local-files/?d=<path relative to the document root>`.
pub fn object_uri(config: &StorageConfig, key: &str, host: Option<&str>) -> Option<String> {
    match config {
        StorageConfig::S3(c) => Some(format!("s3://{}/{key}", c.bucket)),
        StorageConfig::Gcs(c) => Some(format!("gs://{}/{key}", c.bucket)),
        StorageConfig::Azure(c) => Some(format!("azure-blob://{}/{key}", c.container)),
        StorageConfig::LocalFiles(c) => {
            let root = c.document_root.to_string_lossy();
            let root = root.trim_end_matches('/');
            let relative = key.strip_prefix(root).unwrap_or(key).trim_start_matches('/');
            Some(format!(
                "{}/data/local-files/?d={}",
                host.unwrap_or(""),
                utf8_percent_encode(relative, QUOTE)
            ))
        }
        StorageConfig::Redis(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use labelsync_storage::{LocalFilesConfig, S3Config};

    /// Cloud keys become scheme URIs; local files become URLs relative to the document root.
    #[test]
    fn uris() {
        let s3 = StorageConfig::S3(S3Config { bucket: "imgs".into(), ..Default::default() });
        assert_eq!(object_uri(&s3, "a/b c.jpg", None).unwrap(), "s3://imgs/a/b c.jpg");
        let local = StorageConfig::LocalFiles(LocalFilesConfig {
            path: "/srv/root/ds1".into(),
            recursive: false,
            document_root: "/srv/root".into(),
            serving_enabled: true,
        });
        assert_eq!(
            object_uri(&local, "/srv/root/ds1/a b#.jpg", None).unwrap(),
            "/data/local-files/?d=ds1/a%20b%23.jpg"
        );
        assert_eq!(
            object_uri(&local, "/srv/root/ds1/x.png", Some("https://ls.example")).unwrap(),
            "https://ls.example/data/local-files/?d=ds1/x.png"
        );
    }
}
