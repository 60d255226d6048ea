use axum::extract::State;
use axum::http::StatusCode;

use crate::error::ApiResult;
use crate::extract::{AuthUser, Path};
use crate::state::AppState;

/// Delete a project with its tasks, annotations, storages and links.
#[utoipa::path(delete, path = "/api/projects/{id}/", tag = "projects",
    params(("id" = i64, Path, description = "Project id")),
    responses((status = 204, description = "Deleted"), (status = 403, description = "Annotators cannot delete projects"),
               (status = 404, description = "No such project")))]
pub async fn delete_project(
    State(app): State<AppState>,
    auth: AuthUser,
    Path(id): Path<i64>,
) -> ApiResult<StatusCode> {
    super::load(&app.db, &auth, id).await?;
    auth.require_manager()?;
    let mut tx = app.db.begin().await?;
    if labelsync_db::projects::delete(&mut tx, auth.org_id, id).await? {
        labelsync_sync::webhooks::emit::project_deleted(&mut tx, auth.org_id, id).await?;
    }
    tx.commit().await?;
    app.queue.wake();
    Ok(StatusCode::NO_CONTENT)
}
