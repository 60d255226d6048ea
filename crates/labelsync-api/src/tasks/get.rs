use axum::Json;
use axum::extract::State;

use super::detail::TaskDetail;
use super::related::Related;
use crate::error::ApiResult;
use crate::extract::{AuthUser, Path, Query};
use crate::media::ResolveFlag;
use crate::state::AppState;

/// One task with its annotations (authors expanded) and predictions. Storage URIs in `data`
/// that an import storage of the project resolves are rewritten to resolve URLs.
#[utoipa::path(get, path = "/api/tasks/{id}/", tag = "tasks",
    params(("id" = i64, Path, description = "Task id"), ResolveFlag),
    responses((status = 200, description = "The task", body = TaskDetail), (status = 404, description = "No such task")))]
pub async fn get_task(
    State(app): State<AppState>,
    auth: AuthUser,
    Path(id): Path<i64>,
    Query(flag): Query<ResolveFlag>,
) -> ApiResult<Json<TaskDetail>> {
    let task = super::load(&app.db, &auth, id).await?;
    let project = super::project_of(&app.db, &auth, &task).await?;
    let related = Related::load(&app.db, &[task.id]).await?;
    let ctx = crate::media::serve_context(&app, &project, &flag).await?;
    Ok(Json(TaskDetail::new(
        &task,
        &ctx,
        related.annotations(task.id),
        related.predictions(task.id),
        &related.users,
        false,
    )))
}
