//! The database handle, transactions and the dialect dispatch used by every query.

use std::str::FromStr;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{PgConnection, PgPool, Postgres, Sqlite, SqliteConnection, SqlitePool, Transaction};

/// How many result rows a SQLite connection's thread may hand over before the task reading them
/// catches up. With sqlx's default, 50, the thread stopped and waited for the reader 20 times for
/// the 1,000 ids of one batch's `insert … returning`, and as often for a batch's links' look-up.
const SQLITE_ROW_BUFFER: usize = 1024;

/// Which SQL dialect a [`Db`] speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    Postgres,
    Sqlite,
}

/// A pool of connections to PostgreSQL or SQLite. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Db(DbInner);

#[derive(Clone, Debug)]
enum DbInner {
    Pg(PgPool),
    Sqlite(SqlitePool),
}

/// An open transaction. Dropped without [`Tx::commit`] it rolls back.
pub struct Tx(TxInner);

enum TxInner {
    Pg(Transaction<'static, Postgres>),
    Sqlite(Transaction<'static, Sqlite>),
}

/// Where a query runs: a pool or an open transaction. Build it with `&db` or `&mut tx`.
#[doc(hidden)]
pub enum Ex<'a> {
    PgPool(&'a PgPool),
    SqlitePool(&'a SqlitePool),
    PgConn(&'a mut PgConnection),
    SqliteConn(&'a mut SqliteConnection),
}

impl<'a> From<&'a Db> for Ex<'a> {
    fn from(db: &'a Db) -> Self {
        match &db.0 {
            DbInner::Pg(pool) => Ex::PgPool(pool),
            DbInner::Sqlite(pool) => Ex::SqlitePool(pool),
        }
    }
}

impl<'a> From<&'a mut Tx> for Ex<'a> {
    fn from(tx: &'a mut Tx) -> Self {
        match &mut tx.0 {
            TxInner::Pg(tx) => Ex::PgConn(tx),
            TxInner::Sqlite(tx) => Ex::SqliteConn(tx),
        }
    }
}

/// Runs `$body` with `$c` bound to a `&mut PgConnection` or `&mut SqliteConnection`.
///
/// The body is compiled once per dialect, so the same SQL text and binds serve both.
macro_rules! with_conn {
    ($ex:expr, |$c:ident| $body:expr) => {
        $crate::conn::by_dialect!($ex, postgres | $c | $body, sqlite | $c | $body)
    };
}
pub(crate) use with_conn;

/// Like [`with_conn!`], with one body per dialect, for the statements whose binds differ
/// (PostgreSQL arrays for `unnest`, which SQLite does not have).
macro_rules! by_dialect {
    ($ex:expr, postgres |$pc:ident| $pg:expr, sqlite |$sc:ident| $sqlite:expr $(,)?) => {
        match ::core::convert::Into::<$crate::Ex<'_>>::into($ex) {
            $crate::Ex::PgPool(pool) => {
                let mut guard = pool.acquire().await?;
                let $pc: &mut ::sqlx::PgConnection = &mut guard;
                $pg
            }
            $crate::Ex::PgConn($pc) => $pg,
            $crate::Ex::SqlitePool(pool) => {
                let mut guard = pool.acquire().await?;
                let $sc: &mut ::sqlx::SqliteConnection = &mut guard;
                $sqlite
            }
            $crate::Ex::SqliteConn($sc) => $sqlite,
        }
    };
}
pub(crate) use by_dialect;

/// Chooses between two spellings of a statement for the few places the dialects differ.
pub(crate) trait DialectOf {
    const DIALECT: Dialect;
}
impl DialectOf for PgConnection {
    const DIALECT: Dialect = Dialect::Postgres;
}
impl DialectOf for SqliteConnection {
    const DIALECT: Dialect = Dialect::Sqlite;
}

/// The sqlx database type of a connection type, so dynamic statements can be built for it.
pub(crate) trait ConnDb {
    type Database: sqlx::Database;
}
impl ConnDb for PgConnection {
    type Database = Postgres;
}
impl ConnDb for SqliteConnection {
    type Database = Sqlite;
}

/// A query builder for the connection's dialect (for multi-row inserts and `in (…)` lists).
pub(crate) fn builder<'args, C: ConnDb + ?Sized>(
    _conn: &C,
    init: &str,
) -> sqlx::QueryBuilder<'args, <C as ConnDb>::Database> {
    sqlx::QueryBuilder::new(init)
}

/// `pg` on PostgreSQL, `sqlite` on SQLite, chosen by the connection's type.
pub(crate) fn sql_for<C: DialectOf + ?Sized>(
    _conn: &C,
    pg: &'static str,
    sqlite: &'static str,
) -> &'static str {
    match C::DIALECT {
        Dialect::Postgres => pg,
        Dialect::Sqlite => sqlite,
    }
}

pub(crate) static PG_MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../../migrations/postgres");
static SQLITE_MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../../migrations/sqlite");

impl Db {
    /// Connects to `url`: `postgres://…` / `postgresql://…`, or `sqlite://path?mode=rwc` /
    /// `sqlite::memory:`. SQLite runs in WAL mode with foreign keys on and a generous busy
    /// timeout, so several processes may share one file.
    pub async fn connect(url: &str, max_connections: u32) -> crate::Result<Db> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let options = PgConnectOptions::from_str(url)?;
            let pool = PgPoolOptions::new()
                .max_connections(max_connections)
                .acquire_timeout(Duration::from_secs(30))
                .connect_with(options)
                .await?;
            Ok(Db(DbInner::Pg(pool)))
        } else if url.starts_with("sqlite:") {
            let in_memory = url.contains(":memory:");
            let options = SqliteConnectOptions::from_str(url)?
                .foreign_keys(true)
                .busy_timeout(Duration::from_secs(30))
                .synchronous(SqliteSynchronous::Normal)
                .row_buffer_size(SQLITE_ROW_BUFFER);
            let options = if in_memory {
                options
            } else {
                options.journal_mode(SqliteJournalMode::Wal).create_if_missing(true)
            };
            // Every connection to `:memory:` would open its own empty database.
            let max = if in_memory { 1 } else { max_connections };
            let pool = SqlitePoolOptions::new()
                .max_connections(max)
                .acquire_timeout(Duration::from_secs(60))
                .connect_with(options)
                .await?;
            Ok(Db(DbInner::Sqlite(pool)))
        } else {
            Err(sqlx::Error::Configuration(
                format!(
                    "unsupported database URL scheme in {:?}: use postgres://… or sqlite://…",
                    redact_url(url)
                )
                .into(),
            ))
        }
    }

    /// Applies every embedded migration of this database's dialect that has not run yet.
    pub async fn migrate(&self) -> Result<(), sqlx::migrate::MigrateError> {
        match &self.0 {
            DbInner::Pg(pool) => PG_MIGRATOR.run(pool).await,
            DbInner::Sqlite(pool) => SQLITE_MIGRATOR.run(pool).await,
        }
    }

    pub fn dialect(&self) -> Dialect {
        match &self.0 {
            DbInner::Pg(_) => Dialect::Postgres,
            DbInner::Sqlite(_) => Dialect::Sqlite,
        }
    }

    /// `postgres` or `sqlite`, for logs.
    pub fn dialect_name(&self) -> &'static str {
        match self.dialect() {
            Dialect::Postgres => "postgres",
            Dialect::Sqlite => "sqlite",
        }
    }

    /// Starts a write transaction. On SQLite it takes the write lock up front
    /// (`BEGIN IMMEDIATE`), so two writers queue on the busy timeout instead of one failing
    /// with "database is locked" when it upgrades a read lock.
    pub async fn begin(&self) -> crate::Result<Tx> {
        Ok(Tx(match &self.0 {
            DbInner::Pg(pool) => TxInner::Pg(pool.begin().await?),
            DbInner::Sqlite(pool) => TxInner::Sqlite(pool.begin_with("BEGIN IMMEDIATE").await?),
        }))
    }

    /// Connections in use and idle, for the metrics endpoint.
    pub fn pool_state(&self) -> (u32, usize) {
        match &self.0 {
            DbInner::Pg(pool) => (pool.size(), pool.num_idle()),
            DbInner::Sqlite(pool) => (pool.size(), pool.num_idle()),
        }
    }

    /// Closes every connection; pending queries finish first.
    pub async fn close(&self) {
        match &self.0 {
            DbInner::Pg(pool) => pool.close().await,
            DbInner::Sqlite(pool) => pool.close().await,
        }
    }

    /// The PostgreSQL pool, for tests and tools that need raw access.
    pub fn as_postgres(&self) -> Option<&PgPool> {
        match &self.0 {
            DbInner::Pg(pool) => Some(pool),
            DbInner::Sqlite(_) => None,
        }
    }
}

impl Tx {
    pub async fn commit(self) -> crate::Result<()> {
        match self.0 {
            TxInner::Pg(tx) => tx.commit().await,
            TxInner::Sqlite(tx) => tx.commit().await,
        }
    }

    pub fn dialect(&self) -> Dialect {
        match &self.0 {
            TxInner::Pg(_) => Dialect::Postgres,
            TxInner::Sqlite(_) => Dialect::Sqlite,
        }
    }
}

/// `url` with any password replaced by `***`, safe to log.
pub fn redact_url(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) if parsed.password().is_some() => {
            let _ = parsed.set_password(Some("***"));
            parsed.to_string()
        }
        _ => url.to_owned(),
    }
}
