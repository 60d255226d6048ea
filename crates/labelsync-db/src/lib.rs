//! `labelsync-db` owns every SQL statement labelsync runs, for both of its databases.
//!
//! Start with [`Db`]: one handle over either a PostgreSQL pool (production) or an SQLite pool
//! (the embedded default). Every query function takes `impl Into<Ex>` so it runs on the pool
//! (`&db`) or inside a transaction (`&mut tx`), and the same SQL text (`$1` placeholders,
//! `returning`, `on conflict`) runs on both dialects; the few statements that differ say so.
//! Migrations for both dialects are embedded from `migrations/postgres` and `migrations/sqlite`.
//!
//! Modules map to tables: [`orgs`] (organizations, users, memberships), [`tokens`],
//! [`projects`], [`tasks`], [`annotations`], [`predictions`], [`storages`], [`links`] (import
//! and export links), [`sync_runs`] (sync generations, checkpoints and the error ledger),
//! [`diffs`] (dry runs of an import sync), [`local_roots`] (directories granted to organizations), [`jobs`] (the
//! queue's table), [`settings`] (instance settings), [`server_credentials`] (grants of the
//! server's cloud identity per organization) and [`webhooks`] (webhooks and their deliveries).
//!
//! A storage row's kind, role and status are the enums of `labelsync-types` (re-exported as
//! [`storages::StorageKind`], [`storages::Role`], [`storages::SyncStatus`]), stored as their text
//! in `TEXT` columns (bound and decoded through their sqlx impls, feature `sqlx` of
//! `labelsync-types`): a row with an unknown text fails to decode instead of defaulting. `labelsync-storage` re-exports the same enums, so
//! neither crate depends on the other.

mod conn;
mod time;

pub mod annotations;
pub mod bucket_events;
pub mod diffs;
pub mod jobs;
pub mod links;
pub mod local_roots;
pub mod orgs;
pub mod predictions;
pub mod projects;
pub mod server_credentials;
pub mod settings;
pub mod storages;
pub mod sync_runs;
pub mod tasks;
pub mod tokens;
pub mod webhooks;

#[cfg(feature = "testing")]
pub mod testing;

pub use conn::{Db, Dialect, Ex, Tx, redact_url};
pub use sqlx::Error;
pub use sqlx::types::Json;
pub use time::{epoch_ms, now};

/// Result of every query function.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// True when `err` violates the unique constraint (or unique index) `constraint` of `table`.
///
/// PostgreSQL reports the constraint's name; SQLite reports only `table.column`, so on SQLite
/// any unique violation on `table` matches.
pub fn is_unique_violation(err: &Error, table: &str, constraint: &str) -> bool {
    let Some(db_err) = err.as_database_error() else {
        return false;
    };
    if !db_err.is_unique_violation() {
        return false;
    }
    match db_err.constraint() {
        Some(name) => name == constraint,
        // "UNIQUE constraint failed: users.email", or "…: index 'name'" for expression indexes.
        None => {
            let message = db_err.message();
            message.contains(&format!("{table}.")) || message.contains(&format!("'{constraint}'"))
        }
    }
}
