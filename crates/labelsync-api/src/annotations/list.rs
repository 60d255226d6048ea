use axum::Json;
use axum::extract::State;
use labelsync_sync::wire::annotation::AnnotationApi;

use super::json;
use crate::error::ApiResult;
use crate::extract::{AuthUser, Path};
use crate::state::AppState;

/// The annotations of a task, oldest first, as a bare list.
#[utoipa::path(get, path = "/api/tasks/{id}/annotations/", tag = "annotations",
    params(("id" = i64, Path, description = "Task id")),
    responses((status = 200, description = "The task's annotations", body = Vec<AnnotationApi>), (status = 404, description = "No such task")))]
pub async fn list_annotations(
    State(app): State<AppState>,
    auth: AuthUser,
    Path(task_id): Path<i64>,
) -> ApiResult<Json<Vec<AnnotationApi>>> {
    let task = crate::tasks::load(&app.db, &auth, task_id).await?;
    let annotations = labelsync_db::annotations::list_for_task(&app.db, task.id).await?;
    let users = super::users_of(&app.db, &annotations).await?;
    Ok(Json(annotations.iter().map(|a| json::annotation_api(a, &users, false)).collect()))
}
