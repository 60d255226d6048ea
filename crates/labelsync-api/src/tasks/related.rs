//! What a page of tasks is served with: its annotations, their authors, its predictions.

use std::collections::HashMap;

use labelsync_db::Db;
use labelsync_db::annotations::{self, Annotation};
use labelsync_db::predictions::{self, Prediction};

use crate::annotations::{Users, users_of};
use crate::error::ApiResult;

/// Annotations and predictions of some tasks, by task id, with the annotations' authors.
#[derive(Debug, Default)]
pub struct Related {
    annotations: HashMap<i64, Vec<Annotation>>,
    predictions: HashMap<i64, Vec<Prediction>>,
    pub users: Users,
}

impl Related {
    /// Three queries whatever the number of tasks.
    pub async fn load(db: &Db, task_ids: &[i64]) -> ApiResult<Related> {
        let all = annotations::list_for_tasks(db, task_ids).await?;
        let users = users_of(db, &all).await?;
        let mut related = Related { users, ..Related::default() };
        for annotation in all {
            related.annotations.entry(annotation.task_id).or_default().push(annotation);
        }
        for prediction in predictions::list_for_tasks(db, task_ids).await? {
            related.predictions.entry(prediction.task_id).or_default().push(prediction);
        }
        Ok(related)
    }

    pub fn annotations(&self, task_id: i64) -> &[Annotation] {
        self.annotations.get(&task_id).map_or(&[], Vec::as_slice)
    }

    pub fn predictions(&self, task_id: i64) -> &[Prediction] {
        self.predictions.get(&task_id).map_or(&[], Vec::as_slice)
    }
}
