use axum::Json;
use axum::extract::State;
use serde_json::Value;

use super::json::{ServeContext, with_nested};
use super::related::Related;
use crate::error::{ApiError, ApiResult};
use crate::extract::{AuthUser, Path, Query};
use crate::pagination::{Page, PageQuery};
use crate::state::AppState;

/// A project's tasks, most recently updated first, as a bare list with annotations and
/// predictions (`page`, `page_size`: default 50, `-1` = all). Like Label Studio, a page past
/// the end — and any page of a project without tasks — is 404 `"Not found."`.
#[utoipa::path(get, path = "/api/projects/{id}/tasks/", tag = "tasks",
    params(("id" = i64, Path, description = "Project id"),
           ("page" = Option<i64>, Query, description = "Page number, from 1"),
           ("page_size" = Option<i64>, Query, description = "Tasks per page (default 50, -1 for all)")),
    responses((status = 200, description = "A page of tasks"), (status = 404, description = "No such project, no tasks, or invalid page")))]
pub async fn list_project_tasks(
    State(app): State<AppState>,
    auth: AuthUser,
    Path(id): Path<i64>,
    Query(query): Query<PageQuery>,
) -> ApiResult<Json<Value>> {
    let project = crate::projects::load(&app.db, &auth, id).await?;
    let count = labelsync_db::tasks::totals(&app.db, project.id).await?.tasks;
    let not_found = || ApiError::NotFound("Not found.".into());
    if count == 0 {
        return Err(not_found());
    }
    let page = if query.page_size.as_deref().map(str::trim) == Some("-1") {
        let all = PageQuery { page: query.page.clone(), page_size: Some(count.to_string()) };
        Page::resolve(&all, count, None, count)
    } else {
        Page::resolve(&query, 50, None, count)
    }
    .map_err(|_| not_found())?;
    let tasks = labelsync_db::tasks::list_recent(&app.db, project.id, page.offset(), page.size).await?;
    let ids: Vec<i64> = tasks.iter().map(|t| t.id).collect();
    let related = Related::load(&app.db, &ids).await?;
    let ctx = ServeContext::new(&project);
    Ok(Json(Value::Array(
        tasks
            .iter()
            .map(|t| {
                let (a, p) = (related.annotations(t.id), related.predictions(t.id));
                with_nested(t, &ctx, a, p, &related.users)
            })
            .collect(),
    )))
}
