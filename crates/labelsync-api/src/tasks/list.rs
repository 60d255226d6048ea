use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use labelsync_db::tasks::{ProjectTotals, Task};
use serde::{Deserialize, Serialize};
use serde_json::{Map, json};
use utoipa::ToSchema;

use super::detail::TaskDetail;
use super::json::ServeContext;
use super::related::Related;
use super::shapes::TaskListItem;
use super::stream;
use crate::error::{ApiError, ApiResult};
use crate::extract::{AuthUser, Query};
use crate::pagination::{Page, PageQuery};
use crate::state::AppState;

#[derive(Debug, Deserialize)]
pub struct TaskListQuery {
    project: Option<String>,
    view: Option<String>,
    fields: Option<String>,
    #[serde(flatten)]
    resolve: crate::media::ResolveFlag,
    #[serde(flatten)]
    page: PageQuery,
}

/// A page of `/api/tasks/`; the totals cover the whole project. A streamed page writes the
/// same keys (see `stream_page`).
#[derive(Debug, Serialize, ToSchema)]
pub struct TaskPage {
    pub total_annotations: i64,
    pub total_predictions: i64,
    pub total: i64,
    pub tasks: Vec<TaskListEntry>,
}

/// An item of `/api/tasks/`: in full with `fields=all`, else the short list item.
#[derive(Debug, Serialize, ToSchema)]
#[serde(untagged)]
pub enum TaskListEntry {
    Item(TaskListItem),
    Detail(TaskDetail),
}

/// A project's tasks in id order, as `{total_annotations, total_predictions, total, tasks}`
/// (`page`, `page_size`: default 100, no maximum; totals cover the whole project).
/// `fields=all` nests annotations and predictions. Storage URIs in `data` are rewritten to
/// resolve URLs unless `resolve_uri=false`. Without `project` the answer is 404
/// `"Neither project nor view id specified"` in our error envelope (Label Studio sends a
/// bare `{"detail": …}`); labelsync has no Data Manager views, so `view` alone is 404 too.
/// A page larger than a few hundred tasks is streamed, so no page size holds a whole project
/// in memory.
#[utoipa::path(get, path = "/api/tasks/", tag = "tasks",
    params(("project" = i64, Query, description = "Project id"),
           ("fields" = Option<String>, Query, description = "`all` adds annotations, predictions and summaries"),
           ("resolve_uri" = Option<bool>, Query, description = "Rewrite storage URIs in `data` to resolve URLs (default true)"),
           ("page" = Option<i64>, Query, description = "Page number, from 1"),
           ("page_size" = Option<i64>, Query, description = "Tasks per page (default 100)")),
    responses((status = 200, description = "A page of tasks", body = TaskPage), (status = 400, description = "`project` is not a number"),
               (status = 404, description = "No project given, no such project, or invalid page")))]
pub async fn list_tasks(
    State(app): State<AppState>,
    auth: AuthUser,
    Query(query): Query<TaskListQuery>,
) -> ApiResult<Response> {
    let project_id = project_id(&query)?;
    let project = crate::projects::load(&app.db, &auth, project_id).await?;
    let totals = labelsync_db::tasks::totals(&app.db, project.id).await?;
    let page = Page::resolve(&query.page, 100, None, totals.tasks)?;
    let ctx = crate::media::serve_context(&app, &project, &query.resolve).await?;
    let nested = query.fields.as_deref() == Some("all");
    if page.size > stream::CHUNK {
        let rows = page.size.min(totals.tasks - page.offset());
        return Ok(stream_page(app, project.id, totals, page.offset(), rows, ctx, nested));
    }
    let (tasks, _) = labelsync_db::tasks::list(&app.db, project.id, page.offset(), page.size).await?;
    let items = render(&app, &ctx, &tasks, nested).await?;
    let page = TaskPage {
        total_annotations: totals.annotations,
        total_predictions: totals.predictions,
        total: totals.tasks,
        tasks: items,
    };
    Ok(Json(page).into_response())
}

/// The list items of `tasks`; `nested` adds annotations and predictions (`fields=all`).
async fn render(
    app: &AppState,
    ctx: &ServeContext,
    tasks: &[Task],
    nested: bool,
) -> ApiResult<Vec<TaskListEntry>> {
    if !nested {
        return Ok(tasks.iter().map(|t| TaskListEntry::Item(TaskListItem::new(t, ctx))).collect());
    }
    let ids: Vec<i64> = tasks.iter().map(|t| t.id).collect();
    let related = Related::load(&app.db, &ids).await?;
    let items = tasks.iter().map(|t| {
        let (a, p) = (related.annotations(t.id), related.predictions(t.id));
        TaskListEntry::Detail(TaskDetail::new(t, ctx, a, p, &related.users, true))
    });
    Ok(items.collect())
}

/// Where the next chunk of a streamed page starts.
enum Cursor {
    Offset(i64),
    After(i64),
}

/// `rows` tasks from `offset` in id order, in the same object as a page, chunk by chunk: the
/// first chunk by offset, the others after the last id written.
fn stream_page(
    app: AppState,
    project_id: i64,
    totals: ProjectTotals,
    offset: i64,
    rows: i64,
    ctx: ServeContext,
    nested: bool,
) -> Response {
    let head = format!(
        "{{\"total_annotations\":{},\"total_predictions\":{},\"total\":{},\"tasks\":[",
        totals.annotations, totals.predictions, totals.tasks
    );
    let ctx = Arc::new(ctx);
    stream::json_items(head, "]}", (Cursor::Offset(offset), rows), move |(cursor, left)| {
        let (app, ctx) = (app.clone(), ctx.clone());
        async move {
            let limit = left.min(stream::CHUNK);
            let tasks = match cursor {
                Cursor::Offset(offset) => {
                    labelsync_db::tasks::list(&app.db, project_id, offset, limit).await?.0
                }
                Cursor::After(id) => labelsync_db::tasks::list_after(&app.db, project_id, id, limit).await?,
            };
            let left = left - tasks.len() as i64;
            let next = match tasks.last() {
                Some(last) if left > 0 && tasks.len() as i64 == limit => Some((Cursor::After(last.id), left)),
                _ => None,
            };
            Ok((render(&app, &ctx, &tasks, nested).await?, next))
        }
    })
}

fn project_id(query: &TaskListQuery) -> ApiResult<i64> {
    let Some(text) = query.project.as_deref() else {
        return Err(match query.view {
            Some(_) => ApiError::no_match("View"),
            None => ApiError::NotFound("Neither project nor view id specified".into()),
        });
    };
    text.trim().parse::<i64>().map_err(|_| {
        let mut errors = Map::new();
        errors.insert(
            "project".into(),
            json!(format!("Incorrect value in key \"project\" = \"{text}\". It should be digit string.")),
        );
        ApiError::Validation(errors)
    })
}
