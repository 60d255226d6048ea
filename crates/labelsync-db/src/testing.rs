//! Throwaway databases for tests (feature `testing`).
//!
//! [`TestDb::sqlite`] opens a migrated SQLite file in a temporary directory.
//! [`TestDb::postgres`] creates a fresh database on the server named by `TEST_DATABASE_URL`
//! (an admin URL such as `postgres://postgres@127.0.0.1:5432/postgres`), cloned from a
//! migrated template database so each test starts from the schema in milliseconds. Without
//! `TEST_DATABASE_URL` it returns `None` and the test skips with a printed reason — unless
//! `LABELSYNC_TEST_REQUIRE_SERVICES=1` (set by `scripts/test`), which turns a skip into a failure.

use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};

use sqlx::{Connection, Executor, PgConnection};

use crate::Db;

/// A migrated database that exists for one test.
pub struct TestDb {
    pub db: Db,
    pub url: String,
    cleanup: Cleanup,
}

enum Cleanup {
    Sqlite(#[allow(dead_code)] tempfile::TempDir),
    Postgres { admin_url: String, name: String },
}

/// True when `scripts/test` asked for every service-backed test to run (never skip).
pub fn services_required() -> bool {
    std::env::var("LABELSYNC_TEST_REQUIRE_SERVICES").is_ok_and(|v| v == "1")
}

/// Skips (returns `None`) or fails a test whose service is not configured, per
/// [`services_required`].
pub fn skip_or_fail(test: &str, reason: &str) {
    assert!(!services_required(), "{test}: {reason}, and LABELSYNC_TEST_REQUIRE_SERVICES=1 forbids skipping");
    eprintln!("SKIPPED {test}: {reason}");
}

impl TestDb {
    pub async fn sqlite() -> TestDb {
        let dir = tempfile::tempdir().expect("temp dir");
        let url = format!("sqlite://{}/test.db?mode=rwc", dir.path().display());
        let db = Db::connect(&url, 8).await.expect("open sqlite");
        db.migrate().await.expect("migrate sqlite");
        TestDb { db, url, cleanup: Cleanup::Sqlite(dir) }
    }

    /// A fresh PostgreSQL database, or `None` (after printing why) when none is configured.
    pub async fn postgres(test: &str) -> Option<TestDb> {
        let Ok(admin_url) = std::env::var("TEST_DATABASE_URL") else {
            skip_or_fail(test, "TEST_DATABASE_URL is not set");
            return None;
        };
        let template = ensure_template(&admin_url).await;
        let name = format!(
            "labelsync_test_{}_{}",
            chrono::Utc::now().format("%Y%m%d%H%M%S"),
            uuid::Uuid::new_v4().simple()
        );
        let mut admin = PgConnection::connect(&admin_url).await.expect("connect TEST_DATABASE_URL");
        // Cloning needs the template to have no other sessions; retry briefly if one is
        // still closing.
        let mut attempt = 0;
        loop {
            let sql = format!("create database {name} template {template}");
            match admin.execute(sql.as_str()).await {
                Ok(_) => break,
                Err(e) if attempt < 50 => {
                    attempt += 1;
                    tracing::debug!("create database from template: {e}; retrying");
                    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                }
                Err(e) => panic!("create test database: {e}"),
            }
        }
        let _ = admin.close().await;
        let url = with_database(&admin_url, &name);
        let db = Db::connect(&url, 8).await.expect("connect test database");
        Some(TestDb { db, url, cleanup: Cleanup::Postgres { admin_url, name } })
    }

    /// Closes the pool and drops a PostgreSQL test database. Databases of tests that panic
    /// before calling this are swept by the next run (see `ensure_template`).
    pub async fn finish(self) {
        self.db.close().await;
        if let Cleanup::Postgres { admin_url, name } = &self.cleanup
            && let Ok(mut admin) = PgConnection::connect(admin_url).await
        {
            let sql = format!("drop database if exists {name} with (force)");
            let _ = admin.execute(sql.as_str()).await;
            let _ = admin.close().await;
        }
    }
}

/// Runs `sql` (no parameters) on `db` as it is, to write what no query function writes: a
/// corrupt row, or one a later version would hold. Returns the rows affected.
pub async fn execute_raw(ex: impl Into<crate::Ex<'_>>, sql: &str) -> crate::Result<u64> {
    crate::conn::with_conn!(ex, |c| sqlx::query(sql).execute(c).await.map(|r| r.rows_affected()))
}

/// `url` with its database name replaced by `name`.
fn with_database(url: &str, name: &str) -> String {
    let mut parsed = url::Url::parse(url).expect("TEST_DATABASE_URL is a URL");
    parsed.set_path(&format!("/{name}"));
    parsed.to_string()
}

/// Creates (once per schema version) a migrated template database and returns its name.
/// Also drops test databases left behind more than an hour ago by crashed tests.
async fn ensure_template(admin_url: &str) -> String {
    let mut hasher = DefaultHasher::new();
    for migration in crate::conn::PG_MIGRATOR.iter() {
        migration.version.hash(&mut hasher);
        migration.checksum.hash(&mut hasher);
    }
    let template = format!("labelsync_template_{:016x}", hasher.finish());
    let mut admin = PgConnection::connect(admin_url).await.expect("connect TEST_DATABASE_URL");
    admin.execute("select pg_advisory_lock(7212)").await.expect("advisory lock");
    let exists: bool = sqlx::query_scalar("select exists(select 1 from pg_database where datname = $1)")
        .bind(&template)
        .fetch_one(&mut admin)
        .await
        .expect("query pg_database");
    if !exists {
        let sql = format!("create database {template}");
        admin.execute(sql.as_str()).await.expect("create template database");
        let db = Db::connect(&with_database(admin_url, &template), 1).await.expect("connect template");
        db.migrate().await.expect("migrate template");
        db.close().await;
        sweep_stale(&mut admin).await;
    }
    admin.execute("select pg_advisory_unlock(7212)").await.expect("advisory unlock");
    let _ = admin.close().await;
    template
}

async fn sweep_stale(admin: &mut PgConnection) {
    let cutoff = (chrono::Utc::now() - chrono::TimeDelta::hours(1)).format("%Y%m%d%H%M%S").to_string();
    let names: Vec<String> =
        sqlx::query_scalar("select datname from pg_database where datname like 'labelsync\\_test\\_%'")
            .fetch_all(&mut *admin)
            .await
            .unwrap_or_default();
    for name in names {
        let stamp = name.trim_start_matches("labelsync_test_").split('_').next().unwrap_or("");
        if stamp.len() == 14 && stamp < cutoff.as_str() {
            let sql = format!("drop database if exists {name} with (force)");
            let _ = admin.execute(sql.as_str()).await;
        }
    }
}

/// Runs `async fn $name(db: &Db)` as two tests, `$name::sqlite` and `$name::postgres`, each on a
/// throwaway database of its own (the PostgreSQL one skips, or fails under `scripts/test`, without
/// `TEST_DATABASE_URL`). The calling crate needs `tokio` with its test macro.
#[macro_export]
macro_rules! on_both {
    ($name:ident) => {
        mod $name {
            #[tokio::test]
            async fn sqlite() {
                let t = $crate::testing::TestDb::sqlite().await;
                super::$name(&t.db).await;
                t.finish().await;
            }
            #[tokio::test]
            async fn postgres() {
                let Some(t) = $crate::testing::TestDb::postgres(concat!(module_path!(), "::postgres")).await
                else {
                    return;
                };
                super::$name(&t.db).await;
                t.finish().await;
            }
        }
    };
}

/// The one integer `sql` selects (a count, say), for tests that check rows directly.
pub async fn scalar_i64(db: &Db, sql: &str) -> crate::Result<i64> {
    crate::conn::with_conn!(db, |c| sqlx::query_scalar::<_, i64>(sql).fetch_one(c).await)
}

/// A task with empty data and no annotations, inner id `inner_id`.
pub fn empty_task(inner_id: i64) -> crate::tasks::NewTask {
    crate::tasks::NewTask {
        data: serde_json::json!({}),
        meta: serde_json::json!({}),
        inner_id,
        overlap: 1,
        is_labeled: false,
        total_annotations: 0,
        cancelled_annotations: 0,
        total_predictions: 0,
        allow_skip: true,
    }
}
