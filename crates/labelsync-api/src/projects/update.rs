use axum::Json;
use axum::extract::State;
use labelsync_sync::webhooks::{Action, emit};

use super::json;
use super::response::ProjectResponse;
use crate::error::{ApiError, ApiResult};
use crate::extract::{AuthUser, Body, Path};
use crate::state::AppState;

/// Change some fields of a project (PATCH) or all of them (PUT; omitted fields keep their
/// values — Label Studio's PUT would null `created_by`, which we do not copy).
#[utoipa::path(method(patch, put), path = "/api/projects/{id}/", tag = "projects",
    params(("id" = i64, Path, description = "Project id")),
    request_body = json::ProjectBody,
    responses((status = 200, description = "The changed project", body = ProjectResponse), (status = 400, description = "Invalid fields"),
               (status = 403, description = "Annotators cannot change projects"), (status = 404, description = "No such project")))]
pub async fn update_project(
    State(app): State<AppState>,
    auth: AuthUser,
    Path(id): Path<i64>,
    Body(body): Body,
) -> ApiResult<Json<ProjectResponse>> {
    let project = super::load(&app.db, &auth, id).await?;
    auth.require_manager()?;
    let json::ProjectInput { mut fields, task_data_password } =
        json::parse(&body, Some(&project.settings.0), app.config.max_label_config_bytes)?;
    if let (Some(password), Some(settings)) = (&task_data_password, fields.settings.as_mut()) {
        json::seal_password(settings, password, &app.secrets, id);
    }
    let mut tx = app.db.begin().await?;
    let project = labelsync_db::projects::update(&mut tx, auth.org_id, id, fields)
        .await?
        .ok_or_else(|| ApiError::no_match("Project"))?;
    emit::project_saved(&mut tx, &project, Action::ProjectUpdated).await?;
    tx.commit().await?;
    app.queue.wake();
    let stats = labelsync_db::projects::stats(&app.db, &[project.id]).await?;
    let creator = super::creator(&app.db, &project).await?;
    Ok(Json(ProjectResponse::new(&project, stats.first(), creator.as_ref())?))
}
