//! The Redis fixture: one numbered database of the test redis-server, leased for the test,
//! flushed when leased and when dropped.

use std::fs::File;
use std::path::PathBuf;
use std::time::Duration;

use async_trait::async_trait;

use super::{Capabilities, Fixture, Listing, Scope};
use crate::guard::NetGuard;
use crate::{RedisConfig, Secret, StorageConfig};

/// The databases tests may use (the contract: 1–15; 0 is Label Studio's forbidden db).
const TEST_DBS: std::ops::RangeInclusive<i64> = 1..=15;

/// A database of the test server that no other test process uses while this lease lives.
///
/// Leases are advisory file locks in the temp directory, keyed by server and db, so they hold
/// across the parallel processes nextest runs (and across crates using this helper).
#[derive(Debug)]
pub struct RedisDbLease {
    db: i64,
    _lock: File,
}

impl RedisDbLease {
    /// Waits for a free database of the server `host:port`.
    pub async fn acquire(host: &str, port: u16) -> RedisDbLease {
        loop {
            for db in TEST_DBS {
                let path = lock_path(host, port, db);
                let file = File::options().create(true).truncate(false).write(true).open(&path);
                let file = file.unwrap_or_else(|e| panic!("open lease file {}: {e}", path.display()));
                if file.try_lock().is_ok() {
                    return RedisDbLease { db, _lock: file };
                }
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    pub fn db(&self) -> i64 {
        self.db
    }
}

fn lock_path(host: &str, port: u16, db: i64) -> PathBuf {
    let host: String = host.chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '_' }).collect();
    std::env::temp_dir().join(format!("labelsync-test-redis-{host}-{port}-db{db}.lock"))
}

/// A leased, empty database of the server in `LABELSYNC_TEST_REDIS_URL`.
pub struct RedisFixture {
    host: String,
    port: u16,
    password: Option<String>,
    lease: RedisDbLease,
    client: redis::Client,
    conn: tokio::sync::OnceCell<redis::aio::MultiplexedConnection>,
    bad_password: String,
}

impl std::fmt::Debug for RedisFixture {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisFixture")
            .field("host", &self.host)
            .field("port", &self.port)
            .finish_non_exhaustive()
    }
}

impl RedisFixture {
    /// The fixture for `test`, or `None` (skipped, printed) without a test server.
    pub async fn for_test(test: &str) -> Option<RedisFixture> {
        let url = super::redis_url(test)?;
        let host = url.host_str().expect("LABELSYNC_TEST_REDIS_URL has a host").to_owned();
        let host = host.trim_start_matches('[').trim_end_matches(']').to_owned();
        let port = url.port().unwrap_or(6379);
        let password = url.password().map(str::to_owned);
        let lease = RedisDbLease::acquire(&host, port).await;
        let mut seed_url = url.clone();
        seed_url.set_path(&format!("/{}", lease.db()));
        let client = redis::Client::open(seed_url.as_str()).expect("redis client for seeding");
        let bad_password = format!("labelsync-wrong-{}-{}", std::process::id(), lease.db());
        let conn = tokio::sync::OnceCell::new();
        let fixture = RedisFixture { host, port, password, lease, client, conn, bad_password };
        fixture.flush().await;
        Some(fixture)
    }

    /// The leased database number.
    pub fn db(&self) -> i64 {
        self.lease.db()
    }

    /// A config for this fixture's database with `path` as the key prefix.
    pub fn config_for(&self, path: Option<&str>) -> RedisConfig {
        RedisConfig {
            host: Some(self.host.clone()),
            port: Some(self.port),
            db: self.db(),
            password: self.password.clone().map(Secret::new),
            path: path.map(str::to_owned),
        }
    }

    /// A connection to the leased database, for seeding and inspecting.
    pub async fn connection(&self) -> redis::aio::MultiplexedConnection {
        let connect = || async {
            self.client.get_multiplexed_async_connection().await.expect("connect to the test redis")
        };
        self.conn.get_or_init(connect).await.clone()
    }

    async fn flush(&self) {
        let mut conn = self.connection().await;
        redis::cmd("FLUSHDB").exec_async(&mut conn).await.expect("FLUSHDB the leased db");
    }
}

impl Drop for RedisFixture {
    fn drop(&mut self) {
        // Best effort: leave the leased database empty for the next test.
        if let Ok(mut conn) = self.client.get_connection_with_timeout(Duration::from_secs(1)) {
            let _ = redis::cmd("FLUSHDB").exec(&mut conn);
        }
    }
}

#[async_trait]
impl Fixture for RedisFixture {
    fn capabilities(&self) -> Capabilities {
        Capabilities { listing: Listing::RawPrefix, may_repeat_keys: true }
    }

    fn guard(&self) -> NetGuard {
        NetGuard::new(true, vec![format!("{}:{}", self.host, self.port)])
    }

    fn config(&self, scope: Scope<'_>) -> StorageConfig {
        StorageConfig::Redis(self.config_for(scope.prefix))
    }

    fn config_with_bad_credentials(&self) -> Option<StorageConfig> {
        let config =
            RedisConfig { password: Some(Secret::new(self.bad_password.clone())), ..self.config_for(None) };
        Some(StorageConfig::Redis(config))
    }

    fn secrets(&self) -> Vec<String> {
        let mut secrets = vec![self.bad_password.clone()];
        secrets.extend(self.password.clone());
        secrets
    }

    async fn seed(&self, name: &str, body: &[u8]) {
        let mut conn = self.connection().await;
        redis::cmd("SET").arg(name).arg(body).exec_async(&mut conn).await.expect("seed SET");
    }

    fn key_of(&self, name: &str) -> String {
        name.to_owned()
    }
}
