use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use labelsync_db::projects::ProjectFields;
use labelsync_sync::webhooks::{Action, emit};

use super::json;
use super::response::ProjectResponse;
use crate::error::{ApiError, ApiResult};
use crate::extract::{AuthUser, Body};
use crate::state::AppState;

/// Create a project in the caller's organization (managers and administrators).
#[utoipa::path(post, path = "/api/projects/", tag = "projects",
    request_body = json::ProjectBody,
    responses((status = 201, description = "The new project", body = ProjectResponse), (status = 400, description = "Invalid fields"),
               (status = 403, description = "Annotators cannot create projects")))]
pub async fn create_project(
    State(app): State<AppState>,
    auth: AuthUser,
    Body(body): Body,
) -> ApiResult<(StatusCode, Json<ProjectResponse>)> {
    auth.require_manager()?;
    let input = json::parse(&body, None, app.config.max_label_config_bytes)?;
    let mut tx = app.db.begin().await?;
    let mut project =
        labelsync_db::projects::insert(&mut tx, auth.org_id, auth.user.id, input.fields).await?;
    // The password is bound to the row, so it is sealed once the id is known.
    if let Some(password) = &input.task_data_password {
        let mut settings = project.settings.0.clone();
        json::seal_password(&mut settings, password, &app.secrets, project.id);
        let fields = ProjectFields { settings: Some(settings), ..ProjectFields::default() };
        project = labelsync_db::projects::update(&mut tx, auth.org_id, project.id, fields)
            .await?
            .ok_or_else(|| ApiError::no_match("Project"))?;
    }
    emit::project_saved(&mut tx, &project, Action::ProjectCreated).await?;
    tx.commit().await?;
    app.queue.wake();
    Ok((StatusCode::CREATED, Json(ProjectResponse::new(&project, None, Some(&auth.user))?)))
}
