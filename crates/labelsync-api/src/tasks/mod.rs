//! Tasks: `/api/tasks/`, `/api/tasks/{id}/` and `/api/projects/{id}/tasks/`.
//!
//! Every member may read tasks; creating, changing and deleting them is for managers and
//! administrators. Every response that contains task data builds it with
//! [`json::served_data`]; the shapes a task is served in are typed structs in [`shapes`] and
//! [`detail`].

pub mod create;
pub mod delete;
pub mod delete_all;
pub mod detail;
#[cfg(test)]
pub(crate) mod fixtures;
pub mod get;
pub mod input;
pub mod json;
pub mod list;
pub mod project_list;
pub mod related;
pub mod shapes;
pub mod stream;
pub mod update;

use labelsync_db::Db;
use labelsync_db::projects::{self, Project};
use labelsync_db::tasks::{self, Task};

use crate::error::{ApiError, ApiResult};
use crate::extract::AuthUser;

/// The task `id` of the caller's organization, or Label Studio's 404.
pub async fn load(db: &Db, auth: &AuthUser, id: i64) -> ApiResult<Task> {
    tasks::find(db, auth.org_id, id).await?.ok_or_else(|| ApiError::no_match("Task"))
}

/// The project of a task loaded with [`load`].
pub async fn project_of(db: &Db, auth: &AuthUser, task: &Task) -> ApiResult<Project> {
    projects::find(db, auth.org_id, task.project_id).await?.ok_or_else(|| ApiError::no_match("Task"))
}
