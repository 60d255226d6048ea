//! Labeling projects. Every query is scoped by organization: a project of another organization
//! is indistinguishable from a missing one.

use chrono::{DateTime, Utc};
use serde_json::{Map, Value};
use sqlx::types::Json;

use crate::conn::with_conn;
use crate::{Ex, Result};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Project {
    pub id: i64,
    pub organization_id: i64,
    pub title: Option<String>,
    pub description: Option<String>,
    pub label_config: String,
    pub expert_instruction: Option<String>,
    pub maximum_annotations: i32,
    pub created_by_id: Option<i64>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Label Studio's remaining project settings, as the client set them.
    pub settings: Json<Map<String, Value>>,
}

/// Counters Label Studio shows on a project.
#[derive(Debug, Clone, Default, sqlx::FromRow)]
pub struct ProjectStats {
    pub project_id: i64,
    pub task_number: i64,
    pub num_tasks_with_annotations: i64,
    pub total_annotations_number: i64,
    pub skipped_annotations_number: i64,
    pub total_predictions_number: i64,
    pub finished_task_number: i64,
    pub ground_truth_number: i64,
}

/// Fields of a new project or of a change to one; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct ProjectFields {
    pub title: Option<Option<String>>,
    pub description: Option<Option<String>>,
    pub label_config: Option<String>,
    pub expert_instruction: Option<Option<String>>,
    pub maximum_annotations: Option<i32>,
    pub settings: Option<Map<String, Value>>,
}

macro_rules! project_columns {
    () => {
        "id, organization_id, title, description, label_config, expert_instruction, \
         maximum_annotations, created_by_id, created_at, updated_at, settings"
    };
}

/// The default label config of a project created without one (Label Studio's default).
pub const DEFAULT_LABEL_CONFIG: &str = "<View></View>";

pub async fn insert(
    ex: impl Into<Ex<'_>>,
    organization_id: i64,
    created_by_id: i64,
    fields: ProjectFields,
) -> Result<Project> {
    let now = crate::now();
    with_conn!(ex, |c| {
        sqlx::query_as::<_, Project>(concat!(
            "insert into projects (organization_id, title, description, label_config, \
             expert_instruction, maximum_annotations, created_by_id, created_at, updated_at, \
             settings) values ($1, $2, $3, $4, $5, $6, $7, $8, $8, $9) returning ",
            project_columns!()
        ))
        .bind(organization_id)
        .bind(fields.title.flatten())
        .bind(fields.description.flatten())
        .bind(fields.label_config.as_deref().unwrap_or(DEFAULT_LABEL_CONFIG))
        .bind(fields.expert_instruction.flatten())
        .bind(fields.maximum_annotations.unwrap_or(1))
        .bind(created_by_id)
        .bind(now)
        .bind(Json(fields.settings.unwrap_or_default()))
        .fetch_one(c)
        .await
    })
}

/// The project `id` if it belongs to `organization_id`.
pub async fn find(ex: impl Into<Ex<'_>>, organization_id: i64, id: i64) -> Result<Option<Project>> {
    with_conn!(ex, |c| {
        sqlx::query_as::<_, Project>(concat!(
            "select ",
            project_columns!(),
            " from projects where id = $1 and organization_id = $2"
        ))
        .bind(id)
        .bind(organization_id)
        .fetch_optional(c)
        .await
    })
}

/// The project `id` whatever its organization: for jobs, which act on behalf of no user.
pub async fn find_unscoped(ex: impl Into<Ex<'_>>, id: i64) -> Result<Option<Project>> {
    with_conn!(ex, |c| {
        sqlx::query_as::<_, Project>(concat!("select ", project_columns!(), " from projects where id = $1"))
            .bind(id)
            .fetch_optional(c)
            .await
    })
}

/// Number of projects of the organization.
pub async fn count(ex: impl Into<Ex<'_>>, organization_id: i64) -> Result<i64> {
    with_conn!(ex, |c| {
        sqlx::query_scalar::<_, i64>("select count(*) from projects where organization_id = $1")
            .bind(organization_id)
            .fetch_one(c)
            .await
    })
}

/// One page of the organization's projects, newest first as Label Studio lists them, and
/// the total count.
pub async fn list(
    ex: impl Into<Ex<'_>>,
    organization_id: i64,
    offset: i64,
    limit: i64,
) -> Result<(Vec<Project>, i64)> {
    with_conn!(ex, |c| {
        let total = sqlx::query_scalar::<_, i64>("select count(*) from projects where organization_id = $1")
            .bind(organization_id)
            .fetch_one(&mut *c)
            .await?;
        let rows = sqlx::query_as::<_, Project>(concat!(
            "select ",
            project_columns!(),
            " from projects where organization_id = $1 order by id desc limit $2 offset $3"
        ))
        .bind(organization_id)
        .bind(limit)
        .bind(offset)
        .fetch_all(c)
        .await?;
        Ok((rows, total))
    })
}

pub async fn update(
    ex: impl Into<Ex<'_>>,
    organization_id: i64,
    id: i64,
    fields: ProjectFields,
) -> Result<Option<Project>> {
    let now = crate::now();
    let set_title = fields.title.is_some();
    let set_description = fields.description.is_some();
    let set_instruction = fields.expert_instruction.is_some();
    with_conn!(ex, |c| {
        sqlx::query_as::<_, Project>(concat!(
            "update projects set \
             title = case when $3 then $4 else title end, \
             description = case when $5 then $6 else description end, \
             label_config = coalesce($7, label_config), \
             expert_instruction = case when $8 then $9 else expert_instruction end, \
             maximum_annotations = coalesce($10, maximum_annotations), \
             settings = coalesce($11, settings), \
             updated_at = $12 \
             where id = $1 and organization_id = $2 returning ",
            project_columns!()
        ))
        .bind(id)
        .bind(organization_id)
        .bind(set_title)
        .bind(fields.title.flatten())
        .bind(set_description)
        .bind(fields.description.flatten())
        .bind(fields.label_config)
        .bind(set_instruction)
        .bind(fields.expert_instruction.flatten())
        .bind(fields.maximum_annotations)
        .bind(fields.settings.map(Json))
        .bind(now)
        .fetch_optional(c)
        .await
    })
}

/// Deletes the project and, by cascade, its tasks, annotations, storages and links.
pub async fn delete(ex: impl Into<Ex<'_>>, organization_id: i64, id: i64) -> Result<bool> {
    with_conn!(ex, |c| {
        sqlx::query("delete from projects where id = $1 and organization_id = $2")
            .bind(id)
            .bind(organization_id)
            .execute(c)
            .await
            .map(|r| r.rows_affected() == 1)
    })
}

/// Reserves `count` consecutive task `inner_id`s and returns the first. The row update
/// serializes concurrent imports into one project.
pub async fn reserve_inner_ids(ex: impl Into<Ex<'_>>, project_id: i64, count: i64) -> Result<i64> {
    with_conn!(ex, |c| {
        sqlx::query_scalar::<_, i64>(
            "update projects set next_inner_id = next_inner_id + $2 where id = $1 \
             returning next_inner_id - $2",
        )
        .bind(project_id)
        .bind(count)
        .fetch_one(c)
        .await
    })
}

/// Counters for each of `project_ids` (projects without tasks get zeros).
pub async fn stats(ex: impl Into<Ex<'_>>, project_ids: &[i64]) -> Result<Vec<ProjectStats>> {
    let mut out = Vec::with_capacity(project_ids.len());
    with_conn!(ex, |c| {
        for &project_id in project_ids {
            let row = sqlx::query_as::<_, ProjectStats>(
                "select $1 as project_id, \
                 (select count(*) from tasks where project_id = $1) as task_number, \
                 (select count(*) from tasks where project_id = $1 and total_annotations > 0) \
                   as num_tasks_with_annotations, \
                 (select count(*) from annotations where project_id = $1 and not was_cancelled) \
                   as total_annotations_number, \
                 (select count(*) from annotations where project_id = $1 and was_cancelled) \
                   as skipped_annotations_number, \
                 (select count(*) from predictions where project_id = $1) \
                   as total_predictions_number, \
                 (select count(*) from tasks where project_id = $1 and is_labeled) \
                   as finished_task_number, \
                 (select count(*) from annotations where project_id = $1 and ground_truth) \
                   as ground_truth_number",
            )
            .bind(project_id)
            .fetch_one(&mut *c)
            .await?;
            out.push(row);
        }
        Ok(out)
    })
}

/// `(id, value)` of the projects whose `task_data_password` setting is a string not starting
/// with `sealed_prefix`: plaintext stored before it was encrypted.
pub async fn unsealed_task_data_passwords(
    ex: impl Into<Ex<'_>>,
    sealed_prefix: &str,
) -> Result<Vec<(i64, String)>> {
    let pattern = format!("{sealed_prefix}%");
    with_conn!(ex, |c| {
        sqlx::query_as(
            "select id, settings ->> 'task_data_password' from projects \
             where settings ->> 'task_data_password' is not null \
             and settings ->> 'task_data_password' not like $1 order by id",
        )
        .bind(&pattern)
        .fetch_all(c)
        .await
    })
}

/// Sets the `task_data_password` setting of project `id` to `new`, only if it is still
/// `expected` (other settings are left alone). True when replaced.
pub async fn replace_task_data_password(
    ex: impl Into<Ex<'_>>,
    id: i64,
    expected: &str,
    new: &str,
) -> Result<bool> {
    with_conn!(ex, |c| {
        let sql = crate::conn::sql_for(
            &*c,
            "update projects set settings = jsonb_set(settings, '{task_data_password}', to_jsonb($3::text)) \
             where id = $1 and settings ->> 'task_data_password' = $2",
            "update projects set settings = json_set(settings, '$.task_data_password', $3) \
             where id = $1 and settings ->> 'task_data_password' = $2",
        );
        sqlx::query(sql).bind(id).bind(expected).bind(new).execute(c).await.map(|r| r.rows_affected() == 1)
    })
}
