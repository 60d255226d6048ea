use axum::Json;
use axum::extract::State;

use super::input::{self, TaskChangesBody};
use super::json::ServeContext;
use super::related::Related;
use super::shapes::TaskWithNested;
use crate::error::{ApiError, ApiResult};
use crate::extract::{AuthUser, Body, Path};
use crate::state::AppState;

/// Change a task's `data`, `meta`, `is_labeled`, `overlap` or `allow_skip` (PATCH; PUT is
/// the same partial update). Managers and administrators only. `data` must be an object
/// (Label Studio answers 500 and stores the bad value; we answer 400). Naming another
/// `project` is 404, as in Label Studio, which looks the task up within that project.
#[utoipa::path(method(patch, put), path = "/api/tasks/{id}/", tag = "tasks",
    params(("id" = i64, Path, description = "Task id")),
    request_body = TaskChangesBody,
    responses((status = 200, description = "The changed task with annotations and predictions", body = TaskWithNested),
               (status = 400, description = "Invalid fields"), (status = 403, description = "Annotators cannot change tasks"),
               (status = 404, description = "No such task")))]
pub async fn update_task(
    State(app): State<AppState>,
    auth: AuthUser,
    Path(id): Path<i64>,
    Body(body): Body,
) -> ApiResult<Json<TaskWithNested>> {
    let task = super::load(&app.db, &auth, id).await?;
    auth.require_manager()?;
    let (project_id, changes) = input::parse_update(&body)?;
    if project_id.is_some_and(|p| p != task.project_id) {
        return Err(ApiError::no_match("Task"));
    }
    labelsync_db::tasks::update(&app.db, id, changes, auth.user.id).await?;
    let task = super::load(&app.db, &auth, id).await?;
    let project = super::project_of(&app.db, &auth, &task).await?;
    let related = Related::load(&app.db, &[task.id]).await?;
    Ok(Json(TaskWithNested::new(
        &task,
        &ServeContext::new(&project),
        related.annotations(task.id),
        related.predictions(task.id),
        &related.users,
    )))
}
