use axum::extract::State;
use axum::http::StatusCode;
use labelsync_sync::tasks::delete_tasks;

use crate::error::ApiResult;
use crate::extract::{AuthUser, Path};
use crate::state::AppState;

/// Delete a task with its annotations, predictions and import link (managers and
/// administrators), through the path a sync's `sync_deleted` policy also takes: the export hook
/// sees the annotations before they go.
#[utoipa::path(delete, path = "/api/tasks/{id}/", tag = "tasks",
    params(("id" = i64, Path, description = "Task id")),
    responses((status = 204, description = "Deleted"), (status = 403, description = "Annotators cannot delete tasks"),
               (status = 404, description = "No such task")))]
pub async fn delete_task(
    State(app): State<AppState>,
    auth: AuthUser,
    Path(id): Path<i64>,
) -> ApiResult<StatusCode> {
    let task = super::load(&app.db, &auth, id).await?;
    auth.require_manager()?;
    let mut tx = app.db.begin().await?;
    delete_tasks(&mut tx, task.project_id, &[id]).await?;
    tx.commit().await?;
    // Export jobs were enqueued with the change; start them now.
    app.queue.wake();
    Ok(StatusCode::NO_CONTENT)
}
