use axum::Json;
use axum::extract::State;
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::json::{full, list_item};
use super::related::Related;
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

/// A project's tasks in id order, as `{total_annotations, total_predictions, total, tasks}`
/// (`page`, `page_size`: default 100, no maximum; totals cover the whole project).
/// `fields=all` nests annotations and predictions. Storage URIs in `data` are rewritten to
/// resolve URLs unless `resolve_uri=false`. Without `project` the answer is 404
/// `"Neither project nor view id specified"` in our error envelope (Label Studio sends a
/// bare `{"detail": …}`); labelsync has no Data Manager views, so `view` alone is 404 too.
#[utoipa::path(get, path = "/api/tasks/", tag = "tasks",
    params(("project" = i64, Query, description = "Project id"),
           ("fields" = Option<String>, Query, description = "`all` adds annotations, predictions and summaries"),
           ("resolve_uri" = Option<bool>, Query, description = "Rewrite storage URIs in `data` to resolve URLs (default true)"),
           ("page" = Option<i64>, Query, description = "Page number, from 1"),
           ("page_size" = Option<i64>, Query, description = "Tasks per page (default 100)")),
    responses((status = 200, description = "A page of tasks"), (status = 400, description = "`project` is not a number"),
               (status = 404, description = "No project given, no such project, or invalid page")))]
pub async fn list_tasks(
    State(app): State<AppState>,
    auth: AuthUser,
    Query(query): Query<TaskListQuery>,
) -> ApiResult<Json<Value>> {
    let project_id = project_id(&query)?;
    let project = crate::projects::load(&app.db, &auth, project_id).await?;
    let totals = labelsync_db::tasks::totals(&app.db, project.id).await?;
    let page = Page::resolve(&query.page, 100, None, totals.tasks)?;
    let (tasks, _) = labelsync_db::tasks::list(&app.db, project.id, page.offset(), page.size).await?;
    let ctx = crate::media::serve_context(&app, &project, &query.resolve).await?;
    let items: Vec<Value> = if query.fields.as_deref() == Some("all") {
        let ids: Vec<i64> = tasks.iter().map(|t| t.id).collect();
        let related = Related::load(&app.db, &ids).await?;
        tasks
            .iter()
            .map(|t| {
                let (a, p) = (related.annotations(t.id), related.predictions(t.id));
                full(t, &ctx, a, p, &related.users, true)
            })
            .collect()
    } else {
        tasks.iter().map(|t| list_item(t, &ctx)).collect()
    };
    Ok(Json(json!({
        "total_annotations": totals.annotations,
        "total_predictions": totals.predictions,
        "total": totals.tasks,
        "tasks": items,
    })))
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
