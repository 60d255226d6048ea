use axum::Json;
use axum::extract::State;
use serde_json::Value;

use super::json;
use crate::error::ApiResult;
use crate::extract::{AuthUser, Path};
use crate::state::AppState;

/// One prediction of the caller's organization.
#[utoipa::path(get, path = "/api/predictions/{id}/", tag = "predictions",
    params(("id" = i64, Path, description = "Prediction id")),
    responses((status = 200, description = "The prediction"), (status = 404, description = "No such prediction")))]
pub async fn get_prediction(
    State(app): State<AppState>,
    auth: AuthUser,
    Path(id): Path<i64>,
) -> ApiResult<Json<Value>> {
    let prediction = super::load(&app.db, &auth, id).await?;
    Ok(Json(json::prediction_json(&prediction)))
}
