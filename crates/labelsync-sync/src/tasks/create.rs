//! Creating tasks with everything that comes with them, in batches, in one transaction.

use labelsync_db::Tx;
use labelsync_db::annotations::{self, NewAnnotation};
use labelsync_db::links::{self, NewImportLink};
use labelsync_db::predictions::{self, NewPrediction};
use labelsync_db::projects::{self, Project};
use labelsync_db::tasks::{self, NewTask};
use serde_json::Value;

use super::{LinkTarget, TaskCandidate};
use crate::error::WriteResult;

/// What [`create_tasks`] created.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CreatedTasks {
    /// Ids of the new tasks, in candidate order.
    pub task_ids: Vec<i64>,
    /// Ids of the new annotations, in candidate order.
    pub annotation_ids: Vec<i64>,
    pub prediction_count: usize,
}

/// Creates `candidates` in `project` inside `tx`: tasks with consecutive inner ids, their
/// counters (`total_annotations`, `cancelled_annotations`, `total_predictions`, `is_labeled`)
/// set from what comes with them, their annotations (`completed_by` = `user`, `updated_by`
/// null, as Label Studio's import leaves it), their predictions, and, when `links` names a
/// storage, an import link for each candidate that has a `source`. New annotations are
/// reported to [`crate::export::annotations_changed`] in the same transaction, and the new
/// tasks to webhooks (`TASKS_CREATED`).
///
/// Inserts are batched, so thousands of tasks cost a handful of statements. Nothing is
/// validated here: candidates come from [`super::validate_import`] or
/// [`super::candidate_from_object`]. An error leaves `tx` to be rolled back.
pub async fn create_tasks(
    tx: &mut Tx,
    project: &Project,
    mut candidates: Vec<TaskCandidate>,
    links: Option<LinkTarget>,
    user: Option<i64>,
) -> WriteResult<CreatedTasks> {
    if candidates.is_empty() {
        return Ok(CreatedTasks::default());
    }
    let count = i64::try_from(candidates.len()).unwrap_or(i64::MAX);
    let first_inner_id = projects::reserve_inner_ids(&mut *tx, project.id, count).await?;
    let new_tasks: Vec<NewTask> = candidates
        .iter_mut()
        .zip(first_inner_id..)
        .map(|(candidate, inner_id)| new_task(candidate, inner_id, project.maximum_annotations))
        .collect();
    let task_ids = tasks::insert_many(&mut *tx, project.id, &new_tasks).await?;
    drop(new_tasks);

    if let Some(target) = links {
        let links = import_links(&candidates, &task_ids);
        links::insert_import_links(&mut *tx, target.storage_id, target.generation, &links).await?;
    }
    let (new_annotations, new_predictions) = children(candidates, &task_ids, project.id, user);
    let annotation_ids = annotations::insert_many(&mut *tx, &new_annotations).await?;
    predictions::insert_many(&mut *tx, &new_predictions).await?;
    crate::export::annotations_changed(tx, project.id, &annotation_ids, &[]).await?;
    crate::webhooks::emit::tasks_created(tx, project, &task_ids).await?;
    Ok(CreatedTasks { task_ids, annotation_ids, prediction_count: new_predictions.len() })
}

fn import_links(candidates: &[TaskCandidate], task_ids: &[i64]) -> Vec<NewImportLink> {
    candidates
        .iter()
        .zip(task_ids)
        .filter_map(|(candidate, &task_id)| {
            candidate.source.as_ref().map(|source| NewImportLink {
                task_id,
                key: source.key.clone(),
                row_index: source.row_index,
                version: source.version.clone(),
            })
        })
        .collect()
}

/// The annotations and predictions of the candidates, attached to their new tasks.
fn children(
    candidates: Vec<TaskCandidate>,
    task_ids: &[i64],
    project_id: i64,
    user: Option<i64>,
) -> (Vec<NewAnnotation>, Vec<NewPrediction>) {
    let mut new_annotations = Vec::new();
    let mut new_predictions = Vec::new();
    for (candidate, &task_id) in candidates.into_iter().zip(task_ids) {
        for a in candidate.annotations {
            new_annotations.push(NewAnnotation {
                task_id,
                project_id,
                completed_by_id: user,
                result: a.result,
                was_cancelled: a.was_cancelled,
                ground_truth: a.ground_truth,
                lead_time: a.lead_time,
                draft_created_at: None,
                import_id: None,
                last_action: None,
                parent_prediction_id: None,
                parent_annotation_id: None,
                bulk_created: false,
                updated_by_id: None,
            });
        }
        for p in candidate.predictions {
            new_predictions.push(NewPrediction {
                task_id,
                project_id,
                result: p.result,
                score: p.score,
                model_version: p.model_version,
            });
        }
    }
    (new_annotations, new_predictions)
}

/// The row of `candidate`'s task; its `data` moves into the row (nothing reads it afterwards).
fn new_task(candidate: &mut TaskCandidate, inner_id: i64, maximum_annotations: i32) -> NewTask {
    let all = candidate.annotations.len();
    let cancelled = candidate.annotations.iter().filter(|a| a.was_cancelled).count();
    let as_i32 = |n: usize| i32::try_from(n).unwrap_or(i32::MAX);
    NewTask {
        data: Value::Object(std::mem::take(&mut candidate.data)),
        meta: candidate.meta.clone(),
        inner_id,
        overlap: maximum_annotations,
        // Cancelled annotations count here, as in Label Studio (and `refresh_counters`).
        is_labeled: as_i32(all) >= maximum_annotations,
        total_annotations: as_i32(all - cancelled),
        cancelled_annotations: as_i32(cancelled),
        total_predictions: as_i32(candidate.predictions.len()),
        allow_skip: candidate.allow_skip,
    }
}
