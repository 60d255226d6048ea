//! Model predictions attached to tasks.

use chrono::{DateTime, Utc};
use serde_json::Value;
use sqlx::types::Json;

use crate::conn::{builder, with_conn};
use crate::{Ex, Result};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Prediction {
    pub id: i64,
    pub task_id: i64,
    pub project_id: i64,
    pub result: Json<Value>,
    pub score: Option<f64>,
    pub model_version: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone)]
pub struct NewPrediction {
    pub task_id: i64,
    pub project_id: i64,
    pub result: Value,
    pub score: Option<f64>,
    pub model_version: String,
}

macro_rules! prediction_columns {
    () => {
        "id, task_id, project_id, result, score, model_version, created_at, updated_at"
    };
}

pub async fn insert_many(ex: impl Into<Ex<'_>>, predictions: &[NewPrediction]) -> Result<()> {
    let now = crate::now();
    with_conn!(ex, |c| {
        for chunk in predictions.chunks(1000) {
            let mut qb = builder(
                &*c,
                "insert into predictions (task_id, project_id, result, \
                score, model_version, created_at, updated_at) ",
            );
            qb.push_values(chunk, |mut row, p| {
                row.push_bind(p.task_id)
                    .push_bind(p.project_id)
                    .push_bind(Json(&p.result))
                    .push_bind(p.score)
                    .push_bind(p.model_version.as_str())
                    .push_bind(now)
                    .push_bind(now);
            });
            qb.build().execute(&mut *c).await?;
        }
        Ok(())
    })
}

pub async fn insert(ex: impl Into<Ex<'_>>, p: &NewPrediction) -> Result<Prediction> {
    let now = crate::now();
    with_conn!(ex, |c| {
        sqlx::query_as::<_, Prediction>(concat!(
            "insert into predictions (task_id, project_id, result, score, model_version, \
             created_at, updated_at) values ($1, $2, $3, $4, $5, $6, $6) returning ",
            prediction_columns!()
        ))
        .bind(p.task_id)
        .bind(p.project_id)
        .bind(Json(&p.result))
        .bind(p.score)
        .bind(p.model_version.as_str())
        .bind(now)
        .fetch_one(c)
        .await
    })
}

/// Predictions of several tasks in (task, id) order.
pub async fn list_for_tasks(ex: impl Into<Ex<'_>>, task_ids: &[i64]) -> Result<Vec<Prediction>> {
    if task_ids.is_empty() {
        return Ok(Vec::new());
    }
    with_conn!(ex, |c| {
        let mut qb =
            builder(&*c, concat!("select ", prediction_columns!(), " from predictions where task_id in ("));
        let mut sep = qb.separated(", ");
        for id in task_ids {
            sep.push_bind(*id);
        }
        qb.push(") order by task_id, id");
        qb.build_query_as::<Prediction>().fetch_all(c).await
    })
}

/// The prediction `id` if its project belongs to `organization_id`.
pub async fn find(ex: impl Into<Ex<'_>>, organization_id: i64, id: i64) -> Result<Option<Prediction>> {
    with_conn!(ex, |c| {
        sqlx::query_as::<_, Prediction>(
            "select p.id, p.task_id, p.project_id, p.result, p.score, p.model_version, \
             p.created_at, p.updated_at from predictions p \
             join projects pr on pr.id = p.project_id \
             where p.id = $1 and pr.organization_id = $2",
        )
        .bind(id)
        .bind(organization_id)
        .fetch_optional(c)
        .await
    })
}

/// Predictions of a project in id order.
pub async fn list_for_project(ex: impl Into<Ex<'_>>, project_id: i64) -> Result<Vec<Prediction>> {
    with_conn!(ex, |c| {
        sqlx::query_as::<_, Prediction>(concat!(
            "select ",
            prediction_columns!(),
            " from predictions where project_id = $1 order by id"
        ))
        .bind(project_id)
        .fetch_all(c)
        .await
    })
}

/// Predictions of every project of an organization, in id order.
pub async fn list_for_organization(ex: impl Into<Ex<'_>>, organization_id: i64) -> Result<Vec<Prediction>> {
    with_conn!(ex, |c| {
        sqlx::query_as::<_, Prediction>(
            "select p.id, p.task_id, p.project_id, p.result, p.score, p.model_version, \
             p.created_at, p.updated_at from predictions p \
             join projects pr on pr.id = p.project_id \
             where pr.organization_id = $1 order by p.id",
        )
        .bind(organization_id)
        .fetch_all(c)
        .await
    })
}

/// Changes of a prediction through the API; `None` leaves a field as it is, and
/// `score: Some(None)` clears the score.
#[derive(Debug, Clone, Default)]
pub struct PredictionChanges {
    pub result: Option<Value>,
    pub score: Option<Option<f64>>,
    pub model_version: Option<String>,
}

pub async fn update(
    ex: impl Into<Ex<'_>>,
    id: i64,
    changes: PredictionChanges,
) -> Result<Option<Prediction>> {
    let now = crate::now();
    let set_score = changes.score.is_some();
    with_conn!(ex, |c| {
        sqlx::query_as::<_, Prediction>(concat!(
            "update predictions set result = coalesce($2, result), \
             score = case when $3 then $4 else score end, \
             model_version = coalesce($5, model_version), updated_at = $6 \
             where id = $1 returning ",
            prediction_columns!()
        ))
        .bind(id)
        .bind(changes.result.map(Json))
        .bind(set_score)
        .bind(changes.score.flatten())
        .bind(changes.model_version)
        .bind(now)
        .fetch_optional(c)
        .await
    })
}

pub async fn delete(ex: impl Into<Ex<'_>>, id: i64) -> Result<bool> {
    with_conn!(ex, |c| {
        sqlx::query("delete from predictions where id = $1")
            .bind(id)
            .execute(c)
            .await
            .map(|r| r.rows_affected() == 1)
    })
}
