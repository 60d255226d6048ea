use std::time::Instant;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use labelsync_sync::label_config::LabelConfig;
use labelsync_sync::tasks::{create_tasks, validate_import};
use serde_json::{Map, Value};

use super::json::{self, ImportBody, ImportQuery, ImportSummary};
use crate::error::{ApiError, ApiResult};
use crate::extract::{AnyBody, AuthUser, Path, Query};
use crate::state::AppState;

/// Import tasks (managers and administrators): a JSON array of tasks or one task, each flat
/// (`{"image_url": …}` is the data) or wrapped (`{"data": {…}, "annotations": […],
/// "predictions": […], "meta": {…}}`), checked against the label config with Label Studio's
/// messages. All or nothing: one bad item rejects the upload and nothing is written.
/// `?return_task_ids=true` adds `task_ids`; `?commit_to_project=false` only counts.
#[utoipa::path(post, path = "/api/projects/{id}/import", tag = "import",
    params(("id" = i64, Path, description = "Project id"),
           ("return_task_ids" = Option<bool>, Query, description = "Add the new tasks' ids to the response"),
           ("commit_to_project" = Option<bool>, Query, description = "false: validate and count only")),
    request_body(content = ImportBody, description = "A task or an array of tasks"),
    responses((status = 201, description = "What was created", body = ImportSummary), (status = 400, description = "Invalid tasks"),
               (status = 403, description = "Annotators cannot import"), (status = 404, description = "No such project"),
               (status = 413, description = "Body too large")))]
pub async fn import_tasks(
    State(app): State<AppState>,
    auth: AuthUser,
    Path(id): Path<i64>,
    Query(query): Query<ImportQuery>,
    AnyBody(body): AnyBody,
) -> ApiResult<(StatusCode, Json<ImportSummary>)> {
    let started = Instant::now();
    let project = crate::projects::load(&app.db, &auth, id).await?;
    auth.require_manager()?;
    let (return_ids, commit) = (query.return_task_ids()?, query.commit_to_project()?);
    let config = LabelConfig::parse(&project.label_config).map_err(ApiError::internal)?;
    let candidates = validate_import(json::items(body)?, &config).map_err(|rejected| {
        let mut errors = Map::new();
        errors.insert("non_field_errors".into(), Value::Array(rejected.0));
        ApiError::Validation(errors)
    })?;
    let task_count = candidates.len();
    if !commit {
        let summary = ImportSummary::new(task_count, None, started.elapsed().as_secs_f64(), None);
        return Ok((StatusCode::CREATED, Json(summary)));
    }
    let mut tx = app.db.begin().await?;
    let created = create_tasks(&mut tx, &project, candidates, None, Some(auth.user.id)).await?;
    tx.commit().await?;
    // Export jobs were enqueued with the change; start them now.
    app.queue.wake();
    let summary = ImportSummary::new(
        task_count,
        Some((created.annotation_ids.len(), created.prediction_count)),
        started.elapsed().as_secs_f64(),
        return_ids.then_some(created.task_ids),
    );
    Ok((StatusCode::CREATED, Json(summary)))
}
