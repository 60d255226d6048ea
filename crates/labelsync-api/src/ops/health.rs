use axum::Json;
use axum::extract::State;
use serde_json::{Value, json};

use crate::error::ApiResult;
use crate::state::AppState;

/// Liveness and readiness: 200 `{"status": "UP"}` when the database answers (Label Studio's body).
#[utoipa::path(get, path = "/health", tag = "ops",
    responses((status = 200, description = "The server and its database are up")))]
pub async fn health(State(app): State<AppState>) -> ApiResult<Json<Value>> {
    labelsync_db::settings::get(&app.db, "health-probe").await?;
    Ok(Json(json!({"status": "UP"})))
}
