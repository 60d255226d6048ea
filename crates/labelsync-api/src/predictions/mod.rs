//! Predictions: `/api/predictions/` and `/api/predictions/{id}/`. Every member may read
//! them; creating, changing and deleting them is for managers and administrators.

pub mod create;
pub mod delete;
pub mod get;
pub mod json;
pub mod list;
pub mod update;

use labelsync_db::Db;
use labelsync_db::predictions::{self, Prediction};

use crate::error::{ApiError, ApiResult};
use crate::extract::AuthUser;

/// The prediction `id` of the caller's organization, or Label Studio's 404.
pub async fn load(db: &Db, auth: &AuthUser, id: i64) -> ApiResult<Prediction> {
    predictions::find(db, auth.org_id, id).await?.ok_or_else(|| ApiError::no_match("Prediction"))
}
