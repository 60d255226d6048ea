use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde_json::Value;

use super::json;
use crate::error::ApiResult;
use crate::extract::{AuthUser, Body};
use crate::state::AppState;

/// Create a project in the caller's organization (managers and administrators).
#[utoipa::path(post, path = "/api/projects/", tag = "projects",
    request_body(content = Object, description = "Project fields (Label Studio's)"),
    responses((status = 201, description = "The new project"), (status = 400, description = "Invalid fields"),
               (status = 403, description = "Annotators cannot create projects")))]
pub async fn create_project(
    State(app): State<AppState>,
    auth: AuthUser,
    Body(body): Body,
) -> ApiResult<(StatusCode, Json<Value>)> {
    auth.require_manager()?;
    let fields = json::parse(&body, None, app.config.max_label_config_bytes)?;
    let project = labelsync_db::projects::insert(&app.db, auth.org_id, auth.user.id, fields).await?;
    Ok((StatusCode::CREATED, Json(json::project_json(&project, None, Some(&auth.user)))))
}
