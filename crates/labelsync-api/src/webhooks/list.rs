use axum::Json;
use axum::extract::State;
use labelsync_db::webhooks::{self, ProjectFilter};
use serde::Deserialize;

use super::json::WebhookResponse;
use crate::error::{ApiError, ApiResult};
use crate::extract::{AuthUser, Query};
use crate::state::AppState;

/// `?project=`: a project id, or `null` for the organization-wide webhooks.
#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    pub project: Option<String>,
}

/// List the webhooks of the caller's organization, oldest first (a bare array, as Label
/// Studio's). `?project=<id>` keeps that project's, `?project=null` the organization-wide ones.
#[utoipa::path(get, path = "/api/webhooks/", tag = "webhooks",
    params(("project" = Option<String>, Query, description = "Project id, or `null` for organization-wide webhooks")),
    responses((status = 200, description = "The webhooks", body = Vec<WebhookResponse>),
               (status = 400, description = "`project` is not an id"),
               (status = 403, description = "Not a manager or administrator")))]
pub async fn list_webhooks(
    State(app): State<AppState>,
    auth: AuthUser,
    Query(query): Query<ListQuery>,
) -> ApiResult<Json<Vec<WebhookResponse>>> {
    auth.require_manager()?;
    let filter = match query.project.as_deref().map(str::trim) {
        None | Some("") => ProjectFilter::All,
        Some("null") => ProjectFilter::None,
        Some(text) => ProjectFilter::Project(text.parse().map_err(|_| {
            ApiError::field(
                "project",
                "Select a valid choice. That choice is not one of the available choices.",
            )
        })?),
    };
    let hooks = webhooks::list(&app.db, auth.org_id, filter).await?;
    Ok(Json(hooks.iter().map(WebhookResponse::from).collect()))
}
