use axum::Json;
use axum::extract::State;

use super::response::ProjectResponse;
use crate::error::ApiResult;
use crate::extract::{AuthUser, Path};
use crate::state::AppState;

/// One project of the caller's organization.
#[utoipa::path(get, path = "/api/projects/{id}/", tag = "projects",
    params(("id" = i64, Path, description = "Project id")),
    responses((status = 200, description = "The project", body = ProjectResponse), (status = 404, description = "No such project")))]
pub async fn get_project(
    State(app): State<AppState>,
    auth: AuthUser,
    Path(id): Path<i64>,
) -> ApiResult<Json<ProjectResponse>> {
    let project = super::load(&app.db, &auth, id).await?;
    let stats = labelsync_db::projects::stats(&app.db, &[project.id]).await?;
    let creator = super::creator(&app.db, &project).await?;
    Ok(Json(ProjectResponse::new(&project, stats.first(), creator.as_ref())?))
}
