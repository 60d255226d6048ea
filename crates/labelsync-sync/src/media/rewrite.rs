//! Task data rewriting, as Label Studio's `Task.resolve_uri` and `ImportStorage.resolve_uri`
//! (`docs/label-studio-api.md` §7.1): per top-level field, one storage is chosen — the first whose
//! scheme and bucket match the field's first URI, else the storage the task was imported from — and
//! every string in the field whose URI that storage can resolve gets the URI replaced by the
//! resolve URL.

use serde_json::{Map, Value};

use super::uri::{encode_fileuri, extract};
use super::{MediaSource, MediaSources};

pub(super) fn rewrite(
    sources: &MediaSources,
    data: &Value,
    task_id: i64,
    fallback: Option<i64>,
    host: &str,
) -> Value {
    let Value::Object(fields) = data else { return data.clone() };
    if sources.is_empty() {
        return data.clone();
    }
    let fallback = fallback.and_then(|id| sources.sources.iter().find(|s| s.storage_id == id));
    let base = format!("{host}/tasks/{task_id}/resolve/?fileuri=");
    let rewritten: Map<String, Value> = fields
        .iter()
        .map(|(name, value)| {
            let chosen = sources.sources.iter().find(|s| claims(sources, s, value)).or(fallback);
            let value = match chosen {
                Some(source) => resolve(sources, source, value, &base),
                None => value.clone(),
            };
            (name.clone(), value)
        })
        .collect();
    Value::Object(rewritten)
}

/// `can_resolve_url` of a field: for a string its URI, for a list or object the first URI of
/// the source's scheme found in it (Label Studio searches the structure's `repr`).
fn claims(sources: &MediaSources, source: &MediaSource, value: &Value) -> bool {
    let uri = match value {
        Value::String(text) => extract(text, source.scheme),
        Value::Array(_) | Value::Object(_) => first_uri(value, source.scheme),
        _ => None,
    };
    uri.is_some_and(|uri| sources.locate(source, &uri).is_some())
}

fn first_uri(value: &Value, scheme: &str) -> Option<String> {
    match value {
        Value::String(text) => extract(text, scheme).filter(|uri| uri.starts_with(scheme)),
        Value::Array(items) => items.iter().find_map(|v| first_uri(v, scheme)),
        Value::Object(map) => map.values().find_map(|v| first_uri(v, scheme)),
        _ => None,
    }
}

/// The value with every string's URI that `source` resolves replaced, recursively.
fn resolve(sources: &MediaSources, source: &MediaSource, value: &Value, base: &str) -> Value {
    match value {
        Value::Array(items) => {
            Value::Array(items.iter().map(|v| resolve(sources, source, v, base)).collect())
        }
        Value::Object(map) => {
            Value::Object(map.iter().map(|(k, v)| (k.clone(), resolve(sources, source, v, base))).collect())
        }
        Value::String(text) if text.contains(source.scheme) => {
            match extract(text, source.scheme).filter(|uri| sources.locate(source, uri).is_some()) {
                Some(uri) => Value::String(text.replace(&uri, &format!("{base}{}", encode_fileuri(&uri)))),
                None => value.clone(),
            }
        }
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use chrono::Utc;
    use labelsync_db::Json;
    use labelsync_db::storages::{Storage, SyncStatus};
    use serde_json::json;

    use super::*;

    fn storage(id: i64, kind: &str, role: &str, settings: Value) -> Storage {
        Storage {
            id,
            project_id: 1,
            kind: kind.parse().unwrap(),
            role: role.parse().unwrap(),
            title: None,
            description: None,
            created_at: Utc::now(),
            synchronizable: true,
            last_sync: None,
            last_sync_count: None,
            last_sync_job: None,
            status: SyncStatus::Completed,
            traceback: None,
            meta: Json(Default::default()),
            settings: Json(settings.as_object().cloned().unwrap_or_default()),
            secrets: None,
            sync_generation: 0,
            sync_checkpoint: None,
        }
    }

    fn sources(within_prefix: bool) -> MediaSources {
        MediaSources::new(
            &[
                storage(1, "gcs", "import", json!({"bucket": "heartex-test", "prefix": "media"})),
                storage(2, "s3", "import", json!({"bucket": "imgs", "prefix": "tasks"})),
                storage(3, "s3", "export", json!({"bucket": "out"})),
                storage(4, "azure", "import", json!({"container": "box"})),
                storage(5, "redis", "import", json!({"path": "x"})),
            ],
            within_prefix,
        )
    }

    /// Label Studio's form: relative resolve URL with padded URL-safe base64 of the URI.
    #[test]
    fn rewrites_strings_to_resolve_urls() {
        let data = json!({"image": "s3://imgs/image1.jpg", "text": "hello", "n": 3});
        let out = sources(false).rewrite(&data, 9, None, "");
        assert_eq!(
            out,
            json!({"image": "/tasks/9/resolve/?fileuri=czM6Ly9pbWdzL2ltYWdlMS5qcGc=", "text": "hello", "n": 3})
        );
        let out = sources(false).rewrite(&data, 9, None, "https://ls.example");
        assert_eq!(out["image"], "https://ls.example/tasks/9/resolve/?fileuri=czM6Ly9pbWdzL2ltYWdlMS5qcGc=");
    }

    /// Nested lists and objects are rewritten; another bucket's URIs, export storages' buckets,
    /// malformed URIs and plain text are left as they are.
    #[test]
    fn rewrites_nested_and_leaves_foreign() {
        let data = json!({
            "nested": {"a": ["gs://heartex-test/x.png", "gs://bad-bucket/y.png"], "b": {"c": "gs://heartex-test/z.png"}},
            "other": "s3://out/a.jpg",
            "bad": "s3:/",
            "html": "<img src=\"azure-blob://box/p q.jpg\"/>",
        });
        let out = sources(false).rewrite(&data, 1, None, "");
        let url = |uri: &str| format!("/tasks/1/resolve/?fileuri={}", encode_fileuri(uri));
        assert_eq!(out["nested"]["a"][0], json!(url("gs://heartex-test/x.png")));
        assert_eq!(out["nested"]["a"][1], "gs://bad-bucket/y.png");
        assert_eq!(out["nested"]["b"]["c"], json!(url("gs://heartex-test/z.png")));
        assert_eq!(out["other"], "s3://out/a.jpg");
        assert_eq!(out["bad"], "s3:/");
        assert_eq!(out["html"], json!(format!("<img src=\"{}\"/>", url("azure-blob://box/p q.jpg"))));
    }

    /// The prefix is no boundary by default; with `within_prefix` it is.
    #[test]
    fn prefix_boundary_is_optional() {
        let data = json!({"image": "s3://imgs/media/a.jpg"});
        assert_ne!(sources(false).rewrite(&data, 1, None, ""), data);
        assert_eq!(sources(true).rewrite(&data, 1, None, ""), data);
        let inside = json!({"image": "s3://imgs/tasks/a.jpg"});
        assert_ne!(sources(true).rewrite(&inside, 1, None, ""), inside);
        assert!(sources(true).find("s3://imgs/media/a.jpg").is_none());
        assert_eq!(sources(false).find("s3://imgs/media/a.jpg").map(|l| l.key), Some("media/a.jpg".into()));
        assert!(sources(false).find("redis://x/a").is_none());
    }
}
