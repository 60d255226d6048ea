//! Annotations of tasks. Reads are scoped by organization through the annotation's project.

use chrono::{DateTime, Utc};
use serde_json::Value;
use sqlx::types::Json;

use crate::conn::{builder, with_conn};
use crate::{Ex, Result};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Annotation {
    pub id: i64,
    pub task_id: i64,
    pub project_id: i64,
    pub completed_by_id: Option<i64>,
    pub result: Json<Value>,
    pub was_cancelled: bool,
    pub ground_truth: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub draft_created_at: Option<DateTime<Utc>>,
    pub lead_time: Option<f64>,
    pub import_id: Option<i64>,
    pub last_action: Option<String>,
    pub bulk_created: bool,
    pub updated_by_id: Option<i64>,
    pub parent_prediction_id: Option<i64>,
    pub parent_annotation_id: Option<i64>,
    pub last_created_by_id: Option<i64>,
    pub unique_id: String,
}

/// An annotation to insert.
#[derive(Debug, Clone)]
pub struct NewAnnotation {
    pub task_id: i64,
    pub project_id: i64,
    pub completed_by_id: Option<i64>,
    pub result: Value,
    pub was_cancelled: bool,
    pub ground_truth: bool,
    pub lead_time: Option<f64>,
    pub draft_created_at: Option<DateTime<Utc>>,
    pub import_id: Option<i64>,
    pub last_action: Option<String>,
    pub parent_prediction_id: Option<i64>,
    pub parent_annotation_id: Option<i64>,
    pub bulk_created: bool,
    /// Who last changed it: the author for annotations made through the API, `None` for
    /// imported ones (as Label Studio shows them).
    pub updated_by_id: Option<i64>,
}

macro_rules! annotation_columns {
    ($p:literal) => {
        concat!(
            $p,
            "id, ",
            $p,
            "task_id, ",
            $p,
            "project_id, ",
            $p,
            "completed_by_id, ",
            $p,
            "result, ",
            $p,
            "was_cancelled, ",
            $p,
            "ground_truth, ",
            $p,
            "created_at, ",
            $p,
            "updated_at, ",
            $p,
            "draft_created_at, ",
            $p,
            "lead_time, ",
            $p,
            "import_id, ",
            $p,
            "last_action, ",
            $p,
            "bulk_created, ",
            $p,
            "updated_by_id, ",
            $p,
            "parent_prediction_id, ",
            $p,
            "parent_annotation_id, ",
            $p,
            "last_created_by_id, ",
            $p,
            "unique_id"
        )
    };
}

/// Inserts `annotations` and returns their ids in the same order.
pub async fn insert_many(ex: impl Into<Ex<'_>>, annotations: &[NewAnnotation]) -> Result<Vec<i64>> {
    let now = crate::now();
    let mut ids = Vec::with_capacity(annotations.len());
    with_conn!(ex, |c| {
        for chunk in annotations.chunks(500) {
            let uids: Vec<String> = chunk.iter().map(|_| uuid::Uuid::new_v4().to_string()).collect();
            let mut qb = builder(
                &*c,
                "insert into annotations (task_id, project_id, \
                completed_by_id, result, was_cancelled, ground_truth, created_at, updated_at, \
                draft_created_at, lead_time, import_id, last_action, bulk_created, \
                updated_by_id, parent_prediction_id, parent_annotation_id, unique_id) ",
            );
            qb.push_values(chunk.iter().zip(&uids), |mut row, (a, uid)| {
                row.push_bind(a.task_id)
                    .push_bind(a.project_id)
                    .push_bind(a.completed_by_id)
                    .push_bind(Json(&a.result))
                    .push_bind(a.was_cancelled)
                    .push_bind(a.ground_truth)
                    .push_bind(now)
                    .push_bind(now)
                    .push_bind(a.draft_created_at)
                    .push_bind(a.lead_time)
                    .push_bind(a.import_id)
                    .push_bind(a.last_action.as_deref())
                    .push_bind(a.bulk_created)
                    .push_bind(a.updated_by_id)
                    .push_bind(a.parent_prediction_id)
                    .push_bind(a.parent_annotation_id)
                    .push_bind(uid.as_str());
            });
            qb.push(" returning id, unique_id");
            let rows: Vec<(i64, String)> = qb.build_query_as().fetch_all(&mut *c).await?;
            let by_uid: std::collections::HashMap<String, i64> =
                rows.into_iter().map(|(id, uid)| (uid, id)).collect();
            for uid in &uids {
                ids.push(
                    by_uid
                        .get(uid)
                        .copied()
                        .ok_or_else(|| sqlx::Error::Protocol(format!("annotation {uid} not returned")))?,
                );
            }
        }
        Ok(ids)
    })
}

/// Inserts one annotation and returns it as stored.
pub async fn insert(ex: impl Into<Ex<'_>>, a: &NewAnnotation) -> Result<Annotation> {
    let now = crate::now();
    let uid = uuid::Uuid::new_v4().to_string();
    with_conn!(ex, |c| {
        sqlx::query_as::<_, Annotation>(concat!(
            "insert into annotations (task_id, project_id, completed_by_id, result, \
             was_cancelled, ground_truth, created_at, updated_at, draft_created_at, lead_time, \
             import_id, last_action, bulk_created, updated_by_id, parent_prediction_id, \
             parent_annotation_id, unique_id) \
             values ($1, $2, $3, $4, $5, $6, $7, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16) \
             returning ",
            annotation_columns!("")
        ))
        .bind(a.task_id)
        .bind(a.project_id)
        .bind(a.completed_by_id)
        .bind(Json(&a.result))
        .bind(a.was_cancelled)
        .bind(a.ground_truth)
        .bind(now)
        .bind(a.draft_created_at)
        .bind(a.lead_time)
        .bind(a.import_id)
        .bind(a.last_action.as_deref())
        .bind(a.bulk_created)
        .bind(a.updated_by_id)
        .bind(a.parent_prediction_id)
        .bind(a.parent_annotation_id)
        .bind(uid.as_str())
        .fetch_one(c)
        .await
    })
}

/// The annotation `id` if its project belongs to `organization_id`.
pub async fn find(ex: impl Into<Ex<'_>>, organization_id: i64, id: i64) -> Result<Option<Annotation>> {
    with_conn!(ex, |c| {
        sqlx::query_as::<_, Annotation>(concat!(
            "select ",
            annotation_columns!("a."),
            " from annotations a join projects p on p.id = a.project_id \
             where a.id = $1 and p.organization_id = $2"
        ))
        .bind(id)
        .bind(organization_id)
        .fetch_optional(c)
        .await
    })
}

/// The annotation `id` whatever its organization: for jobs.
pub async fn find_unscoped(ex: impl Into<Ex<'_>>, id: i64) -> Result<Option<Annotation>> {
    with_conn!(ex, |c| {
        sqlx::query_as::<_, Annotation>(concat!(
            "select ",
            annotation_columns!(""),
            " from annotations where id = $1"
        ))
        .bind(id)
        .fetch_optional(c)
        .await
    })
}

/// Annotations of one task in id order.
pub async fn list_for_task(ex: impl Into<Ex<'_>>, task_id: i64) -> Result<Vec<Annotation>> {
    with_conn!(ex, |c| {
        sqlx::query_as::<_, Annotation>(concat!(
            "select ",
            annotation_columns!(""),
            " from annotations where task_id = $1 order by id"
        ))
        .bind(task_id)
        .fetch_all(c)
        .await
    })
}

/// Annotations of several tasks in (task, id) order, for task lists and exports.
pub async fn list_for_tasks(ex: impl Into<Ex<'_>>, task_ids: &[i64]) -> Result<Vec<Annotation>> {
    if task_ids.is_empty() {
        return Ok(Vec::new());
    }
    with_conn!(ex, |c| {
        let mut qb =
            builder(&*c, concat!("select ", annotation_columns!(""), " from annotations where task_id in ("));
        let mut sep = qb.separated(", ");
        for id in task_ids {
            sep.push_bind(*id);
        }
        qb.push(") order by task_id, id");
        qb.build_query_as::<Annotation>().fetch_all(c).await
    })
}

/// Annotations of a project with ids greater than `after_id`, in id order (keyset paging for
/// a full re-export).
pub async fn list_for_project_after(
    ex: impl Into<Ex<'_>>,
    project_id: i64,
    after_id: i64,
    limit: i64,
) -> Result<Vec<Annotation>> {
    with_conn!(ex, |c| {
        sqlx::query_as::<_, Annotation>(concat!(
            "select ",
            annotation_columns!(""),
            " from annotations where project_id = $1 and id > $2 order by id limit $3"
        ))
        .bind(project_id)
        .bind(after_id)
        .bind(limit)
        .fetch_all(c)
        .await
    })
}

pub async fn count_for_project(ex: impl Into<Ex<'_>>, project_id: i64) -> Result<i64> {
    with_conn!(ex, |c| {
        sqlx::query_scalar::<_, i64>("select count(*) from annotations where project_id = $1")
            .bind(project_id)
            .fetch_one(c)
            .await
    })
}

/// Changes of an annotation through the API; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct AnnotationChanges {
    pub result: Option<Value>,
    pub was_cancelled: Option<bool>,
    pub ground_truth: Option<bool>,
    pub lead_time: Option<f64>,
    pub last_action: Option<String>,
}

pub async fn update(
    ex: impl Into<Ex<'_>>,
    id: i64,
    changes: AnnotationChanges,
    updated_by_id: i64,
) -> Result<()> {
    let now = crate::now();
    with_conn!(ex, |c| {
        sqlx::query(
            "update annotations set result = coalesce($2, result), \
             was_cancelled = coalesce($3, was_cancelled), \
             ground_truth = coalesce($4, ground_truth), lead_time = coalesce($5, lead_time), \
             last_action = coalesce($6, last_action), updated_by_id = $7, updated_at = $8 \
             where id = $1",
        )
        .bind(id)
        .bind(changes.result.map(Json))
        .bind(changes.was_cancelled)
        .bind(changes.ground_truth)
        .bind(changes.lead_time)
        .bind(changes.last_action)
        .bind(updated_by_id)
        .bind(now)
        .execute(c)
        .await
        .map(|_| ())
    })
}

pub async fn delete(ex: impl Into<Ex<'_>>, id: i64) -> Result<bool> {
    with_conn!(ex, |c| {
        sqlx::query("delete from annotations where id = $1")
            .bind(id)
            .execute(c)
            .await
            .map(|r| r.rows_affected() == 1)
    })
}

/// `(annotation id, task id)` of every annotation of a task, in id order: what is about to
/// disappear when the task is deleted.
pub async fn refs_for_task(ex: impl Into<Ex<'_>>, task_id: i64) -> Result<Vec<(i64, i64)>> {
    with_conn!(ex, |c| {
        sqlx::query_as::<_, (i64, i64)>("select id, task_id from annotations where task_id = $1 order by id")
            .bind(task_id)
            .fetch_all(c)
            .await
    })
}

/// `(annotation id, task id)` of every annotation of a project, in id order.
pub async fn refs_for_project(ex: impl Into<Ex<'_>>, project_id: i64) -> Result<Vec<(i64, i64)>> {
    with_conn!(ex, |c| {
        sqlx::query_as::<_, (i64, i64)>(
            "select id, task_id from annotations where project_id = $1 order by id",
        )
        .bind(project_id)
        .fetch_all(c)
        .await
    })
}

/// `(annotation id, task id)` of every annotation of tasks `task_ids`, in id order.
pub async fn refs_for_tasks(ex: impl Into<Ex<'_>>, task_ids: &[i64]) -> Result<Vec<(i64, i64)>> {
    with_conn!(ex, |c| {
        let mut refs = Vec::new();
        for chunk in task_ids.chunks(1000) {
            let mut qb = builder(&*c, "select id, task_id from annotations where task_id in (");
            let mut sep = qb.separated(", ");
            for id in chunk {
                sep.push_bind(*id);
            }
            qb.push(") order by id");
            refs.extend(qb.build_query_as::<(i64, i64)>().fetch_all(&mut *c).await?);
        }
        Ok(refs)
    })
}
