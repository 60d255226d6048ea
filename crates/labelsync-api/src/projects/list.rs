use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, Uri};

use super::response::ProjectResponse;
use crate::error::ApiResult;
use crate::extract::{AuthUser, Query};
use crate::pagination::{Page, PageQuery, Paginated};
use crate::state::AppState;

/// The organization's projects, newest first, paginated as `{count, next, previous, results}`
/// (`page`, `page_size`: default 30, at most 100).
#[utoipa::path(get, path = "/api/projects/", tag = "projects",
    params(("page" = Option<i64>, Query, description = "Page number, from 1"),
           ("page_size" = Option<i64>, Query, description = "Projects per page (default 30, max 100)")),
    responses((status = 200, description = "A page of projects", body = Paginated<ProjectResponse>), (status = 404, description = "Invalid page")))]
pub async fn list_projects(
    State(app): State<AppState>,
    auth: AuthUser,
    Query(query): Query<PageQuery>,
    uri: Uri,
    headers: HeaderMap,
) -> ApiResult<Json<Paginated<ProjectResponse>>> {
    let count = labelsync_db::projects::count(&app.db, auth.org_id).await?;
    let page = Page::resolve(&query, 30, Some(100), count)?;
    let (projects, count) =
        labelsync_db::projects::list(&app.db, auth.org_id, page.offset(), page.size).await?;
    let ids: Vec<i64> = projects.iter().map(|p| p.id).collect();
    let stats = labelsync_db::projects::stats(&app.db, &ids).await?;
    let mut results = Vec::with_capacity(projects.len());
    for (project, stats) in projects.iter().zip(&stats) {
        let creator = super::creator(&app.db, project).await?;
        results.push(ProjectResponse::new(project, Some(stats), creator.as_ref())?);
    }
    Ok(Json(Paginated::new(&page, &uri, &headers, count, results)))
}
