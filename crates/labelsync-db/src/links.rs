//! Import links (task ← storage object) and export links (annotation → storage object).

use std::collections::HashSet;

use crate::conn::{builder, with_conn};
use crate::{Ex, Result};

/// A link to insert for a freshly created task.
#[derive(Debug, Clone)]
pub struct NewImportLink {
    pub task_id: i64,
    pub key: String,
    pub row_index: Option<i32>,
}

/// Which of `keys` already have an import link of `storage_id`, and how many link rows
/// those keys have (a JSON file that made three tasks has three).
pub async fn existing_import_keys(
    ex: impl Into<Ex<'_>>,
    storage_id: i64,
    keys: &[&str],
) -> Result<(HashSet<String>, i64)> {
    let mut found = HashSet::new();
    let mut rows = 0;
    if keys.is_empty() {
        return Ok((found, rows));
    }
    with_conn!(ex, |c| {
        for chunk in keys.chunks(1000) {
            let mut qb = builder(&*c, "select key, count(*) from import_links where storage_id = ");
            qb.push_bind(storage_id);
            qb.push(" and key in (");
            let mut sep = qb.separated(", ");
            for key in chunk {
                sep.push_bind(*key);
            }
            qb.push(") group by key");
            // Not a prepared statement: PostgreSQL's generic plan for a 1,000-parameter `in` list
            // filters it linearly per row (a re-sync of 100,000 objects took minutes); a one-off
            // plan sees the values and hashes them.
            let hits: Vec<(String, i64)> = qb.build_query_as().persistent(false).fetch_all(&mut *c).await?;
            for (key, count) in hits {
                rows += count;
                found.insert(key);
            }
        }
        Ok((found, rows))
    })
}

pub async fn insert_import_links(
    ex: impl Into<Ex<'_>>,
    storage_id: i64,
    links: &[NewImportLink],
) -> Result<()> {
    let now = crate::now();
    with_conn!(ex, |c| {
        for chunk in links.chunks(1000) {
            let mut qb =
                builder(&*c, "insert into import_links (storage_id, task_id, key, row_index, created_at) ");
            qb.push_values(chunk, |mut row, link| {
                row.push_bind(storage_id)
                    .push_bind(link.task_id)
                    .push_bind(link.key.as_str())
                    .push_bind(link.row_index)
                    .push_bind(now);
            });
            qb.build().execute(&mut *c).await?;
        }
        Ok(())
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

/// Records that `annotation_id` was written to `storage_id` at `object_key`, or touches the
/// existing link.
pub async fn upsert_export_link(
    ex: impl Into<Ex<'_>>,
    storage_id: i64,
    annotation_id: i64,
    object_key: &str,
) -> Result<()> {
    let now = crate::now();
    with_conn!(ex, |c| {
        sqlx::query(
            "insert into export_links (storage_id, annotation_id, object_key, created_at, \
             updated_at) values ($1, $2, $3, $4, $4) \
             on conflict (storage_id, annotation_id) \
             do update set object_key = excluded.object_key, updated_at = excluded.updated_at",
        )
        .bind(storage_id)
        .bind(annotation_id)
        .bind(object_key)
        .bind(now)
        .execute(c)
        .await
        .map(|_| ())
    })
}

/// Export links of an annotation: `(storage_id, object_key)`.
pub async fn export_links_of_annotation(
    ex: impl Into<Ex<'_>>,
    annotation_id: i64,
) -> Result<Vec<(i64, String)>> {
    with_conn!(ex, |c| {
        sqlx::query_as::<_, (i64, String)>(
            "select storage_id, object_key from export_links where annotation_id = $1 \
             order by storage_id",
        )
        .bind(annotation_id)
        .fetch_all(c)
        .await
    })
}

pub async fn count_export_links(ex: impl Into<Ex<'_>>, storage_id: i64) -> Result<i64> {
    with_conn!(ex, |c| {
        sqlx::query_scalar::<_, i64>("select count(*) from export_links where storage_id = $1")
            .bind(storage_id)
            .fetch_one(c)
            .await
    })
}
