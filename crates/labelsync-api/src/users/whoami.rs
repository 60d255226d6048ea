use axum::Json;
use axum::extract::State;
use labelsync_db::orgs::{self, Role};
use serde::Serialize;
use serde_json::{Map, Value};

use crate::error::ApiResult;
use crate::extract::AuthUser;
use crate::state::AppState;
use crate::wire::{initials, ts_text};

/// The calling user, in Label Studio's `whoami` shape, with the permissions of their role.
#[utoipa::path(get, path = "/api/current-user/whoami", tag = "users",
    responses((status = 200, description = "The calling user", body = WhoAmI), (status = 401, description = "Not authenticated")))]
pub async fn whoami(State(app): State<AppState>, auth: AuthUser) -> ApiResult<Json<WhoAmI>> {
    let org = orgs::find_organization(&app.db, auth.org_id).await?;
    let user = &auth.user;
    Ok(Json(WhoAmI {
        id: user.id,
        first_name: user.first_name.clone(),
        last_name: user.last_name.clone(),
        username: user.username.clone(),
        email: user.email.clone(),
        last_activity: user.last_activity.as_ref().map(ts_text),
        custom_hotkeys: Map::new(),
        avatar: None,
        initials: initials(user),
        phone: String::new(),
        active_organization: auth.org_id,
        active_organization_meta: OrganizationMeta {
            title: org.map(|o| o.title).unwrap_or_default(),
            email: user.email.clone(),
        },
        allow_newsletters: None,
        date_joined: ts_text(&user.date_joined),
        role: auth.role.as_str(),
        permissions: permissions(auth.role),
    }))
}

/// The calling user, in Label Studio's `whoami` key order.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct WhoAmI {
    pub id: i64,
    pub first_name: String,
    pub last_name: String,
    pub username: String,
    pub email: String,
    pub last_activity: Option<String>,
    /// Always empty: labelsync keeps no hotkeys.
    pub custom_hotkeys: Map<String, Value>,
    #[schema(value_type = Option<String>)]
    pub avatar: Option<()>,
    pub initials: String,
    pub phone: String,
    pub active_organization: i64,
    pub active_organization_meta: OrganizationMeta,
    #[schema(value_type = Option<bool>)]
    pub allow_newsletters: Option<()>,
    pub date_joined: String,
    /// `administrator`, `manager` or `annotator`.
    pub role: &'static str,
    /// Label Studio's permission names the role grants.
    pub permissions: Vec<&'static str>,
}

/// The caller's organization as `whoami` shows it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct OrganizationMeta {
    pub title: String,
    pub email: String,
}

/// Label Studio's permission names granted to each role.
fn permissions(role: Role) -> Vec<&'static str> {
    let mut out = vec![
        "organizations.view",
        "projects.view",
        "tasks.view",
        "annotations.create",
        "annotations.view",
        "annotations.change",
        "annotations.delete",
        "predictions.any",
        "avatar.any",
        "users.token.any",
    ];
    if role >= Role::Manager {
        out.extend([
            "projects.create",
            "projects.change",
            "projects.delete",
            "tasks.create",
            "tasks.change",
            "tasks.delete",
            "storages.view",
            "storages.change",
            "storages.sync",
        ]);
    }
    if role >= Role::Administrator {
        out.extend(["organizations.change", "organizations.invite"]);
    }
    out
}
