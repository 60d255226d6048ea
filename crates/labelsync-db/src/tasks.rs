//! Labeling tasks. Reads are scoped by organization through the task's project.

use chrono::{DateTime, Utc};
use serde_json::Value;
use sqlx::types::Json;

use crate::conn::{builder, by_dialect, with_conn};
use crate::{Ex, Result};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Task {
    pub id: i64,
    pub project_id: i64,
    pub data: Json<Value>,
    pub meta: Json<Value>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub is_labeled: bool,
    pub overlap: i32,
    pub inner_id: i64,
    pub total_annotations: i32,
    pub cancelled_annotations: i32,
    pub total_predictions: i32,
    pub allow_skip: bool,
    pub updated_by_id: Option<i64>,
    /// Key of the object the task was imported from, if it came from a storage.
    pub storage_filename: Option<String>,
    /// The import storage the task came from, if any (Label Studio's fallback for resolving
    /// media URIs no other storage claims).
    pub import_storage_id: Option<i64>,
}

/// A task to insert. Counters are set by the caller (they already know the annotations and
/// predictions that come with it).
#[derive(Debug, Clone)]
pub struct NewTask {
    pub data: Value,
    pub meta: Value,
    pub inner_id: i64,
    pub overlap: i32,
    pub is_labeled: bool,
    pub total_annotations: i32,
    pub cancelled_annotations: i32,
    pub total_predictions: i32,
    pub allow_skip: bool,
}

macro_rules! task_select {
    () => {
        "select t.id, t.project_id, t.data, t.meta, t.created_at, t.updated_at, t.is_labeled, \
         t.overlap, t.inner_id, t.total_annotations, t.cancelled_annotations, \
         t.total_predictions, t.allow_skip, t.updated_by_id, l.key as storage_filename, \
         l.storage_id as import_storage_id \
         from tasks t left join import_links l on l.task_id = t.id "
    };
}

/// Rows per multi-row insert: well under SQLite's 32,766 bound parameters.
pub const INSERT_CHUNK: usize = 1000;

/// Inserts `tasks` into `project_id` and returns their ids in the same order.
///
/// PostgreSQL gets one statement of column arrays (`unnest`): a dozen binds whatever the
/// count, one plan, and no 12,000-parameter statement to encode and parse per batch. SQLite
/// has no arrays and takes multi-row `values` in chunks.
///
/// On PostgreSQL tasks have no row-level foreign key to their project (migration 0010): the
/// project is locked here once per batch, `for key share` as the check would for every row, so a
/// project deleted meanwhile either waits for this transaction (and its delete then takes these
/// tasks) or fails it with [`sqlx::Error::RowNotFound`].
pub async fn insert_many(ex: impl Into<Ex<'_>>, project_id: i64, tasks: &[NewTask]) -> Result<Vec<i64>> {
    if tasks.is_empty() {
        return Ok(Vec::new());
    }
    let now = crate::now();
    let rows: Vec<(i64, i64)> = by_dialect!(
        ex,
        postgres | c | {
            sqlx::query_as(
                "insert into tasks (project_id, data, meta, created_at, updated_at, is_labeled, \
                 overlap, inner_id, total_annotations, cancelled_annotations, total_predictions, \
                 allow_skip) \
                 select $1, t.data, t.meta, $2, $2, t.is_labeled, t.overlap, t.inner_id, \
                 t.total_annotations, t.cancelled_annotations, t.total_predictions, t.allow_skip \
                 from unnest($3::jsonb[], $4::jsonb[], $5::bool[], $6::int4[], $7::int8[], \
                 $8::int4[], $9::int4[], $10::int4[], $11::bool[]) as t(data, meta, is_labeled, \
                 overlap, inner_id, total_annotations, cancelled_annotations, total_predictions, \
                 allow_skip) \
                 where exists (select 1 from projects p where p.id = $1 for key share) \
                 returning id, inner_id",
            )
            .bind(project_id)
            .bind(now)
            .bind(tasks.iter().map(|t| Json(&t.data)).collect::<Vec<_>>())
            .bind(tasks.iter().map(|t| Json(&t.meta)).collect::<Vec<_>>())
            .bind(tasks.iter().map(|t| t.is_labeled).collect::<Vec<_>>())
            .bind(tasks.iter().map(|t| t.overlap).collect::<Vec<_>>())
            .bind(tasks.iter().map(|t| t.inner_id).collect::<Vec<_>>())
            .bind(tasks.iter().map(|t| t.total_annotations).collect::<Vec<_>>())
            .bind(tasks.iter().map(|t| t.cancelled_annotations).collect::<Vec<_>>())
            .bind(tasks.iter().map(|t| t.total_predictions).collect::<Vec<_>>())
            .bind(tasks.iter().map(|t| t.allow_skip).collect::<Vec<_>>())
            .fetch_all(&mut *c)
            .await?
        },
        sqlite | c | {
            let now = crate::time::sqlite_text(now);
            let mut rows = Vec::with_capacity(tasks.len());
            for chunk in tasks.chunks(INSERT_CHUNK) {
                let mut qb = builder(
                    &*c,
                    "insert into tasks (project_id, data, meta, created_at, \
                    updated_at, is_labeled, overlap, inner_id, total_annotations, \
                    cancelled_annotations, total_predictions, allow_skip) ",
                );
                qb.push_values(chunk, |mut row, task| {
                    row.push_bind(project_id)
                        .push_bind(Json(&task.data))
                        .push_bind(Json(&task.meta))
                        .push_bind(now.as_str())
                        .push_bind(now.as_str())
                        .push_bind(task.is_labeled)
                        .push_bind(task.overlap)
                        .push_bind(task.inner_id)
                        .push_bind(task.total_annotations)
                        .push_bind(task.cancelled_annotations)
                        .push_bind(task.total_predictions)
                        .push_bind(task.allow_skip);
                });
                qb.push(" returning id, inner_id");
                rows.extend(qb.build_query_as::<(i64, i64)>().fetch_all(&mut *c).await?);
            }
            rows
        },
    );
    if rows.is_empty() {
        return Err(sqlx::Error::RowNotFound); // the project is gone
    }
    // RETURNING order is not promised by either database; inner ids are unique.
    let by_inner: std::collections::HashMap<i64, i64> =
        rows.into_iter().map(|(id, inner)| (inner, id)).collect();
    tasks
        .iter()
        .map(|task| {
            by_inner.get(&task.inner_id).copied().ok_or_else(|| {
                sqlx::Error::Protocol(format!("task with inner id {} not returned", task.inner_id))
            })
        })
        .collect()
}

/// The task `id` if its project belongs to `organization_id`.
pub async fn find(ex: impl Into<Ex<'_>>, organization_id: i64, id: i64) -> Result<Option<Task>> {
    with_conn!(ex, |c| {
        sqlx::query_as::<_, Task>(concat!(
            task_select!(),
            "join projects p on p.id = t.project_id where t.id = $1 and p.organization_id = $2"
        ))
        .bind(id)
        .bind(organization_id)
        .fetch_optional(c)
        .await
    })
}

/// The task `id` whatever its organization: for jobs.
pub async fn find_unscoped(ex: impl Into<Ex<'_>>, id: i64) -> Result<Option<Task>> {
    with_conn!(ex, |c| {
        sqlx::query_as::<_, Task>(concat!(task_select!(), "where t.id = $1")).bind(id).fetch_optional(c).await
    })
}

/// One page of a project's tasks in id order, and the project's task count.
pub async fn list(
    ex: impl Into<Ex<'_>>,
    project_id: i64,
    offset: i64,
    limit: i64,
) -> Result<(Vec<Task>, i64)> {
    with_conn!(ex, |c| {
        let total = sqlx::query_scalar::<_, i64>("select count(*) from tasks where project_id = $1")
            .bind(project_id)
            .fetch_one(&mut *c)
            .await?;
        let rows = sqlx::query_as::<_, Task>(concat!(
            task_select!(),
            "where t.project_id = $1 order by t.id limit $2 offset $3"
        ))
        .bind(project_id)
        .bind(limit)
        .bind(offset)
        .fetch_all(c)
        .await?;
        Ok((rows, total))
    })
}

/// Totals of a project for `/api/tasks/`: tasks, non-cancelled annotations, predictions.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, sqlx::FromRow)]
pub struct ProjectTotals {
    pub tasks: i64,
    pub annotations: i64,
    pub predictions: i64,
}

pub async fn totals(ex: impl Into<Ex<'_>>, project_id: i64) -> Result<ProjectTotals> {
    with_conn!(ex, |c| {
        sqlx::query_as::<_, ProjectTotals>(
            "select count(*) as tasks, \
             cast(coalesce(sum(total_annotations), 0) as bigint) as annotations, \
             cast(coalesce(sum(total_predictions), 0) as bigint) as predictions \
             from tasks where project_id = $1",
        )
        .bind(project_id)
        .fetch_one(c)
        .await
    })
}

/// One page of a project's tasks, most recently updated first (the order of
/// `/api/projects/{id}/tasks/`).
pub async fn list_recent(
    ex: impl Into<Ex<'_>>,
    project_id: i64,
    offset: i64,
    limit: i64,
) -> Result<Vec<Task>> {
    with_conn!(ex, |c| {
        sqlx::query_as::<_, Task>(concat!(
            task_select!(),
            "where t.project_id = $1 order by t.updated_at desc, t.id desc limit $2 offset $3"
        ))
        .bind(project_id)
        .bind(limit)
        .bind(offset)
        .fetch_all(c)
        .await
    })
}

/// The tasks of a project that come after `after` (the `(updated_at, id)` of the last task
/// seen) in [`list_recent`]'s order: keyset paging, so serving a whole project
/// (`page_size=-1`) holds one bounded chunk at a time.
pub async fn list_recent_after(
    ex: impl Into<Ex<'_>>,
    project_id: i64,
    after: Option<(DateTime<Utc>, i64)>,
    limit: i64,
) -> Result<Vec<Task>> {
    let Some((updated_at, id)) = after else {
        return list_recent(ex, project_id, 0, limit).await;
    };
    with_conn!(ex, |c| {
        sqlx::query_as::<_, Task>(concat!(
            task_select!(),
            "where t.project_id = $1 and (t.updated_at < $2 or (t.updated_at = $2 and t.id < $3)) \
             order by t.updated_at desc, t.id desc limit $4"
        ))
        .bind(project_id)
        .bind(updated_at)
        .bind(id)
        .bind(limit)
        .fetch_all(c)
        .await
    })
}

/// Tasks of a project with ids greater than `after_id`, in id order (keyset paging for
/// exports, which must not hold a whole project in memory).
pub async fn list_after(
    ex: impl Into<Ex<'_>>,
    project_id: i64,
    after_id: i64,
    limit: i64,
) -> Result<Vec<Task>> {
    with_conn!(ex, |c| {
        sqlx::query_as::<_, Task>(concat!(
            task_select!(),
            "where t.project_id = $1 and t.id > $2 order by t.id limit $3"
        ))
        .bind(project_id)
        .bind(after_id)
        .bind(limit)
        .fetch_all(c)
        .await
    })
}

/// Changes of a task through the API; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct TaskChanges {
    pub data: Option<Value>,
    pub meta: Option<Value>,
    pub is_labeled: Option<bool>,
    pub overlap: Option<i32>,
    pub allow_skip: Option<bool>,
}

pub async fn update(ex: impl Into<Ex<'_>>, id: i64, changes: TaskChanges, updated_by_id: i64) -> Result<()> {
    let now = crate::now();
    with_conn!(ex, |c| {
        sqlx::query(
            "update tasks set data = coalesce($2, data), meta = coalesce($3, meta), \
             is_labeled = coalesce($4, is_labeled), overlap = coalesce($5, overlap), \
             allow_skip = coalesce($6, allow_skip), updated_by_id = $7, updated_at = $8 \
             where id = $1",
        )
        .bind(id)
        .bind(changes.data.map(Json))
        .bind(changes.meta.map(Json))
        .bind(changes.is_labeled)
        .bind(changes.overlap)
        .bind(changes.allow_skip)
        .bind(updated_by_id)
        .bind(now)
        .execute(c)
        .await
        .map(|_| ())
    })
}

/// Deletes tasks `ids` of project `project_id` (with their annotations, predictions and links)
/// and returns how many there were.
pub async fn delete_many(ex: impl Into<Ex<'_>>, project_id: i64, ids: &[i64]) -> Result<u64> {
    with_conn!(ex, |c| {
        let mut deleted = 0;
        for chunk in ids.chunks(INSERT_CHUNK) {
            let mut qb = builder(&*c, "delete from tasks where project_id = ");
            qb.push_bind(project_id);
            qb.push(" and id in (");
            let mut sep = qb.separated(", ");
            for id in chunk {
                sep.push_bind(*id);
            }
            qb.push(")");
            deleted += qb.build().execute(&mut *c).await?.rows_affected();
        }
        Ok(deleted)
    })
}

/// Replaces the `data` of tasks (a storage object they came from changed); `updated_at` moves,
/// `updated_by` is left as it is.
pub async fn replace_data(ex: impl Into<Ex<'_>>, updates: &[(i64, Value)]) -> Result<()> {
    let now = crate::now();
    with_conn!(ex, |c| {
        for (id, data) in updates {
            sqlx::query("update tasks set data = $2, updated_at = $3 where id = $1")
                .bind(id)
                .bind(Json(data))
                .bind(now)
                .execute(&mut *c)
                .await?;
        }
        Ok(())
    })
}

/// Deletes every task of a project (with their annotations, predictions and links) and
/// returns their ids.
pub async fn delete_all(ex: impl Into<Ex<'_>>, project_id: i64) -> Result<Vec<i64>> {
    with_conn!(ex, |c| {
        sqlx::query_scalar::<_, i64>("delete from tasks where project_id = $1 returning id")
            .bind(project_id)
            .fetch_all(c)
            .await
    })
}

/// Recomputes a task's annotation counters and `is_labeled` from its annotations, as
/// Label Studio does after every annotation change.
pub async fn refresh_counters(ex: impl Into<Ex<'_>>, id: i64) -> Result<()> {
    with_conn!(ex, |c| {
        sqlx::query(
            "update tasks set \
             total_annotations = (select count(*) from annotations a \
                                  where a.task_id = tasks.id and not a.was_cancelled), \
             cancelled_annotations = (select count(*) from annotations a \
                                      where a.task_id = tasks.id and a.was_cancelled), \
             total_predictions = (select count(*) from predictions p where p.task_id = tasks.id), \
             is_labeled = ((select count(*) from annotations a where a.task_id = tasks.id) \
                           >= tasks.overlap) \
             where id = $1",
        )
        .bind(id)
        .execute(c)
        .await
        .map(|_| ())
    })
}

/// Tasks `ids` whatever their organization, in id order (for event payloads).
pub async fn find_many(ex: impl Into<Ex<'_>>, ids: &[i64]) -> Result<Vec<Task>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    with_conn!(ex, |c| {
        let mut found = Vec::with_capacity(ids.len());
        for chunk in ids.chunks(INSERT_CHUNK) {
            let mut qb = builder(&*c, concat!(task_select!(), "where t.id in ("));
            let mut sep = qb.separated(", ");
            for id in chunk {
                sep.push_bind(*id);
            }
            qb.push(") order by t.id");
            found.extend(qb.build_query_as::<Task>().fetch_all(&mut *c).await?);
        }
        Ok(found)
    })
}
