//! Redis: string keys under a prefix, in one numbered database, hold task JSON (Label
//! Studio's `redis` storage). Import lists with `SCAN` (never `KEYS`), export writes with `SET`.
//!
//! The connection goes to the address the guard checked (no second DNS lookup), and reconnects
//! to that same address.

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use async_trait::async_trait;
use bytes::Bytes;
use futures::stream::BoxStream;
use futures::{StreamExt, TryStreamExt};
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::{ConnectionAddr, ErrorKind, IntoConnectionInfo, RedisConnectionInfo, RedisError};

use crate::config::Secret;
use crate::guard::NetGuard;
use crate::{Connected, Error, ExportStorage, ImportStorage, ListItem, RedisConfig, Result, Role};

mod cursor;
#[cfg(test)]
mod fake_server;
mod scan;

use scan::match_pattern;

const DEFAULT_PORT: u16 = 6379;
/// How often a `SCAN` may hand out the same cursor before the listing counts as going round
/// in circles. Redis itself never repeats one within a scan as far as its documentation
/// goes; the margin keeps a rehash corner case from failing a real sync.
const MAX_CURSOR_REPEATS: u8 = 2;
const DB_REQUIRED: &str =
    "Please explicitly pass a redis db id to prevent accidentally overwriting existing database!";

/// Builds the Redis roles for `role` (Redis values are never served as media).
///
/// Resolves the host through `guard` (an empty host is `localhost`, which the guard refuses
/// unless protection is off or it is allowlisted, as in Label Studio); the TCP connection
/// itself is opened on first use.
pub(crate) async fn connect(config: &RedisConfig, role: Role, guard: &NetGuard) -> Result<Connected> {
    let storage = Arc::new(RedisStorage::connect(config, guard).await?);
    Ok(match role {
        Role::Import => Connected { import: Some(storage), export: None, media: None },
        Role::Export => Connected { import: None, export: Some(storage), media: None },
    })
}

/// One Redis database.
struct RedisStorage {
    /// `host:port/db` as configured, for messages.
    name: String,
    prefix: Option<String>,
    conn: ConnectionManager,
    /// Kept only to scrub it from error texts.
    password: Option<Secret>,
    /// Set once the server refused the listing script (warned about once).
    scripts_refused: AtomicBool,
}

impl RedisStorage {
    async fn connect(config: &RedisConfig, guard: &NetGuard) -> Result<RedisStorage> {
        let host = config.host.as_deref().map(str::trim).filter(|h| !h.is_empty()).unwrap_or("localhost");
        let port = config.port.unwrap_or(DEFAULT_PORT);
        match config.db {
            0 => return Err(Error::InvalidConfig(DB_REQUIRED.to_owned())),
            db if db < 0 => {
                return Err(Error::InvalidConfig(format!("Redis db {db} is not a valid db id")));
            }
            _ => {}
        }
        let addrs = guard.resolve_host(host, port).await?;
        let pinned =
            addrs.first().ok_or_else(|| Error::Unreachable(format!("Can't resolve hostname {host}")))?;
        let password = config.password.clone().filter(|p| !p.expose().is_empty());
        let mut settings = RedisConnectionInfo::default().set_db(config.db);
        if let Some(password) = &password {
            settings = settings.set_password(password.expose());
        }
        let name = format!("{host}:{port}/{}", config.db);
        let fail = |e: RedisError| Error::InvalidConfig(format!("Redis {name}: {e}"));
        let info = ConnectionAddr::Tcp(pinned.ip().to_string(), pinned.port())
            .into_connection_info()
            .map_err(fail)?
            .set_redis_settings(settings);
        let client = redis::Client::open(info).map_err(fail)?;
        let limits = guard.limits();
        let manager_config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(limits.connect_timeout))
            .set_response_timeout(Some(limits.request_timeout))
            .set_number_of_retries(1);
        let conn = ConnectionManager::new_lazy_with_config(client, manager_config).map_err(fail)?;
        Ok(RedisStorage {
            name,
            prefix: config.path.clone(),
            conn,
            password,
            scripts_refused: AtomicBool::new(false),
        })
    }

    /// Maps a Redis error to what the user must do about it, without the password.
    fn error(&self, err: RedisError, key: Option<&str>) -> Error {
        let mut text = err.to_string();
        if let Some(password) = &self.password {
            text = text.replace(password.expose(), "[REDACTED]");
        }
        let name = &self.name;
        let code = err.code().unwrap_or_default();
        if code == "WRONGTYPE" || text.contains("WRONGTYPE") {
            let key = key.unwrap_or("?");
            return Error::Other(format!("Redis key {key} in {name} does not hold a string value"));
        }
        let auth =
            matches!(code, "WRONGPASS" | "NOAUTH") || text.contains("WRONGPASS") || text.contains("NOAUTH");
        if err.kind() == ErrorKind::AuthenticationFailed || auth || text.contains("AUTH <password>") {
            return Error::Unauthenticated(format!("Redis {name}: authentication failed ({text})"));
        }
        if code == "NOPERM" {
            return Error::PermissionDenied(format!("Redis {name}: {text}"));
        }
        if text.contains("DB index is out of range") {
            return Error::ContainerNotFound(format!("Redis {name}: the database does not exist ({text})"));
        }
        if err.is_io_error() || err.is_timeout() || err.is_connection_refusal() || err.is_connection_dropped()
        {
            return Error::Unreachable(format!("Cannot connect to Redis {name}: {text}"));
        }
        Error::Other(format!("Redis {name}: {text}"))
    }
}

impl fmt::Display for RedisStorage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Redis({})", self.name)
    }
}

impl fmt::Debug for RedisStorage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisStorage")
            .field("name", &self.name)
            .field("prefix", &self.prefix)
            .finish_non_exhaustive()
    }
}

#[async_trait]
impl ImportStorage for RedisStorage {
    /// `PING` on a fresh connection to the pinned address.
    async fn validate(&self) -> Result<()> {
        ping(self).await
    }

    /// Keys starting with the prefix, one `SCAN … COUNT 1000` page at a time, in Redis's
    /// (arbitrary) order, each page followed by a checkpoint (module `cursor`). Sizes and
    /// versions are measured on the server; there are no modification times. A server that
    /// keeps handing out cursors it already gave fails the listing with
    /// [`Error::BadResponse`] instead of scanning forever.
    fn list_from(&self, checkpoint: Option<String>) -> BoxStream<'_, Result<ListItem>> {
        let start = match checkpoint.map(|c| cursor::parse(self, &c)).transpose() {
            Ok(start) => start.unwrap_or(Some(0)),
            Err(err) => return futures::stream::once(async { Err(err) }).boxed(),
        };
        let pattern = match_pattern(self.prefix.as_deref());
        let start = start.map(|cursor| (cursor, std::collections::HashMap::<u64, u8>::new()));
        futures::stream::try_unfold(start, move |state| {
            let pattern = pattern.clone();
            async move {
                let Some((cursor, mut seen)) = state else {
                    return Ok(None);
                };
                let (next, page) = self.scan_page(cursor, &pattern).await?;
                let repeats = seen.entry(next).or_insert(0);
                *repeats = repeats.saturating_add(1);
                if next != 0 && *repeats > MAX_CURSOR_REPEATS {
                    return Err(Error::BadResponse(format!(
                        "{self}: SCAN does not advance (cursor {next} was handed out {repeats} times)"
                    )));
                }
                let checkpoint = ListItem::Checkpoint(cursor::checkpoint(self, next));
                let items = page.into_iter().map(ListItem::Object).chain(std::iter::once(checkpoint));
                let state = (next != 0).then_some((next, seen));
                Ok(Some((futures::stream::iter(items.map(Ok)), state)))
            }
        })
        .try_flatten()
        .boxed()
    }

    /// `GET`, bounded: `EXISTS` + `GETRANGE key 0 max_bytes` in one transaction, so a value
    /// over the limit is never transferred whole.
    async fn get(&self, key: &str, max_bytes: u64) -> Result<Bytes> {
        let end = i64::try_from(max_bytes).unwrap_or(i64::MAX);
        let mut conn = self.conn.clone();
        let (exists, body): (bool, Vec<u8>) = redis::pipe()
            .atomic()
            .cmd("EXISTS")
            .arg(key)
            .cmd("GETRANGE")
            .arg(key)
            .arg(0)
            .arg(end)
            .query_async(&mut conn)
            .await
            .map_err(|e| self.error(e, Some(key)))?;
        if !exists {
            return Err(Error::NotFound { key: key.to_owned() });
        }
        if body.len() as u64 > max_bytes {
            return Err(Error::TooLarge { key: key.to_owned(), limit: max_bytes });
        }
        Ok(Bytes::from(body))
    }
}

#[async_trait]
impl ExportStorage for RedisStorage {
    async fn validate(&self) -> Result<()> {
        ping(self).await
    }

    /// `SET key body` (no expiry), in the configured db; the prefix is not applied, as in
    /// Label Studio.
    async fn put(&self, key: &str, body: Bytes) -> Result<()> {
        let mut conn = self.conn.clone();
        redis::cmd("SET")
            .arg(key)
            .arg(body.as_ref())
            .exec_async(&mut conn)
            .await
            .map_err(|e| self.error(e, Some(key)))
    }

    /// `DEL key`; a missing key is fine.
    async fn delete(&self, key: &str) -> Result<()> {
        let mut conn = self.conn.clone();
        redis::cmd("DEL").arg(key).exec_async(&mut conn).await.map_err(|e| self.error(e, Some(key)))
    }
}

async fn ping(storage: &RedisStorage) -> Result<()> {
    let mut conn = storage.conn.clone();
    let reply: String =
        redis::cmd("PING").query_async(&mut conn).await.map_err(|e| storage.error(e, None))?;
    if reply != "PONG" {
        return Err(Error::Other(format!("Redis {}: unexpected PING reply {reply:?}", storage.name)));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// db 0 is refused with Label Studio's message before any connection is attempted.
    #[tokio::test]
    async fn db_zero_is_refused() {
        let config = RedisConfig { db: 0, ..RedisConfig::default() };
        let err = RedisStorage::connect(&config, &NetGuard::disabled()).await.expect_err("db 0");
        assert_eq!(err.to_string(), DB_REQUIRED);
    }

    /// A server whose `SCAN` cursors go round (1, 2, 1, 2, 1…) fails the listing instead of
    /// holding the worker forever.
    #[tokio::test]
    async fn cycling_scan_cursors_fail_the_listing() {
        use futures::TryStreamExt;

        let port = fake_server::serve(|command| match command.first().map(String::as_str) {
            Some("SCAN") => {
                let next = if command[1] == "1" { "2" } else { "1" };
                format!("*2\r\n$1\r\n{next}\r\n*0\r\n")
            }
            _ => "+OK\r\n".to_owned(),
        })
        .await;
        let storage = fake_storage(port).await;
        let err = storage.list().try_collect::<Vec<_>>().await.expect_err("a cycle");
        assert!(matches!(err, Error::BadResponse(_)), "{err:?}");
        assert!(err.to_string().contains("SCAN does not advance (cursor 1 was handed out 3 times)"), "{err}");
    }

    /// A server refusing `EVAL` (ACLs, managed services) still lists every key with its size
    /// (from `STRLEN`), without versions, and is not asked again.
    #[tokio::test]
    async fn refused_eval_lists_without_versions() {
        use futures::TryStreamExt;
        use std::sync::atomic::{AtomicUsize, Ordering};

        static EVALS: AtomicUsize = AtomicUsize::new(0);
        let port = fake_server::serve(|command| match command.first().map(String::as_str) {
            Some("SCAN") if command[1] == "0" => "*2\r\n$1\r\n7\r\n*1\r\n$1\r\na\r\n".to_owned(),
            Some("SCAN") => "*2\r\n$1\r\n0\r\n*1\r\n$1\r\nb\r\n".to_owned(),
            Some("EVAL") => {
                EVALS.fetch_add(1, Ordering::Relaxed);
                "-NOPERM this user has no permissions to run the 'eval' command\r\n".to_owned()
            }
            Some("STRLEN") => ":3\r\n".to_owned(),
            _ => "+OK\r\n".to_owned(),
        })
        .await;
        let storage = fake_storage(port).await;
        let items: Vec<ListItem> = storage.list_from(None).try_collect().await.expect("listing");
        let objects: Vec<(Option<String>, String, u64)> = items
            .into_iter()
            .filter_map(|item| match item {
                ListItem::Object(m) => Some((m.version(), m.key, m.size)),
                ListItem::Checkpoint(_) => None,
            })
            .collect();
        assert_eq!(objects, [(None, "a".to_owned(), 3), (None, "b".to_owned(), 3)]);
        assert_eq!(EVALS.load(Ordering::Relaxed), 1, "EVAL is tried once per storage");
    }

    async fn fake_storage(port: u16) -> RedisStorage {
        let config =
            RedisConfig { host: Some("127.0.0.1".into()), port: Some(port), db: 1, ..RedisConfig::default() };
        RedisStorage::connect(&config, &NetGuard::disabled()).await.expect("connect")
    }

    /// With the guard on, an empty host (localhost) and 127.0.0.1 are refused before connecting.
    #[tokio::test]
    async fn loopback_hosts_are_refused_by_the_guard() {
        let guard = NetGuard::new(true, Vec::new());
        for host in [None, Some("127.0.0.1".to_owned()), Some("localhost".to_owned())] {
            let config = RedisConfig { host: host.clone(), db: 1, ..RedisConfig::default() };
            let err = RedisStorage::connect(&config, &guard).await.expect_err("blocked");
            assert!(matches!(err, Error::Blocked(_)), "{host:?}: {err:?}");
        }
    }
}
