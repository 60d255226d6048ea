//! Import links: which object (and row of it) each synced task came from, what identified the
//! object's content then (`version`), and which sync generation last listed it
//! (`seen_generation`), so that a sync can tell new, changed, unchanged and vanished objects
//! apart.

use crate::conn::{builder, by_dialect, with_conn};
use crate::{Ex, Result};

/// A link to insert for a freshly created task.
#[derive(Debug, Clone)]
pub struct NewImportLink {
    pub task_id: i64,
    pub key: String,
    pub row_index: Option<i32>,
    /// What identified the object's content when it was read.
    pub version: Option<String>,
}

/// An existing import link.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ImportLink {
    pub id: i64,
    pub task_id: i64,
    pub key: String,
    pub row_index: Option<i32>,
    pub version: Option<String>,
    pub seen_generation: i64,
}

/// The import links of storage `storage_id` for any of `keys` (a task file that made three
/// tasks has three), in no particular order.
pub async fn import_links_of_keys(
    ex: impl Into<Ex<'_>>,
    storage_id: i64,
    keys: &[&str],
) -> Result<Vec<ImportLink>> {
    if keys.is_empty() {
        return Ok(Vec::new());
    }
    by_dialect!(
        ex,
        postgres | c | {
            // One index probe per key, whatever the statistics say: the lateral subquery is run
            // per key, and for one key the index always wins. A join (or an `in (…)` list) lets
            // the planner, whose statistics lag a bulk import, hash every link of the storage per
            // batch instead: 20 ms instead of 2 ms per 1,000 keys at 100,000 links, and minutes
            // for a re-sync with the generic plan of an `in` list.
            sqlx::query_as::<_, ImportLink>(
                "select l.id, l.task_id, l.key, l.row_index, l.version, l.seen_generation \
                 from unnest($2::text[]) as k(key) cross join lateral \
                 (select id, task_id, key, row_index, version, seen_generation from import_links i \
                  where i.storage_id = $1 and i.key = k.key) l",
            )
            .bind(storage_id)
            .bind(keys)
            .fetch_all(&mut *c)
            .await
        },
        sqlite | c | {
            let mut found = Vec::new();
            for chunk in keys.chunks(1000) {
                let mut qb = builder(
                    &*c,
                    "select id, task_id, key, row_index, version, seen_generation from import_links \
                     where storage_id = ",
                );
                qb.push_bind(storage_id);
                qb.push(" and key in (");
                let mut sep = qb.separated(", ");
                for key in chunk {
                    sep.push_bind(*key);
                }
                qb.push(")");
                found.extend(qb.build_query_as::<ImportLink>().fetch_all(&mut *c).await?);
            }
            Ok(found)
        },
    )
}

/// Inserts the import links of freshly created tasks, listed by sync `generation` (column
/// arrays on PostgreSQL, as [`crate::tasks::insert_many`]).
///
/// The tasks must have been created in the same transaction. On PostgreSQL the links have no
/// row-level foreign keys (migration 0009): the storage is locked here once per batch, `for key
/// share` as a foreign-key check would for every row, so a storage deleted meanwhile either waits
/// for this transaction (and its delete then takes these links) or fails it with
/// [`sqlx::Error::RowNotFound`].
pub async fn insert_import_links(
    ex: impl Into<Ex<'_>>,
    storage_id: i64,
    generation: i64,
    links: &[NewImportLink],
) -> Result<()> {
    if links.is_empty() {
        return Ok(());
    }
    let now = crate::now();
    by_dialect!(
        ex,
        postgres | c | {
            let inserted = sqlx::query(
                "insert into import_links (storage_id, task_id, key, row_index, version, \
                 seen_generation, created_at) \
                 select $1, l.task_id, l.key, l.row_index, l.version, $2, $3 \
                 from unnest($4::int8[], $5::text[], $6::int4[], $7::text[]) \
                 as l(task_id, key, row_index, version) \
                 where exists (select 1 from storages s where s.id = $1 for key share)",
            )
            .bind(storage_id)
            .bind(generation)
            .bind(now)
            .bind(links.iter().map(|l| l.task_id).collect::<Vec<_>>())
            .bind(links.iter().map(|l| l.key.as_str()).collect::<Vec<_>>())
            .bind(links.iter().map(|l| l.row_index).collect::<Vec<_>>())
            .bind(links.iter().map(|l| l.version.as_deref()).collect::<Vec<_>>())
            .execute(&mut *c)
            .await?;
            if inserted.rows_affected() == 0 {
                return Err(sqlx::Error::RowNotFound); // the storage is gone
            }
            Ok(())
        },
        sqlite | c | {
            let now = crate::time::sqlite_text(now);
            for chunk in links.chunks(1000) {
                let mut qb = builder(
                    &*c,
                    "insert into import_links (storage_id, task_id, key, row_index, version, \
                     seen_generation, created_at) ",
                );
                qb.push_values(chunk, |mut row, link| {
                    row.push_bind(storage_id)
                        .push_bind(link.task_id)
                        .push_bind(link.key.as_str())
                        .push_bind(link.row_index)
                        .push_bind(link.version.as_deref())
                        .push_bind(generation)
                        .push_bind(now.as_str());
                });
                qb.build().execute(&mut *c).await?;
            }
            Ok(())
        },
    )
}

/// Records that sync `generation` listed the objects of links `ids` (which exist again, if
/// they were missing). Links already marked are not written again. Returns how many changed.
pub async fn mark_seen(ex: impl Into<Ex<'_>>, generation: i64, ids: &[i64]) -> Result<u64> {
    if ids.is_empty() {
        return Ok(0);
    }
    by_dialect!(
        ex,
        postgres | c | {
            sqlx::query(
                "update import_links set seen_generation = $1, object_exists = true \
                 where id = any($2::int8[]) and seen_generation <> $1",
            )
            .bind(generation)
            .bind(ids)
            .execute(&mut *c)
            .await
            .map(|r| r.rows_affected())
        },
        sqlite | c | {
            let mut changed = 0;
            for chunk in ids.chunks(1000) {
                let mut qb = builder(&*c, "update import_links set object_exists = 1, seen_generation = ");
                qb.push_bind(generation);
                qb.push(" where seen_generation <> ");
                qb.push_bind(generation);
                qb.push(" and id in (");
                let mut sep = qb.separated(", ");
                for id in chunk {
                    sep.push_bind(*id);
                }
                qb.push(")");
                changed += qb.build().execute(&mut *c).await?.rows_affected();
            }
            Ok(changed)
        },
    )
}

/// Sets the `version` of links by id (after a changed object was re-read, or to record the
/// version of a link written before versions were kept).
pub async fn set_versions(ex: impl Into<Ex<'_>>, versions: &[(i64, Option<String>)]) -> Result<()> {
    if versions.is_empty() {
        return Ok(());
    }
    by_dialect!(
        ex,
        postgres | c | {
            sqlx::query(
                "update import_links l set version = v.version \
                 from unnest($1::int8[], $2::text[]) as v(id, version) where l.id = v.id",
            )
            .bind(versions.iter().map(|(id, _)| *id).collect::<Vec<_>>())
            .bind(versions.iter().map(|(_, v)| v.as_deref()).collect::<Vec<_>>())
            .execute(&mut *c)
            .await
            .map(|_| ())
        },
        sqlite | c | {
            for (id, version) in versions {
                sqlx::query("update import_links set version = $2 where id = $1")
                    .bind(id)
                    .bind(version.as_deref())
                    .execute(&mut *c)
                    .await?;
            }
            Ok(())
        },
    )
}

/// A link with what deciding on its task needs.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct LinkedTask {
    pub id: i64,
    pub task_id: i64,
    pub key: String,
    /// Whether its task has any annotation (cancelled ones count).
    pub labeled: bool,
}

/// Up to `limit` links of storage `storage_id` not listed by sync `generation`, after link
/// `after_id`, in id order.
pub async fn missing_links(
    ex: impl Into<Ex<'_>>,
    storage_id: i64,
    generation: i64,
    after_id: i64,
    limit: i64,
) -> Result<Vec<LinkedTask>> {
    with_conn!(ex, |c| {
        sqlx::query_as::<_, LinkedTask>(
            "select l.id, l.task_id, l.key, \
             exists (select 1 from annotations a where a.task_id = l.task_id) as labeled \
             from import_links l where l.storage_id = $1 and l.seen_generation < $2 and l.id > $3 \
             order by l.id limit $4",
        )
        .bind(storage_id)
        .bind(generation)
        .bind(after_id)
        .bind(limit)
        .fetch_all(c)
        .await
    })
}

/// Marks the links of storage `storage_id` that sync `generation` did not list as missing
/// (`object_exists` false). Returns how many changed.
pub async fn mark_missing(ex: impl Into<Ex<'_>>, storage_id: i64, generation: i64) -> Result<u64> {
    with_conn!(ex, |c| {
        sqlx::query(
            "update import_links set object_exists = false \
             where storage_id = $1 and seen_generation < $2 and object_exists",
        )
        .bind(storage_id)
        .bind(generation)
        .execute(c)
        .await
        .map(|r| r.rows_affected())
    })
}

/// Up to `limit` import links of storage `storage_id` after link `after_id`, in id order: a
/// dry run walks them to find the keys its listing did not see.
pub async fn linked_tasks(
    ex: impl Into<Ex<'_>>,
    storage_id: i64,
    after_id: i64,
    limit: i64,
) -> Result<Vec<LinkedTask>> {
    with_conn!(ex, |c| {
        sqlx::query_as::<_, LinkedTask>(
            "select l.id, l.task_id, l.key, \
             exists (select 1 from annotations a where a.task_id = l.task_id) as labeled \
             from import_links l where l.storage_id = $1 and l.id > $2 order by l.id limit $3",
        )
        .bind(storage_id)
        .bind(after_id)
        .bind(limit)
        .fetch_all(c)
        .await
    })
}

/// The import link of a task: `(storage_id, key)`.
pub async fn import_link_of_task(ex: impl Into<Ex<'_>>, task_id: i64) -> Result<Option<(i64, String)>> {
    with_conn!(ex, |c| {
        sqlx::query_as::<_, (i64, String)>("select storage_id, key from import_links where task_id = $1")
            .bind(task_id)
            .fetch_optional(c)
            .await
    })
}
