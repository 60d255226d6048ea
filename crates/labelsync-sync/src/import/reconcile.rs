//! After a complete listing: the objects that vanished from the storage. Their links are those
//! the sync's generation did not mark; `sync_deleted` says what happens to their tasks (kept,
//! deleted when unlabeled, or deleted), through the task-delete path. Links whose tasks stay are
//! marked missing (`object_exists` false) until a later listing sees their object again.

use std::collections::HashSet;
use std::hash::{BuildHasher, RandomState};

use labelsync_db::links::{self, LinkedTask};
use labelsync_db::projects::Project;
use labelsync_db::storages::Storage;
use labelsync_queue::Lease;
use labelsync_types::SyncDeleted;

use super::SyncError;
use super::status::Progress;
use crate::context::SyncContext;
use crate::tasks::delete_tasks;

/// Missing links handled per transaction.
const PAGE: i64 = 1000;

/// The tasks of vanished objects that `policy` deletes, of one page of missing links.
pub(crate) fn doomed(policy: SyncDeleted, page: &[LinkedTask]) -> Vec<i64> {
    page.iter()
        .filter(|link| match policy {
            SyncDeleted::Keep => false,
            SyncDeleted::DeleteUnlabeled => !link.labeled,
            SyncDeleted::Delete => true,
        })
        .map(|link| link.task_id)
        .collect()
}

/// Applies `policy` to the links the sync did not see, and counts their objects.
pub(super) async fn vanished(
    ctx: &SyncContext,
    storage: &Storage,
    project: &Project,
    policy: SyncDeleted,
    progress: &mut Progress,
    lease: &Lease,
) -> Result<(), SyncError> {
    let hasher = RandomState::new();
    let mut keys = HashSet::new();
    let mut after = 0;
    loop {
        lease.check()?;
        let page = links::missing_links(&ctx.db, storage.id, progress.generation, after, PAGE).await?;
        let Some(last) = page.last() else { break };
        after = last.id;
        keys.extend(page.iter().map(|link| hasher.hash_one(&link.key)));
        let doomed = doomed(policy, &page);
        if !doomed.is_empty() {
            let mut tx = ctx.db.begin().await?;
            let deleted = delete_tasks(&mut tx, project.id, &doomed).await?;
            tx.commit().await?;
            progress.counts.tasks_deleted += deleted as i64;
        }
    }
    links::mark_missing(&ctx.db, storage.id, progress.generation).await?;
    progress.counts.objects_missing = keys.len() as i64;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each policy picks its tasks: none, the unlabeled ones, all.
    #[test]
    fn policies_pick_their_tasks() {
        let link = |task_id, labeled| LinkedTask { id: task_id, task_id, key: "k".into(), labeled };
        let page = [link(1, true), link(2, false)];
        assert!(doomed(SyncDeleted::Keep, &page).is_empty());
        assert_eq!(doomed(SyncDeleted::DeleteUnlabeled, &page), [2]);
        assert_eq!(doomed(SyncDeleted::Delete, &page), [1, 2]);
    }
}
