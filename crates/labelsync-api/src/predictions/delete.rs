use axum::extract::State;
use axum::http::StatusCode;

use crate::error::ApiResult;
use crate::extract::{AuthUser, Path};
use crate::state::AppState;

/// Delete a prediction (managers and administrators); the task's counters follow.
#[utoipa::path(delete, path = "/api/predictions/{id}/", tag = "predictions",
    params(("id" = i64, Path, description = "Prediction id")),
    responses((status = 204, description = "Deleted"), (status = 403, description = "Annotators cannot delete predictions"),
               (status = 404, description = "No such prediction")))]
pub async fn delete_prediction(
    State(app): State<AppState>,
    auth: AuthUser,
    Path(id): Path<i64>,
) -> ApiResult<StatusCode> {
    let prediction = super::load(&app.db, &auth, id).await?;
    auth.require_manager()?;
    let mut tx = app.db.begin().await?;
    labelsync_db::predictions::delete(&mut tx, id).await?;
    labelsync_db::tasks::refresh_counters(&mut tx, prediction.task_id).await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}
