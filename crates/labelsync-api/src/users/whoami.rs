use axum::Json;
use axum::extract::State;
use labelsync_db::orgs::{self, Role};
use serde_json::{Value, json};

use crate::error::ApiResult;
use crate::extract::AuthUser;
use crate::state::AppState;
use crate::wire::{initials, ts, ts_opt};

/// The calling user, in Label Studio's `whoami` shape, with the permissions of their role.
#[utoipa::path(get, path = "/api/current-user/whoami", tag = "users",
    responses((status = 200, description = "The calling user"), (status = 401, description = "Not authenticated")))]
pub async fn whoami(State(app): State<AppState>, auth: AuthUser) -> ApiResult<Json<Value>> {
    let org = orgs::find_organization(&app.db, auth.org_id).await?;
    let user = &auth.user;
    Ok(Json(json!({
        "id": user.id,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "username": user.username,
        "email": user.email,
        "last_activity": ts_opt(&user.last_activity),
        "custom_hotkeys": {},
        "avatar": null,
        "initials": initials(user),
        "phone": "",
        "active_organization": auth.org_id,
        "active_organization_meta": {
            "title": org.map(|o| o.title).unwrap_or_default(),
            "email": user.email,
        },
        "allow_newsletters": null,
        "date_joined": ts(&user.date_joined),
        "role": auth.role.as_str(),
        "permissions": permissions(auth.role),
    })))
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
