use super::input::{self, NewTaskBody};
use super::json::ServeContext;
use super::shapes::TaskCreated;
use crate::error::{ApiError, ApiResult};
use crate::extract::{AuthUser, Body};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use labelsync_sync::label_config::LabelConfig;
use labelsync_sync::tasks::{TaskCandidate, check_task_data, create_tasks};

/// Create one task in a project (managers and administrators). `data` must hold every data
/// key of the label config, with Label Studio's messages; inline `annotations` are ignored,
/// as in Label Studio.
#[utoipa::path(post, path = "/api/tasks/", tag = "tasks",
    request_body = NewTaskBody,
    responses((status = 201, description = "The new task", body = TaskCreated), (status = 400, description = "Invalid fields or data"),
               (status = 403, description = "Annotators cannot create tasks"), (status = 404, description = "No such project")))]
pub async fn create_task(
    State(app): State<AppState>,
    auth: AuthUser,
    Body(body): Body,
) -> ApiResult<(StatusCode, Json<TaskCreated>)> {
    auth.require_manager()?;
    let input = input::parse_create(&body)?;
    let project = crate::projects::load(&app.db, &auth, input.project).await?;
    let config = LabelConfig::parse(&project.label_config).map_err(ApiError::internal)?;
    let data = check_task_data(input.data, &config).map_err(ApiError::non_field)?;
    let candidate =
        TaskCandidate { meta: input.meta, allow_skip: input.allow_skip, ..TaskCandidate::new(data) };
    let mut tx = app.db.begin().await?;
    let created = create_tasks(&mut tx, &project, vec![candidate], None, None).await?;
    tx.commit().await?;
    // Export jobs were enqueued with the change; start them now.
    app.queue.wake();
    let id = created.task_ids.first().copied().unwrap_or_default();
    let task = super::load(&app.db, &auth, id).await?;
    Ok((StatusCode::CREATED, Json(TaskCreated::new(&task, &ServeContext::new(&project)))))
}
