use axum::extract::State;
use axum::http::StatusCode;
use labelsync_sync::export::{DeletedAnnotation, annotations_changed};

use crate::error::ApiResult;
use crate::extract::{AuthUser, Path};
use crate::state::AppState;

/// Delete an annotation. Annotators may delete only their own. The export hook sees it
/// before its row goes; the task's counters are refreshed after.
#[utoipa::path(delete, path = "/api/annotations/{id}/", tag = "annotations",
    params(("id" = i64, Path, description = "Annotation id")),
    responses((status = 204, description = "Deleted"),
               (status = 403, description = "An annotator deleting another user's annotation"),
               (status = 404, description = "No such annotation")))]
pub async fn delete_annotation(
    State(app): State<AppState>,
    auth: AuthUser,
    Path(id): Path<i64>,
) -> ApiResult<StatusCode> {
    let annotation = super::load(&app.db, &auth, id).await?;
    super::require_author(&auth, &annotation)?;
    let deleted = DeletedAnnotation { id, task_id: annotation.task_id };
    let mut tx = app.db.begin().await?;
    annotations_changed(&mut tx, annotation.project_id, &[], &[deleted]).await?;
    labelsync_sync::webhooks::emit::annotations_deleted(&mut tx, annotation.project_id, &[id]).await?;
    labelsync_db::annotations::delete(&mut tx, id).await?;
    labelsync_db::tasks::refresh_counters(&mut tx, annotation.task_id).await?;
    tx.commit().await?;
    // Export jobs were enqueued with the change; start them now.
    app.queue.wake();
    Ok(StatusCode::NO_CONTENT)
}
