//! Deleting tasks: the one path the task-delete API and a sync's `sync_deleted` policy share.

use labelsync_db::Tx;
use labelsync_db::{annotations, tasks};

use crate::error::WriteResult;
use crate::export::{DeletedAnnotation, annotations_changed};

/// Deletes tasks `ids` of project `project_id` with their annotations, predictions and import
/// links, inside `tx`. The export hook sees their annotations first (export storages that may
/// delete objects get a deletion job in the same transaction), then webhooks (`TASKS_DELETED`).
/// Returns how many were deleted.
pub async fn delete_tasks(tx: &mut Tx, project_id: i64, ids: &[i64]) -> WriteResult<u64> {
    if ids.is_empty() {
        return Ok(0);
    }
    let deleted: Vec<DeletedAnnotation> = annotations::refs_for_tasks(&mut *tx, ids)
        .await?
        .into_iter()
        .map(|(id, task_id)| DeletedAnnotation { id, task_id })
        .collect();
    annotations_changed(tx, project_id, &[], &deleted).await?;
    crate::webhooks::emit::tasks_deleted(tx, project_id, ids).await?;
    Ok(tasks::delete_many(&mut *tx, project_id, ids).await?)
}

/// Deletes every task of project `project_id` (`DELETE /api/projects/{id}/tasks/`) as
/// [`delete_tasks`] does: the export hook first, webhooks (`TASKS_DELETED`) with them.
pub async fn delete_all_tasks(tx: &mut Tx, project_id: i64) -> WriteResult<u64> {
    let deleted: Vec<DeletedAnnotation> = annotations::refs_for_project(&mut *tx, project_id)
        .await?
        .into_iter()
        .map(|(id, task_id)| DeletedAnnotation { id, task_id })
        .collect();
    annotations_changed(tx, project_id, &[], &deleted).await?;
    let ids = tasks::delete_all(&mut *tx, project_id).await?;
    crate::webhooks::emit::tasks_deleted(tx, project_id, &ids).await?;
    Ok(ids.len() as u64)
}
