//! Import and export storages of every kind, and their sync status.

use chrono::{DateTime, Utc};
use serde_json::{Map, Value};
use sqlx::types::Json;

pub use labelsync_types::settings::{InvalidSettings, StorageSettings};
pub use labelsync_types::{Role, StorageKind, SyncStatus};

pub use crate::sync_runs::{SyncState, add_sync_count, set_last_sync_job, set_sync_status};

use crate::conn::with_conn;
use crate::{Ex, Result};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Storage {
    pub id: i64,
    pub project_id: i64,
    /// Stored as its text; an unknown text fails to decode the row.
    pub kind: StorageKind,
    pub role: Role,
    pub title: Option<String>,
    pub description: Option<String>,
    pub created_at: DateTime<Utc>,
    pub synchronizable: bool,
    pub last_sync: Option<DateTime<Utc>>,
    pub last_sync_count: Option<i32>,
    pub last_sync_job: Option<String>,
    pub status: SyncStatus,
    pub traceback: Option<String>,
    pub meta: Json<Map<String, Value>>,
    /// Type-specific, non-secret fields (bucket, prefix, regex_filter, …).
    pub settings: Json<Map<String, Value>>,
    /// The encrypted secret fields, never returned to clients.
    pub secrets: Option<String>,
    /// The generation of the latest (or running) import sync: links it listed carry it.
    pub sync_generation: i64,
    /// Where the running sync's committed listing has got to (a backend resume position).
    pub sync_checkpoint: Option<String>,
}

impl Storage {
    /// The storage's typed settings without its secrets (they are sealed: opening them is
    /// `labelsync_sync::storages::settings_of_row`'s). What responses and media resolution read.
    pub fn public_settings(&self) -> std::result::Result<StorageSettings, InvalidSettings> {
        StorageSettings::parse(self.kind, self.role, &self.settings.0, &Map::new())
    }
}

/// Every column of a new storage. On an existing one, [`update`] writes only the columns a
/// client owns; the status columns are the sync's.
#[derive(Debug, Clone)]
pub struct StorageRecord {
    pub project_id: i64,
    pub title: Option<String>,
    pub description: Option<String>,
    pub synchronizable: bool,
    pub last_sync: Option<DateTime<Utc>>,
    pub last_sync_count: Option<i32>,
    pub last_sync_job: Option<String>,
    pub status: SyncStatus,
    pub traceback: Option<String>,
    pub meta: Map<String, Value>,
    pub settings: Map<String, Value>,
    pub secrets: Option<String>,
}

impl StorageRecord {
    /// A new storage of `project_id` with these settings: `initialized`, synchronizable, no
    /// title, counters, `meta` or secrets.
    pub fn new(project_id: i64, settings: Map<String, Value>) -> StorageRecord {
        StorageRecord {
            project_id,
            title: None,
            description: None,
            synchronizable: true,
            last_sync: None,
            last_sync_count: None,
            last_sync_job: None,
            status: SyncStatus::Initialized,
            traceback: None,
            meta: Map::new(),
            settings,
            secrets: None,
        }
    }

    /// Resets the sync status columns to a new storage's (`initialized`, no counters, empty
    /// `meta`): status fields a client sends are accepted and ignored, the sync owns them.
    pub fn clear_sync_status(&mut self) {
        self.last_sync = None;
        self.last_sync_count = None;
        self.last_sync_job = None;
        self.status = SyncStatus::Initialized;
        self.traceback = None;
        self.meta = Map::new();
    }
}

macro_rules! storage_columns {
    ($p:literal) => {
        concat!(
            $p,
            "id, ",
            $p,
            "project_id, ",
            $p,
            "kind, ",
            $p,
            "role, ",
            $p,
            "title, ",
            $p,
            "description, ",
            $p,
            "created_at, ",
            $p,
            "synchronizable, ",
            $p,
            "last_sync, ",
            $p,
            "last_sync_count, ",
            $p,
            "last_sync_job, ",
            $p,
            "status, ",
            $p,
            "traceback, ",
            $p,
            "meta, ",
            $p,
            "settings, ",
            $p,
            "secrets, ",
            $p,
            "sync_generation, ",
            $p,
            "sync_checkpoint"
        )
    };
}

pub async fn insert(
    ex: impl Into<Ex<'_>>,
    kind: StorageKind,
    role: Role,
    record: &StorageRecord,
) -> Result<Storage> {
    let now = crate::now();
    with_conn!(ex, |c| {
        sqlx::query_as::<_, Storage>(concat!(
            "insert into storages (project_id, kind, role, title, description, created_at, \
             synchronizable, last_sync, last_sync_count, last_sync_job, status, traceback, meta, \
             settings, secrets) \
             values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) returning ",
            storage_columns!("")
        ))
        .bind(record.project_id)
        .bind(kind)
        .bind(role)
        .bind(record.title.as_deref())
        .bind(record.description.as_deref())
        .bind(now)
        .bind(record.synchronizable)
        .bind(record.last_sync)
        .bind(record.last_sync_count)
        .bind(record.last_sync_job.as_deref())
        .bind(record.status)
        .bind(record.traceback.as_deref())
        .bind(Json(&record.meta))
        .bind(Json(&record.settings))
        .bind(record.secrets.as_deref())
        .fetch_one(c)
        .await
    })
}

/// Replaces the columns a client owns: project, title, description, `synchronizable`,
/// settings and secrets. The sync status columns (`status`, `meta`, `last_sync*`,
/// `traceback`) belong to the sync path ([`set_sync_status`]) and are left as they are, so an
/// update made from a read taken before a sync wrote them cannot roll them back.
pub async fn update(ex: impl Into<Ex<'_>>, id: i64, record: &StorageRecord) -> Result<Storage> {
    with_conn!(ex, |c| {
        sqlx::query_as::<_, Storage>(concat!(
            "update storages set project_id = $2, title = $3, description = $4, \
             synchronizable = $5, settings = $6, secrets = $7 where id = $1 returning ",
            storage_columns!("")
        ))
        .bind(id)
        .bind(record.project_id)
        .bind(record.title.as_deref())
        .bind(record.description.as_deref())
        .bind(record.synchronizable)
        .bind(Json(&record.settings))
        .bind(record.secrets.as_deref())
        .fetch_one(c)
        .await
    })
}

/// Storage `id` of `kind` and `role` if its project belongs to `organization_id`.
pub async fn find(
    ex: impl Into<Ex<'_>>,
    organization_id: i64,
    kind: StorageKind,
    role: Role,
    id: i64,
) -> Result<Option<Storage>> {
    with_conn!(ex, |c| {
        sqlx::query_as::<_, Storage>(concat!(
            "select ",
            storage_columns!("s."),
            " from storages s join projects p on p.id = s.project_id \
             where s.id = $1 and s.kind = $2 and s.role = $3 and p.organization_id = $4"
        ))
        .bind(id)
        .bind(kind)
        .bind(role)
        .bind(organization_id)
        .fetch_optional(c)
        .await
    })
}

/// Storage `id` whatever its organization: for jobs.
pub async fn find_unscoped(ex: impl Into<Ex<'_>>, id: i64) -> Result<Option<Storage>> {
    with_conn!(ex, |c| {
        sqlx::query_as::<_, Storage>(concat!("select ", storage_columns!(""), " from storages where id = $1"))
            .bind(id)
            .fetch_optional(c)
            .await
    })
}

/// Storages of a project with the given role (and kind, if given), oldest first.
pub async fn list_for_project(
    ex: impl Into<Ex<'_>>,
    project_id: i64,
    role: Role,
    kind: Option<StorageKind>,
) -> Result<Vec<Storage>> {
    with_conn!(ex, |c| {
        sqlx::query_as::<_, Storage>(concat!(
            "select ",
            storage_columns!(""),
            " from storages where project_id = $1 and role = $2 \
             and ($3 is null or kind = $3) order by id"
        ))
        .bind(project_id)
        .bind(role)
        .bind(kind)
        .fetch_all(c)
        .await
    })
}

/// The distinct `path` settings of the local-files import storages whose projects belong to
/// `organization_id`, in no particular order: what `GET /data/local-files/` checks a requested
/// file against on every request. Storages without a path are left out.
///
/// One indexed join: `projects_organization_idx` finds the organization's projects and
/// `storages_project_idx` (project, kind, role) their local-files import storages.
pub async fn local_import_paths(ex: impl Into<Ex<'_>>, organization_id: i64) -> Result<Vec<String>> {
    with_conn!(ex, |c| {
        sqlx::query_scalar::<_, String>(
            "select distinct s.settings ->> 'path' from storages s \
             join projects p on p.id = s.project_id \
             where p.organization_id = $1 and s.kind = $2 and s.role = $3 \
             and s.settings ->> 'path' is not null",
        )
        .bind(organization_id)
        .bind(StorageKind::LocalFiles)
        .bind(Role::Import)
        .fetch_all(c)
        .await
    })
}

/// Re-reads storage `id` holding its row lock until the transaction ends (PostgreSQL); on
/// SQLite the write transaction already excludes other writers.
pub async fn lock(ex: impl Into<Ex<'_>>, id: i64) -> Result<Option<Storage>> {
    with_conn!(ex, |c| {
        let sql = crate::conn::sql_for(
            &*c,
            concat!("select ", storage_columns!(""), " from storages where id = $1 for update"),
            concat!("select ", storage_columns!(""), " from storages where id = $1"),
        );
        sqlx::query_as::<_, Storage>(sql).bind(id).fetch_optional(c).await
    })
}

pub async fn delete(ex: impl Into<Ex<'_>>, id: i64) -> Result<bool> {
    with_conn!(ex, |c| {
        sqlx::query("delete from storages where id = $1")
            .bind(id)
            .execute(c)
            .await
            .map(|r| r.rows_affected() == 1)
    })
}

/// The organization that storage `id` belongs to (through its project), for jobs that work
/// for it.
pub async fn organization_of(ex: impl Into<Ex<'_>>, id: i64) -> Result<Option<i64>> {
    with_conn!(ex, |c| {
        sqlx::query_scalar::<_, i64>(
            "select p.organization_id from storages s join projects p on p.id = s.project_id \
             where s.id = $1",
        )
        .bind(id)
        .fetch_optional(c)
        .await
    })
}

/// Sets the sealed secrets of storage `id` (a new storage's, sealed once its id is known).
pub async fn set_secrets(ex: impl Into<Ex<'_>>, id: i64, secrets: Option<&str>) -> Result<()> {
    with_conn!(ex, |c| {
        sqlx::query("update storages set secrets = $2 where id = $1")
            .bind(id)
            .bind(secrets)
            .execute(c)
            .await
            .map(|_| ())
    })
}

/// `(id, secrets)` of the storages whose secrets start with `prefix` (a sealing format).
pub async fn secrets_with_prefix(ex: impl Into<Ex<'_>>, prefix: &str) -> Result<Vec<(i64, String)>> {
    let pattern = format!("{prefix}%");
    with_conn!(ex, |c| {
        sqlx::query_as("select id, secrets from storages where secrets like $1 order by id")
            .bind(&pattern)
            .fetch_all(c)
            .await
    })
}

/// Replaces the secrets of storage `id` only if they are still `expected` (so processes
/// migrating the same rows at once, or a concurrent change, never lose a write). True when
/// replaced.
pub async fn replace_secrets(ex: impl Into<Ex<'_>>, id: i64, expected: &str, new: &str) -> Result<bool> {
    with_conn!(ex, |c| {
        sqlx::query("update storages set secrets = $3 where id = $1 and secrets = $2")
            .bind(id)
            .bind(expected)
            .bind(new)
            .execute(c)
            .await
            .map(|r| r.rows_affected() == 1)
    })
}
