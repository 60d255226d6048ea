//! The JSON Label Studio writes to an export storage for one annotation (`docs/label-studio-api.md`
//! §6.2): the annotation, its author expanded, and its task nested (without annotations, URIs
//! unresolved, `$undefined$` renamed).

use labelsync_db::annotations::Annotation;
use labelsync_db::orgs::User;
use labelsync_db::tasks::Task;
use serde_json::{Value, json};

use crate::tasks::rename_undefined;
use crate::wire::annotation::{self, Layout};
use crate::wire::ts;

/// The annotation-centric export object: the annotation in [`Layout::Storage`], its task
/// nested.
pub fn annotation_body(
    annotation: &Annotation,
    author: Option<&User>,
    task: &Task,
    first_data_key: Option<&str>,
) -> Value {
    annotation::to_json(annotation, Layout::Storage { author, task: task_body(task, first_data_key) })
}

/// The raw task model as nested in an annotation export.
fn task_body(task: &Task, first_data_key: Option<&str>) -> Value {
    json!({
        "id": task.id,
        "data": rename_undefined(&task.data.0, first_data_key),
        "meta": task.meta.0,
        "created_at": ts(&task.created_at),
        "updated_at": ts(&task.updated_at),
        "is_labeled": task.is_labeled,
        "allow_skip": task.allow_skip,
        "overlap": task.overlap,
        "inner_id": task.inner_id,
        "total_annotations": task.total_annotations,
        "cancelled_annotations": task.cancelled_annotations,
        "total_predictions": task.total_predictions,
        "precomputed_agreement": null,
        "comment_count": 0,
        "unresolved_comment_count": 0,
        "last_comment_updated_at": null,
        "project": task.project_id,
        "updated_by": task.updated_by_id,
        "file_upload": null,
        "comment_authors": [],
    })
}
