//! The listing page primitive: one `SCAN` round trip plus one `EVAL` round trip that measures
//! and hashes each value on the server (values are never transferred to list them). A server
//! refusing scripts gets one pipelined `STRLEN` per page instead, and its objects no version.

use std::collections::HashSet;
use std::sync::atomic::Ordering;

use redis::{RedisError, Value};

use super::RedisStorage;
use crate::paging::page_size;
use crate::{ObjectMeta, Result};

/// For each key: the length and SHA-1 (hex) of its value, or 0 and `""` for a key that is not
/// a string (or vanished).
const MEASURE_SCRIPT: &str = r"
local out = {}
for i, key in ipairs(KEYS) do
  if redis.call('TYPE', key).ok == 'string' then
    local value = redis.call('GET', key)
    out[2 * i - 1] = #value
    out[2 * i] = redis.sha1hex(value)
  else
    out[2 * i - 1] = 0
    out[2 * i] = ''
  end
end
return out
";

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
            .arg(page_size(SCAN_COUNT))
            .query_async(&mut conn)
            .await
            .map_err(|e| self.error(e, None))?;
        let keys = unique_keys(raw, |key| {
            tracing::warn!(storage = %self, "skipping non-UTF-8 key {key:?}");
        });
        let measured = match self.measure(&keys).await? {
            Some(measured) => measured,
            None => self.sizes(&keys).await?.into_iter().map(|size| (size, None)).collect(),
        };
        let metas = keys
            .into_iter()
            .zip(measured)
            .map(|(key, (size, sha1))| ObjectMeta { key, size, last_modified: None, etag: sha1 })
            .collect();
        Ok((next, metas))
    }

    /// Size and SHA-1 of every key's value in one `EVAL`; `None` when the server refuses
    /// scripts (ACLs, a managed service), after a single warning per storage.
    async fn measure(&self, keys: &[String]) -> Result<Option<Vec<(u64, Option<String>)>>> {
        if keys.is_empty() {
            return Ok(Some(Vec::new()));
        }
        if self.scripts_refused.load(Ordering::Relaxed) {
            return Ok(None);
        }
        let mut conn = self.conn.clone();
        let reply: Result<Vec<Value>, RedisError> =
            redis::cmd("EVAL").arg(MEASURE_SCRIPT).arg(keys.len()).arg(keys).query_async(&mut conn).await;
        match reply {
            Ok(values) if values.len() == 2 * keys.len() => Ok(Some(measurements(values))),
            Ok(values) => Err(crate::Error::BadResponse(format!(
                "{self}: the listing script answered {} values for {} keys",
                values.len(),
                keys.len()
            ))),
            Err(err) if is_refusal(&err) => {
                if !self.scripts_refused.swap(true, Ordering::Relaxed) {
                    tracing::warn!(storage = %self, "EVAL refused, listing without versions: {}", self.error(err, None));
                }
                Ok(None)
            }
            Err(err) => Err(self.error(err, None)),
        }
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

/// An error of the server refusing the command (unknown, forbidden, scripting off), not of
/// the connection, the credentials, or a server that is busy for now.
fn is_refusal(err: &RedisError) -> bool {
    let other = matches!(
        err.code(),
        Some("LOADING" | "BUSY" | "TRYAGAIN" | "MASTERDOWN" | "CLUSTERDOWN" | "NOAUTH" | "WRONGPASS")
    );
    !(other
        || err.is_io_error()
        || err.is_timeout()
        || err.is_connection_refusal()
        || err.is_connection_dropped())
}

/// `[size, sha1, size, sha1, …]` as pairs; an empty hash is no version.
fn measurements(values: Vec<Value>) -> Vec<(u64, Option<String>)> {
    let mut values = values.into_iter();
    let mut pairs = Vec::with_capacity(values.len() / 2);
    while let (Some(size), Some(hash)) = (values.next(), values.next()) {
        let size = match size {
            Value::Int(n) => u64::try_from(n).unwrap_or(0),
            _ => 0,
        };
        let hash = match hash {
            Value::BulkString(bytes) if !bytes.is_empty() => String::from_utf8(bytes).ok(),
            Value::SimpleString(text) if !text.is_empty() => Some(text),
            _ => None,
        };
        pairs.push((size, hash));
    }
    pairs
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
