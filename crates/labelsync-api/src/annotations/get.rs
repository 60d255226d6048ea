use axum::Json;
use axum::extract::State;
use serde_json::Value;

use super::json;
use crate::error::ApiResult;
use crate::extract::{AuthUser, Path};
use crate::state::AppState;

/// One annotation of the caller's organization.
#[utoipa::path(get, path = "/api/annotations/{id}/", tag = "annotations",
    params(("id" = i64, Path, description = "Annotation id")),
    responses((status = 200, description = "The annotation"), (status = 404, description = "No such annotation")))]
pub async fn get_annotation(
    State(app): State<AppState>,
    auth: AuthUser,
    Path(id): Path<i64>,
) -> ApiResult<Json<Value>> {
    let annotation = super::load(&app.db, &auth, id).await?;
    let users = super::users_of(&app.db, std::slice::from_ref(&annotation)).await?;
    Ok(Json(json::annotation_json(&annotation, &users, false)))
}
