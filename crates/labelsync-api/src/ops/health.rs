use axum::Json;
use axum::extract::State;
use serde::Serialize;

use crate::error::ApiResult;
use crate::state::AppState;

/// `{"status": "UP"}`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Health {
    /// Always `UP` in a 200.
    pub status: &'static str,
}

/// Liveness and readiness: 200 `{"status": "UP"}` when the database answers (Label Studio's body).
#[utoipa::path(get, path = "/health", tag = "ops",
    responses((status = 200, description = "The server and its database are up", body = Health),
               (status = 500, description = "The database does not answer")))]
pub async fn health(State(app): State<AppState>) -> ApiResult<Json<Health>> {
    labelsync_db::settings::get(&app.db, "health-probe").await?;
    Ok(Json(Health { status: "UP" }))
}
