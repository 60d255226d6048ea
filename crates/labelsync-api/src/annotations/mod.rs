//! Annotations: `/api/tasks/{id}/annotations/` and `/api/annotations/{id}/`.
//!
//! Every member may read them; annotators create annotations and change or delete only their
//! own, managers and administrators any. Each change refreshes the task's counters and calls
//! [`labelsync_sync::export::annotations_changed`] in the same transaction.

pub mod create;
pub mod delete;
pub mod get;
pub mod json;
pub mod list;
pub mod update;

use std::collections::HashMap;

use labelsync_db::Db;
use labelsync_db::annotations::{self, Annotation};
use labelsync_db::orgs::{self, Role, User};

use crate::error::{ApiError, ApiResult};
use crate::extract::AuthUser;

/// Authors of annotations by user id.
pub type Users = HashMap<i64, User>;

/// The annotation `id` of the caller's organization, or Label Studio's 404.
pub async fn load(db: &Db, auth: &AuthUser, id: i64) -> ApiResult<Annotation> {
    annotations::find(db, auth.org_id, id).await?.ok_or_else(|| ApiError::no_match("Annotation"))
}

/// Annotators may change only annotations they completed.
pub fn require_author(auth: &AuthUser, annotation: &Annotation) -> ApiResult<()> {
    if auth.role >= Role::Manager || annotation.completed_by_id == Some(auth.user.id) {
        Ok(())
    } else {
        Err(ApiError::forbidden())
    }
}

/// The users who completed `annotations`.
pub async fn users_of(db: &Db, annotations: &[Annotation]) -> ApiResult<Users> {
    let mut ids: Vec<i64> = annotations.iter().filter_map(|a| a.completed_by_id).collect();
    ids.sort_unstable();
    ids.dedup();
    let users = orgs::find_users(db, &ids).await?;
    Ok(users.into_iter().map(|u| (u.id, u)).collect())
}
