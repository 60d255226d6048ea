//! `/api/projects/`: labeling projects of the caller's organization.

pub mod create;
pub mod delete;
pub mod get;
pub mod json;
pub mod list;
pub mod response;
pub mod update;

use labelsync_db::Db;
use labelsync_db::orgs::{self, User};
use labelsync_db::projects::{self, Project};

use crate::error::{ApiError, ApiResult};
use crate::extract::AuthUser;

/// The project `id` of the caller's organization, or Label Studio's 404.
pub async fn load(db: &Db, auth: &AuthUser, id: i64) -> ApiResult<Project> {
    projects::find(db, auth.org_id, id).await?.ok_or_else(|| ApiError::no_match("Project"))
}

/// The creator of a project, for its `created_by` field.
pub async fn creator(db: &Db, project: &Project) -> ApiResult<Option<User>> {
    Ok(match project.created_by_id {
        Some(id) => orgs::find_user(db, id).await?,
        None => None,
    })
}
