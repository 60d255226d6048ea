use axum::extract::State;
use axum::http::StatusCode;

use crate::error::ApiResult;
use crate::extract::{AuthUser, Path};
use crate::state::AppState;

/// Delete every task of a project (managers and administrators), in one transaction. The
/// export hook sees their annotations before they go.
#[utoipa::path(delete, path = "/api/projects/{id}/tasks/", tag = "tasks",
    params(("id" = i64, Path, description = "Project id")),
    responses((status = 204, description = "Deleted"), (status = 403, description = "Annotators cannot delete tasks"),
               (status = 404, description = "No such project")))]
pub async fn delete_project_tasks(
    State(app): State<AppState>,
    auth: AuthUser,
    Path(id): Path<i64>,
) -> ApiResult<StatusCode> {
    let project = crate::projects::load(&app.db, &auth, id).await?;
    auth.require_manager()?;
    let mut tx = app.db.begin().await?;
    labelsync_sync::tasks::delete_all_tasks(&mut tx, project.id).await?;
    tx.commit().await?;
    // Export jobs were enqueued with the change; start them now.
    app.queue.wake();
    Ok(StatusCode::NO_CONTENT)
}
