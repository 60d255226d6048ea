use axum::Json;
use axum::extract::State;
use labelsync_db::predictions;
use serde::Deserialize;

use super::json::PredictionApi;
use crate::error::{ApiError, ApiResult};
use crate::extract::{AuthUser, Query};
use crate::state::AppState;

#[derive(Debug, Deserialize)]
pub struct PredictionFilter {
    task: Option<String>,
    project: Option<String>,
}

/// Predictions of a task (`?task=`), of a project (`?project=`) or of the whole
/// organization, in id order, as a bare list. An unknown task or project is Label Studio's
/// 400 `"Select a valid choice."` (so is another organization's).
#[utoipa::path(get, path = "/api/predictions/", tag = "predictions",
    params(("task" = Option<i64>, Query, description = "Only this task's predictions"),
           ("project" = Option<i64>, Query, description = "Only this project's predictions")),
    responses((status = 200, description = "The predictions", body = Vec<PredictionApi>), (status = 400, description = "Unknown task or project")))]
pub async fn list_predictions(
    State(app): State<AppState>,
    auth: AuthUser,
    Query(filter): Query<PredictionFilter>,
) -> ApiResult<Json<Vec<PredictionApi>>> {
    let predictions = if let Some(task) = filter.task.as_deref() {
        let task = match task.trim().parse::<i64>() {
            Ok(id) => labelsync_db::tasks::find(&app.db, auth.org_id, id).await?,
            Err(_) => None,
        };
        let task = task.ok_or_else(|| invalid_choice("task"))?;
        predictions::list_for_tasks(&app.db, &[task.id]).await?
    } else if let Some(project) = filter.project.as_deref() {
        let project = match project.trim().parse::<i64>() {
            Ok(id) => labelsync_db::projects::find(&app.db, auth.org_id, id).await?,
            Err(_) => None,
        };
        let project = project.ok_or_else(|| invalid_choice("project"))?;
        predictions::list_for_project(&app.db, project.id).await?
    } else {
        predictions::list_for_organization(&app.db, auth.org_id).await?
    };
    Ok(Json(predictions.iter().map(PredictionApi::new).collect()))
}

fn invalid_choice(field: &str) -> ApiError {
    ApiError::field(field, "Select a valid choice. That choice is not one of the available choices.")
}
