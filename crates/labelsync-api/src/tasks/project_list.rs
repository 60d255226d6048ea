use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use labelsync_db::projects::Project;

use super::json::ServeContext;
use super::related::Related;
use super::shapes::TaskWithNested;
use super::stream;
use crate::error::{ApiError, ApiResult};
use crate::extract::{AuthUser, Path, Query};
use crate::pagination::{Page, PageQuery};
use crate::state::AppState;

/// A project's tasks, most recently updated first, as a bare list with annotations and
/// predictions (`page`, `page_size`: default 50; `-1` = all, streamed, `page` ignored). Like
/// Label Studio, a page past the end — and any page of a project without tasks — is 404
/// `"Not found."`.
#[utoipa::path(get, path = "/api/projects/{id}/tasks/", tag = "tasks",
    params(("id" = i64, Path, description = "Project id"),
           ("page" = Option<i64>, Query, description = "Page number, from 1 (ignored with page_size=-1)"),
           ("page_size" = Option<i64>, Query, description = "Tasks per page (default 50, -1 for all)")),
    responses((status = 200, description = "A page of tasks", body = Vec<TaskWithNested>), (status = 404, description = "No such project, no tasks, or invalid page")))]
pub async fn list_project_tasks(
    State(app): State<AppState>,
    auth: AuthUser,
    Path(id): Path<i64>,
    Query(query): Query<PageQuery>,
) -> ApiResult<Response> {
    let project = crate::projects::load(&app.db, &auth, id).await?;
    let count = labelsync_db::tasks::totals(&app.db, project.id).await?.tasks;
    if count == 0 {
        return Err(ApiError::not_found());
    }
    if query.page_size.as_deref().map(str::trim) == Some("-1") {
        return Ok(stream_all(app, project));
    }
    let page = Page::resolve(&query, 50, None, count).map_err(|_| ApiError::not_found())?;
    if page.size > stream::CHUNK && page.size >= count {
        // One page holding every task: the same answer as -1, without holding it in memory.
        return Ok(stream_all(app, project));
    }
    let tasks = labelsync_db::tasks::list_recent(&app.db, project.id, page.offset(), page.size).await?;
    let ids: Vec<i64> = tasks.iter().map(|t| t.id).collect();
    let related = Related::load(&app.db, &ids).await?;
    let ctx = ServeContext::new(&project);
    let items = tasks.iter().map(|t| {
        let (a, p) = (related.annotations(t.id), related.predictions(t.id));
        TaskWithNested::new(t, &ctx, a, p, &related.users)
    });
    Ok(Json(items.collect::<Vec<_>>()).into_response())
}

/// Every task of the project as one JSON array, read in keyset chunks (see [`stream`]).
fn stream_all(app: AppState, project: Project) -> Response {
    let ctx = Arc::new(ServeContext::new(&project));
    let project_id = project.id;
    stream::json_items("[".to_owned(), "]", None, move |after| {
        let (app, ctx) = (app.clone(), ctx.clone());
        async move { next_chunk(&app, &ctx, project_id, after).await }
    })
}

/// The tasks after `after` (the `(updated_at, id)` of the last one written) with their
/// annotations and predictions, and where the next chunk starts (`None`: this was the last).
async fn next_chunk(
    app: &AppState,
    ctx: &ServeContext,
    project_id: i64,
    after: Option<(DateTime<Utc>, i64)>,
) -> ApiResult<(Vec<TaskWithNested>, Option<Option<(DateTime<Utc>, i64)>>)> {
    let tasks = labelsync_db::tasks::list_recent_after(&app.db, project_id, after, stream::CHUNK).await?;
    let ids: Vec<i64> = tasks.iter().map(|t| t.id).collect();
    let related = Related::load(&app.db, &ids).await?;
    let values = tasks.iter().map(|task| {
        let (a, p) = (related.annotations(task.id), related.predictions(task.id));
        TaskWithNested::new(task, ctx, a, p, &related.users)
    });
    let next = match tasks.last() {
        Some(last) if tasks.len() as i64 == stream::CHUNK => Some(Some((last.updated_at, last.id))),
        _ => None,
    };
    Ok((values.collect(), next))
}
