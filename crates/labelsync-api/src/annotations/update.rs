use axum::Json;
use axum::extract::State;
use labelsync_db::annotations;
use labelsync_sync::webhooks::{Action, emit};
use labelsync_sync::wire::annotation::AnnotationApi;

use super::json::{self, AnnotationBody};
use crate::error::{ApiError, ApiResult};
use crate::extract::{AuthUser, Body, Path};
use crate::state::AppState;

/// Change an annotation (PATCH; PUT is the same partial update). Annotators may change only
/// their own. The task's counters are refreshed and the export hook runs in the same
/// transaction.
#[utoipa::path(method(patch, put), path = "/api/annotations/{id}/", tag = "annotations",
    params(("id" = i64, Path, description = "Annotation id")),
    request_body = AnnotationBody,
    responses((status = 200, description = "The changed annotation", body = AnnotationApi), (status = 400, description = "Invalid fields"),
               (status = 403, description = "An annotator changing another user's annotation"),
               (status = 404, description = "No such annotation")))]
pub async fn update_annotation(
    State(app): State<AppState>,
    auth: AuthUser,
    Path(id): Path<i64>,
    Body(body): Body,
) -> ApiResult<Json<AnnotationApi>> {
    let annotation = super::load(&app.db, &auth, id).await?;
    super::require_author(&auth, &annotation)?;
    let changes = json::parse(&body)?.into_changes();
    let mut tx = app.db.begin().await?;
    annotations::update(&mut tx, id, changes, auth.user.id).await?;
    labelsync_db::tasks::refresh_counters(&mut tx, annotation.task_id).await?;
    labelsync_sync::export::annotations_changed(&mut tx, annotation.project_id, &[id], &[]).await?;
    emit::annotation_saved(&mut tx, id, Action::AnnotationUpdated).await?;
    let annotation =
        annotations::find_unscoped(&mut tx, id).await?.ok_or_else(|| ApiError::no_match("Annotation"))?;
    tx.commit().await?;
    // Export jobs were enqueued with the change; start them now.
    app.queue.wake();
    let users = super::users_of(&app.db, std::slice::from_ref(&annotation)).await?;
    Ok(Json(json::annotation_api(&annotation, &users, false)))
}
