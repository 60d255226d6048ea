use axum::Json;
use axum::extract::State;

use super::json::{self, PredictionApi, PredictionChangesBody};
use crate::error::{ApiError, ApiResult};
use crate::extract::{AuthUser, Body, Path};
use crate::state::AppState;

/// Change a prediction's `result`, `score` or `model_version` (PATCH; PUT is the same
/// partial update). Managers and administrators only; `task` cannot change.
#[utoipa::path(method(patch, put), path = "/api/predictions/{id}/", tag = "predictions",
    params(("id" = i64, Path, description = "Prediction id")),
    request_body = PredictionChangesBody,
    responses((status = 200, description = "The changed prediction", body = PredictionApi), (status = 400, description = "Invalid fields"),
               (status = 403, description = "Annotators cannot change predictions"), (status = 404, description = "No such prediction")))]
pub async fn update_prediction(
    State(app): State<AppState>,
    auth: AuthUser,
    Path(id): Path<i64>,
    Body(body): Body,
) -> ApiResult<Json<PredictionApi>> {
    super::load(&app.db, &auth, id).await?;
    auth.require_manager()?;
    let input = json::parse(&body, false)?;
    let prediction = labelsync_db::predictions::update(&app.db, id, input.changes)
        .await?
        .ok_or_else(|| ApiError::no_match("Prediction"))?;
    Ok(Json(PredictionApi::new(&prediction)))
}
