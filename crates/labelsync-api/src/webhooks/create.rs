use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use labelsync_sync::crypto::Binding;
use serde_json::Value;

use super::json::{self, Mode, WebhookCreated, WebhookRequest, WebhookResponse};
use crate::error::{ApiError, ApiResult};
use crate::extract::{AuthUser, Body};
use crate::state::AppState;

/// Create a webhook. Its URL must pass the network guard (as a storage endpoint must); its
/// `project`, when given, must be a project of the caller's organization. The answer carries
/// the webhook's signing key, `secret`, this once.
#[utoipa::path(post, path = "/api/webhooks/", tag = "webhooks",
    request_body = WebhookRequest,
    responses((status = 201, description = "The new webhook and its signing key", body = WebhookCreated),
               (status = 400, description = "Invalid fields, or a URL the network guard refuses"),
               (status = 403, description = "Not a manager or administrator")))]
pub async fn create_webhook(
    State(app): State<AppState>,
    auth: AuthUser,
    Body(body): Body,
) -> ApiResult<(StatusCode, Json<WebhookCreated>)> {
    auth.require_manager()?;
    let mut fields = json::parse(&body, None, Mode::Create)?;
    fields.project_id = project(&app, &auth, body.get("project")).await?;
    json::check_actions(&fields)?;
    super::check_url(&app, &fields.url).await?;
    let secret = labelsync_sync::webhooks::new_secret();
    let mut tx = app.db.begin().await?;
    let hook = labelsync_db::webhooks::insert(&mut tx, auth.org_id, &fields).await?;
    // The key is bound to the row, so it is sealed now that the id is known.
    let sealed = app.secrets.seal(secret.as_bytes(), Binding::webhook_secret(hook.id));
    labelsync_db::webhooks::set_secret(&mut tx, hook.id, &sealed).await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(WebhookCreated { webhook: WebhookResponse::from(&hook), secret })))
}

/// `project`: null/absent, or a project of the caller's organization (DRF's invalid-pk 400
/// otherwise, whoever owns the id).
async fn project(app: &AppState, auth: &AuthUser, value: Option<&Value>) -> ApiResult<Option<i64>> {
    let invalid = |shown: String| {
        ApiError::field("project", format!("Invalid pk \"{shown}\" - object does not exist."))
    };
    let id = match value {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::Number(n)) => n.as_i64().ok_or_else(|| invalid(n.to_string()))?,
        Some(Value::String(s)) if s.trim().is_empty() => return Ok(None),
        Some(Value::String(s)) => s
            .trim()
            .parse()
            .map_err(|_| ApiError::field("project", "Incorrect type. Expected pk value, received str."))?,
        Some(other) => {
            return Err(ApiError::field(
                "project",
                format!("Incorrect type. Expected pk value, received {}.", kind(other)),
            ));
        }
    };
    match labelsync_db::projects::find(&app.db, auth.org_id, id).await? {
        Some(project) => Ok(Some(project.id)),
        None => Err(invalid(id.to_string())),
    }
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Bool(_) => "bool",
        Value::Array(_) => "list",
        Value::Object(_) => "dict",
        _ => "str",
    }
}
