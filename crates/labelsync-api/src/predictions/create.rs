use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use labelsync_db::predictions::{self, NewPrediction};

use super::json::{self, NewPredictionBody, PredictionApi};
use crate::error::{ApiError, ApiResult};
use crate::extract::{AuthUser, Body};
use crate::state::AppState;

/// Add a prediction to a task (managers and administrators). `model_version` defaults to `""`.
#[utoipa::path(post, path = "/api/predictions/", tag = "predictions",
    request_body = NewPredictionBody,
    responses((status = 201, description = "The new prediction", body = PredictionApi), (status = 400, description = "Invalid fields or unknown task"),
               (status = 403, description = "Annotators cannot add predictions")))]
pub async fn create_prediction(
    State(app): State<AppState>,
    auth: AuthUser,
    Body(body): Body,
) -> ApiResult<(StatusCode, Json<PredictionApi>)> {
    auth.require_manager()?;
    let input = json::parse(&body, true)?;
    let task_id = input.task.unwrap_or_default();
    let task = labelsync_db::tasks::find(&app.db, auth.org_id, task_id).await?.ok_or_else(|| {
        ApiError::field("task", format!("Invalid pk \"{task_id}\" - object does not exist."))
    })?;
    let new = NewPrediction {
        task_id: task.id,
        project_id: task.project_id,
        result: input.changes.result.unwrap_or_default(),
        score: input.changes.score.flatten(),
        model_version: input.changes.model_version.unwrap_or_default(),
    };
    let mut tx = app.db.begin().await?;
    let prediction = predictions::insert(&mut tx, &new).await?;
    labelsync_db::tasks::refresh_counters(&mut tx, task.id).await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(PredictionApi::new(&prediction))))
}
