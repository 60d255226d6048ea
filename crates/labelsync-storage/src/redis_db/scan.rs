//! The listing page primitive: one `SCAN` round trip plus one pipelined `STRLEN` round trip.

use std::collections::HashSet;

use redis::Value;

use super::RedisStorage;
use crate::{ObjectMeta, Result};

/// Keys asked for per `SCAN` call (a hint to the server, not a page size guarantee).
const SCAN_COUNT: usize = 1000;

impl RedisStorage {
    /// One `SCAN` page: the next cursor (0 = done) and the page's keys with their sizes,
    /// each key once (SCAN may repeat a key across pages; the sync engine dedupes those).
    pub(super) async fn scan_page(&self, cursor: u64, pattern: &str) -> Result<(u64, Vec<ObjectMeta>)> {
        let mut conn = self.conn.clone();
        let (next, raw): (u64, Vec<Vec<u8>>) = redis::cmd("SCAN")
            .arg(cursor)
            .arg("MATCH")
            .arg(pattern)
            .arg("COUNT")
            .arg(SCAN_COUNT)
            .query_async(&mut conn)
            .await
            .map_err(|e| self.error(e, None))?;
        let keys = unique_keys(raw, |key| {
            tracing::warn!(storage = %self, "skipping non-UTF-8 key {key:?}");
        });
        let sizes = self.sizes(&keys).await?;
        let metas = keys
            .into_iter()
            .zip(sizes)
            .map(|(key, size)| ObjectMeta { key, size, last_modified: None, etag: None })
            .collect();
        Ok((next, metas))
    }

    /// `STRLEN` of every key in one round trip; 0 for keys that vanished or are not strings
    /// (reading those fails later, in `get`, naming the key).
    async fn sizes(&self, keys: &[String]) -> Result<Vec<u64>> {
        if keys.is_empty() {
            return Ok(Vec::new());
        }
        let mut pipe = redis::pipe();
        pipe.ignore_errors();
        for key in keys {
            pipe.cmd("STRLEN").arg(key);
        }
        let mut conn = self.conn.clone();
        let values: Vec<Value> = pipe.query_async(&mut conn).await.map_err(|e| self.error(e, None))?;
        Ok(values
            .into_iter()
            .map(|v| match v {
                Value::Int(n) => u64::try_from(n).unwrap_or(0),
                _ => 0,
            })
            .collect())
    }
}

/// The page's keys in server order, each once; keys that are not UTF-8 are reported to
/// `skipped` and dropped, because keys are strings everywhere else.
fn unique_keys(raw: Vec<Vec<u8>>, mut skipped: impl FnMut(&[u8])) -> Vec<String> {
    let mut seen = HashSet::new();
    raw.into_iter()
        .filter(|key| seen.insert(key.clone()))
        .filter_map(|key| match String::from_utf8(key) {
            Ok(key) => Some(key),
            Err(e) => {
                skipped(e.as_bytes());
                None
            }
        })
        .collect()
}

/// A `SCAN MATCH` pattern for keys starting with `prefix` literally.
///
/// A missing or empty prefix matches every key. (Label Studio formats a missing prefix as the
/// string `None`, so its pattern is `None*`; we deliberately list everything instead.)
pub(super) fn match_pattern(prefix: Option<&str>) -> String {
    let mut pattern = String::new();
    for c in prefix.unwrap_or_default().chars() {
        if matches!(c, '*' | '?' | '[' | ']' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('*');
    pattern
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Glob metacharacters in the prefix are escaped; no prefix matches everything.
    #[test]
    fn prefix_is_matched_literally() {
        assert_eq!(match_pattern(Some("tasks:")), "tasks:*");
        assert_eq!(match_pattern(Some(r"a*b?c[d]e\f")), r"a\*b\?c\[d\]e\\f*");
        assert_eq!(match_pattern(None), "*");
        assert_eq!(match_pattern(Some("")), "*");
    }

    /// A key repeated within one page is emitted once, in first-seen order; non-UTF-8 keys are skipped.
    #[test]
    fn page_keys_are_unique() {
        let raw = [&b"b"[..], b"a", b"b", b"\xff\xfe", b"c", b"a"].map(<[u8]>::to_vec);
        let mut skipped = Vec::new();
        let keys = unique_keys(raw.to_vec(), |k| skipped.push(k.to_vec()));
        assert_eq!(keys, ["b", "a", "c"]);
        assert_eq!(skipped, [b"\xff\xfe".to_vec()]);
    }
}
