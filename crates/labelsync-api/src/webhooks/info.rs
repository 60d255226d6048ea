use std::collections::BTreeMap;

use axum::Json;
use labelsync_sync::webhooks::Action;
use serde::Deserialize;

use super::json::ActionDescription;
use crate::error::ApiResult;
use crate::extract::{AuthUser, Query};

/// `?organization-only=true|false`.
#[derive(Debug, Default, Deserialize)]
pub struct InfoQuery {
    #[serde(rename = "organization-only")]
    pub organization_only: Option<String>,
}

/// The actions a webhook can be sent for, with their descriptions: Label Studio's and
/// labelsync's `STORAGE_SYNC_*`. `?organization-only=true` keeps the actions only
/// organization-wide webhooks get, `false` the others.
#[utoipa::path(get, path = "/api/webhooks/info/", tag = "webhooks",
    params(("organization-only" = Option<bool>, Query, description = "Keep the organization-only actions (`true`) or the others")),
    responses((status = 200, description = "Action name → description", body = BTreeMap<String, ActionDescription>)))]
pub async fn webhook_info(
    _auth: AuthUser,
    Query(query): Query<InfoQuery>,
) -> ApiResult<Json<BTreeMap<String, ActionDescription>>> {
    let only = query.organization_only.map(|v| v == "true");
    let result = Action::ALL
        .into_iter()
        .map(|action| (action, action.info()))
        .filter(|(_, info)| only.is_none_or(|only| info.organization_only == only))
        .map(|(action, info)| {
            let description = ActionDescription {
                name: info.name.to_owned(),
                description: info.description.to_owned(),
                key: info.key.to_owned(),
                organization_only: info.organization_only,
            };
            (action.as_str().to_owned(), description)
        })
        .collect();
    Ok(Json(result))
}
