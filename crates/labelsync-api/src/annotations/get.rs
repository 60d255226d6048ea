use axum::Json;
use axum::extract::State;
use labelsync_sync::wire::annotation::AnnotationApi;

use super::json;
use crate::error::ApiResult;
use crate::extract::{AuthUser, Path};
use crate::state::AppState;

/// One annotation of the caller's organization.
#[utoipa::path(get, path = "/api/annotations/{id}/", tag = "annotations",
    params(("id" = i64, Path, description = "Annotation id")),
    responses((status = 200, description = "The annotation", body = AnnotationApi), (status = 404, description = "No such annotation")))]
pub async fn get_annotation(
    State(app): State<AppState>,
    auth: AuthUser,
    Path(id): Path<i64>,
) -> ApiResult<Json<AnnotationApi>> {
    let annotation = super::load(&app.db, &auth, id).await?;
    let users = super::users_of(&app.db, std::slice::from_ref(&annotation)).await?;
    Ok(Json(json::annotation_api(&annotation, &users, false)))
}
