use axum::extract::State;
use axum::http::{HeaderValue, Uri, header};
use axum::response::{IntoResponse, Response};

use super::options::ExportOptions;
use super::stream;
use crate::error::{ApiError, ApiResult};
use crate::extract::{AuthUser, Path};
use crate::state::AppState;

/// Download a project's tasks (every member): `exportType`/`export_type` `JSON` (default;
/// full tasks with annotations), `JSON_MIN` (a row per annotation) or `CSV` (the same rows); only tasks with at
/// least one annotation unless `download_all_tasks=true`; `ids[]` picks tasks. Streamed,
/// with Label Studio's `Content-Disposition` file name.
#[utoipa::path(get, path = "/api/projects/{id}/export", tag = "export",
    params(("id" = i64, Path, description = "Project id"),
           ("exportType" = Option<String>, Query, description = "`JSON` (default), `JSON_MIN` or `CSV`; `export_type` works too"),
           ("download_all_tasks" = Option<bool>, Query, description = "Include tasks without annotations"),
           ("ids[]" = Option<Vec<i64>>, Query, description = "Only these tasks")),
    responses((status = 200, description = "The export file: one object per task (`JSON`), one per row (`JSON_MIN`), or CSV text",
                content((Vec<Object> = "application/json"), (String = "text/csv"))),
               (status = 400, description = "Unknown export type or bad flag"), (status = 404, description = "No such project")))]
pub async fn export_project(
    State(app): State<AppState>,
    auth: AuthUser,
    Path(id): Path<i64>,
    uri: Uri,
) -> ApiResult<Response> {
    let project = crate::projects::load(&app.db, &auth, id).await?;
    let options = ExportOptions::parse(uri.query())?;
    let (extension, content_type) = options.export_type.file_type();
    let name = filename(project.id, extension);
    let disposition =
        HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")).map_err(ApiError::internal)?;
    let name = HeaderValue::from_str(&name).map_err(ApiError::internal)?;
    let body = stream::body(app.db.clone(), &project, options);
    let headers = [
        (header::CONTENT_TYPE, HeaderValue::from_static(content_type)),
        (header::CONTENT_DISPOSITION, disposition),
        (header::HeaderName::from_static("filename"), name),
    ];
    Ok((headers, body).into_response())
}

/// `project-{id}-at-{YYYY-MM-DD-HH-MM}-{8 hex}.{extension}`, as Label Studio names exports
/// (its hex is a hash of the content, which a stream does not know in advance; ours is random).
fn filename(project_id: i64, extension: &str) -> String {
    let now = chrono::Utc::now().format("%Y-%m-%d-%H-%M");
    let tag = uuid::Uuid::new_v4().simple().to_string();
    format!("project-{project_id}-at-{now}-{}.{extension}", &tag[..8])
}
