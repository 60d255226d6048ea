use axum::Json;
use axum::body::Body;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use chrono::{DateTime, Utc};
use labelsync_db::projects::Project;
use serde_json::Value;

use super::json::{ServeContext, with_nested};
use super::related::Related;
use crate::error::{ApiError, ApiResult};
use crate::extract::{AuthUser, Path, Query};
use crate::pagination::{Page, PageQuery};
use crate::state::AppState;

/// Tasks per chunk of a `page_size=-1` answer: each chunk is read, joined with its
/// annotations and predictions and written out before the next one is read.
const ALL_CHUNK: i64 = 200;

/// A project's tasks, most recently updated first, as a bare list with annotations and
/// predictions (`page`, `page_size`: default 50; `-1` = all, streamed, `page` ignored). Like
/// Label Studio, a page past the end — and any page of a project without tasks — is 404
/// `"Not found."`.
#[utoipa::path(get, path = "/api/projects/{id}/tasks/", tag = "tasks",
    params(("id" = i64, Path, description = "Project id"),
           ("page" = Option<i64>, Query, description = "Page number, from 1 (ignored with page_size=-1)"),
           ("page_size" = Option<i64>, Query, description = "Tasks per page (default 50, -1 for all)")),
    responses((status = 200, description = "A page of tasks"), (status = 404, description = "No such project, no tasks, or invalid page")))]
pub async fn list_project_tasks(
    State(app): State<AppState>,
    auth: AuthUser,
    Path(id): Path<i64>,
    Query(query): Query<PageQuery>,
) -> ApiResult<Response> {
    let project = crate::projects::load(&app.db, &auth, id).await?;
    let count = labelsync_db::tasks::totals(&app.db, project.id).await?.tasks;
    let not_found = || ApiError::NotFound("Not found.".into());
    if count == 0 {
        return Err(not_found());
    }
    if query.page_size.as_deref().map(str::trim) == Some("-1") {
        return Ok(stream_all(app, project));
    }
    let page = Page::resolve(&query, 50, None, count).map_err(|_| not_found())?;
    let tasks = labelsync_db::tasks::list_recent(&app.db, project.id, page.offset(), page.size).await?;
    let ids: Vec<i64> = tasks.iter().map(|t| t.id).collect();
    let related = Related::load(&app.db, &ids).await?;
    let ctx = ServeContext::new(&project);
    let items = tasks.iter().map(|t| {
        let (a, p) = (related.annotations(t.id), related.predictions(t.id));
        with_nested(t, &ctx, a, p, &related.users)
    });
    Ok(Json(Value::Array(items.collect())).into_response())
}

/// Where a streamed answer stands: the last task written, or not started.
struct Cursor {
    after: Option<(DateTime<Utc>, i64)>,
    started: bool,
}

/// Every task of the project as one JSON array, written chunk by chunk from keyset pages, so
/// memory stays bounded by one chunk whatever the project's size. A database error after
/// the first bytes can only cut the response short (the status is already sent); it is logged.
fn stream_all(app: AppState, project: Project) -> Response {
    let ctx = std::sync::Arc::new(ServeContext::new(&project));
    let start = Cursor { after: None, started: false };
    let chunks = futures::stream::try_unfold(Some(start), move |cursor| {
        let (app, ctx, project_id) = (app.clone(), ctx.clone(), project.id);
        async move {
            let Some(cursor) = cursor else { return Ok(None) };
            let result = next_chunk(&app, &ctx, project_id, cursor).await;
            result.map(Some).map_err(|err| {
                tracing::error!(project = project_id, "streaming a project's tasks failed: {err}");
                std::io::Error::other("streaming the tasks failed")
            })
        }
    });
    ([(header::CONTENT_TYPE, "application/json")], Body::from_stream(chunks)).into_response()
}

/// The bytes of the next chunk (with the array's brackets where they belong) and the cursor
/// after it, `None` once the array is closed.
async fn next_chunk(
    app: &AppState,
    ctx: &ServeContext,
    project_id: i64,
    cursor: Cursor,
) -> ApiResult<(Bytes, Option<Cursor>)> {
    let tasks = labelsync_db::tasks::list_recent_after(&app.db, project_id, cursor.after, ALL_CHUNK).await?;
    let ids: Vec<i64> = tasks.iter().map(|t| t.id).collect();
    let related = Related::load(&app.db, &ids).await?;
    let mut out = Vec::new();
    if !cursor.started {
        out.push(b'[');
    }
    for (index, task) in tasks.iter().enumerate() {
        if cursor.started || index > 0 {
            out.push(b',');
        }
        let (a, p) = (related.annotations(task.id), related.predictions(task.id));
        serde_json::to_writer(&mut out, &with_nested(task, ctx, a, p, &related.users))
            .map_err(ApiError::internal)?;
    }
    let next = match tasks.last() {
        Some(last) if tasks.len() as i64 == ALL_CHUNK => {
            Some(Cursor { after: Some((last.updated_at, last.id)), started: true })
        }
        _ => {
            out.push(b']');
            None
        }
    };
    Ok((Bytes::from(out), next))
}
