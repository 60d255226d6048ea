use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use labelsync_db::annotations::{self, NewAnnotation};
use labelsync_sync::webhooks::{Action, emit};
use labelsync_sync::wire::annotation::AnnotationApi;
use serde_json::json as value;

use super::json::{self, AnnotationBody};
use crate::error::ApiResult;
use crate::extract::{AuthUser, Body, Path};
use crate::state::AppState;

/// Annotate a task as the caller (every member, annotators included). The task's counters
/// are refreshed and the export hook runs in the same transaction.
#[utoipa::path(post, path = "/api/tasks/{id}/annotations/", tag = "annotations",
    params(("id" = i64, Path, description = "Task id")),
    request_body = AnnotationBody,
    responses((status = 201, description = "The new annotation", body = AnnotationApi), (status = 400, description = "Invalid fields"),
               (status = 404, description = "No such task")))]
pub async fn create_annotation(
    State(app): State<AppState>,
    auth: AuthUser,
    Path(task_id): Path<i64>,
    Body(body): Body,
) -> ApiResult<(StatusCode, Json<AnnotationApi>)> {
    let task = crate::tasks::load(&app.db, &auth, task_id).await?;
    let input = json::parse(&body)?;
    let new = NewAnnotation {
        task_id: task.id,
        project_id: task.project_id,
        completed_by_id: Some(auth.user.id),
        result: input.result.unwrap_or_else(|| value!([])),
        was_cancelled: input.was_cancelled.unwrap_or(false),
        ground_truth: input.ground_truth.unwrap_or(false),
        lead_time: input.lead_time,
        draft_created_at: None,
        import_id: None,
        last_action: input.last_action,
        parent_prediction_id: None,
        parent_annotation_id: None,
        bulk_created: false,
        updated_by_id: Some(auth.user.id),
    };
    let mut tx = app.db.begin().await?;
    let annotation = annotations::insert(&mut tx, &new).await?;
    labelsync_db::tasks::refresh_counters(&mut tx, task.id).await?;
    labelsync_sync::export::annotations_changed(&mut tx, task.project_id, &[annotation.id], &[]).await?;
    emit::annotation_saved(&mut tx, annotation.id, Action::AnnotationCreated).await?;
    tx.commit().await?;
    // Export jobs were enqueued with the change; start them now.
    app.queue.wake();
    let users = [(auth.user.id, auth.user.clone())].into_iter().collect();
    Ok((StatusCode::CREATED, Json(json::annotation_api(&annotation, &users, false))))
}
