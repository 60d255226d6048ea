//! `/api/webhooks/`: Label Studio's webhooks of the caller's organization (managers and
//! administrators), with labelsync's signing key and delivery log (`docs/label-studio-api.md`
//! §10 says where it differs). Events are emitted by the writers (`labelsync_sync::webhooks`).

pub mod create;
pub mod delete;
pub mod deliveries;
pub mod get;
pub mod info;
pub mod json;
pub mod list;
pub mod update;

use labelsync_db::webhooks::{self, Webhook};
use labelsync_storage::Error as StorageError;

use crate::error::{ApiError, ApiResult};
use crate::extract::AuthUser;
use crate::state::AppState;

/// Webhook `id` of the caller's organization, or Label Studio's 404. Webhooks need a manager
/// or administrator.
pub async fn load(app: &AppState, auth: &AuthUser, id: i64) -> ApiResult<Webhook> {
    auth.require_manager()?;
    webhooks::find(&app.db, auth.org_id, id).await?.ok_or_else(|| ApiError::no_match("Webhook"))
}

/// The URL passes the network guard as a storage endpoint must (a 400 naming the rule).
pub async fn check_url(app: &AppState, url: &str) -> ApiResult<()> {
    match app.guard.check_url(url).await {
        Ok(_) => Ok(()),
        Err(StorageError::Blocked(reason) | StorageError::Unreachable(reason)) => {
            Err(ApiError::field("url", reason))
        }
        Err(other) => Err(ApiError::field("url", other.to_string())),
    }
}
