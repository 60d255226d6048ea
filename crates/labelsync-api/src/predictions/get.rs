use axum::Json;
use axum::extract::State;

use super::json::PredictionApi;
use crate::error::ApiResult;
use crate::extract::{AuthUser, Path};
use crate::state::AppState;

/// One prediction of the caller's organization.
#[utoipa::path(get, path = "/api/predictions/{id}/", tag = "predictions",
    params(("id" = i64, Path, description = "Prediction id")),
    responses((status = 200, description = "The prediction", body = PredictionApi), (status = 404, description = "No such prediction")))]
pub async fn get_prediction(
    State(app): State<AppState>,
    auth: AuthUser,
    Path(id): Path<i64>,
) -> ApiResult<Json<PredictionApi>> {
    let prediction = super::load(&app.db, &auth, id).await?;
    Ok(Json(PredictionApi::new(&prediction)))
}
