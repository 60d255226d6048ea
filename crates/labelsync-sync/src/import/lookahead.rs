//! A listed batch's links are looked up, and the tasks of its new objects built, while the batch
//! before it is written.
//!
//! Three tasks run a sync: the listing; the look-up (a read of the batch's keys' import links, on
//! its own pooled connection, then, in blob mode, the task of every selected object without a
//! link); and the writer (classify, write, checkpoint). The database reads the next batch's links
//! while it inserts this batch's tasks, and the other core builds the next batch's tasks while the
//! writer waits on the database: the writer is left with classifying the batch and binding and
//! running its statements. On PostgreSQL the look-up is a quarter of the database's time per batch.
//!
//! A look-up that ran before an earlier batch committed cannot have seen that batch's links. A
//! listing gives each key once, but not every listing promises it (Redis `SCAN` may repeat a
//! key), so the writer remembers the keys of the batches written since each look-up began and
//! looks those keys up again, now committed, before it classifies, and drops the tasks built
//! ahead from the stale links: what is written is what the sequential order would write.

use std::collections::{HashSet, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};

use labelsync_db::Db;
use labelsync_db::links::{self, ImportLink};
use labelsync_storage::ObjectMeta;

use super::plan::Plan;
use crate::context::SyncContext;
use crate::tasks::TaskCandidate;

/// A listed batch, unpacked.
pub(super) struct Listed {
    /// The batch's objects, each key once.
    pub objects: Vec<ObjectMeta>,
    /// Their keys.
    pub keys: HashSet<String>,
    /// Objects listed, repeated and unimportable keys included.
    pub listed: i64,
    /// The last checkpoint of the batch.
    pub checkpoint: Option<String>,
}

/// A listed batch with the links its keys had when it was looked up.
pub(super) struct LookedUp {
    /// The batch's objects, each key once.
    pub objects: Vec<ObjectMeta>,
    /// Their keys.
    pub keys: HashSet<String>,
    /// The links of their keys.
    pub found: Vec<ImportLink>,
    /// Objects listed, repeated and unimportable keys included.
    pub listed: i64,
    /// The last checkpoint of the batch.
    pub checkpoint: Option<String>,
    /// How many batches were written when the look-up began.
    written_before: u64,
    /// In blob mode, the tasks of the selected objects `found` has no link for, in listing order:
    /// the batch's new objects' tasks, built ahead. `None` when the links were looked up again.
    pub new_tasks: Option<Vec<TaskCandidate>>,
}

/// The keys of the batches written lately, by the look-ups that may not have seen them.
#[derive(Default)]
pub(super) struct Written {
    /// Batches written so far.
    count: AtomicU64,
    /// The keys of each batch written since the oldest look-up still pending, by batch number.
    recent: std::sync::Mutex<VecDeque<(u64, HashSet<String>)>>,
}

impl Written {
    /// Looks up the links of the batch's keys (at the time of the call), noting how many batches
    /// were written then.
    pub(super) async fn look_up(
        &self,
        db: &Db,
        storage_id: i64,
        batch: Listed,
    ) -> labelsync_db::Result<LookedUp> {
        let written_before = self.count.load(Ordering::Acquire);
        let Listed { objects, keys, listed, checkpoint } = batch;
        let found = {
            let keys: Vec<&str> = objects.iter().map(|o| o.key.as_str()).collect();
            links::import_links_of_keys(db, storage_id, &keys).await?
        };
        Ok(LookedUp { objects, keys, found, listed, checkpoint, written_before, new_tasks: None })
    }

    /// [`Written::look_up`], then the tasks of the new objects built ahead (blob mode).
    pub(super) async fn look_up_and_build(
        &self,
        ctx: &SyncContext,
        plan: &Plan,
        storage_id: i64,
        batch: Listed,
    ) -> labelsync_db::Result<LookedUp> {
        let mut batch = self.look_up(&ctx.db, storage_id, batch).await?;
        batch.new_tasks = plan.new_blob_tasks(ctx, &batch.objects, &batch.found);
        Ok(batch)
    }

    /// The links of `batch`'s keys as they are now: the keys a batch written after its look-up
    /// began also held are looked up again, and then the tasks built ahead are dropped.
    pub(super) async fn current_links(
        &self,
        db: &Db,
        storage_id: i64,
        batch: &mut LookedUp,
    ) -> labelsync_db::Result<Vec<ImportLink>> {
        let stale: HashSet<String> = {
            let mut recent = self.recent.lock().unwrap_or_else(|e| e.into_inner());
            // Look-ups finish in order: no later one began before this one.
            while recent.front().is_some_and(|(number, _)| *number < batch.written_before) {
                recent.pop_front();
            }
            batch
                .keys
                .iter()
                .filter(|key| recent.iter().any(|(_, keys)| keys.contains(*key)))
                .cloned()
                .collect()
        };
        let mut found = std::mem::take(&mut batch.found);
        if !stale.is_empty() {
            batch.new_tasks = None;
            found.retain(|link| !stale.contains(&link.key));
            let keys: Vec<&str> = stale.iter().map(String::as_str).collect();
            found.extend(links::import_links_of_keys(db, storage_id, &keys).await?);
        }
        Ok(found)
    }

    /// Records that the batch of `keys` is written.
    pub(super) fn wrote(&self, keys: HashSet<String>) {
        let mut recent = self.recent.lock().unwrap_or_else(|e| e.into_inner());
        let number = self.count.load(Ordering::Acquire);
        recent.push_back((number, keys));
        self.count.store(number + 1, Ordering::Release);
    }
}

#[cfg(test)]
mod tests {
    use labelsync_db::{Db, links, on_both, orgs, projects, storages, tasks};

    use super::*;

    fn listed(keys: &[&str]) -> Listed {
        let objects: Vec<ObjectMeta> = keys
            .iter()
            .map(|key| ObjectMeta { key: (*key).into(), size: 1, last_modified: None, etag: None })
            .collect();
        let keys = objects.iter().map(|o| o.key.clone()).collect();
        Listed { listed: objects.len() as i64, objects, keys, checkpoint: None }
    }

    /// A key listed again in a batch looked up before the batch that imported it was written
    /// (Redis `SCAN` may repeat keys) gets the link that batch wrote, as the sequential order
    /// would, and the tasks built ahead from the stale links are dropped; a batch no recent batch
    /// shares a key with keeps what its look-up found and built.
    async fn a_key_written_after_its_look_up_began_is_looked_up_again(db: &Db) {
        let org = orgs::create_organization(db, "Org", None).await.unwrap();
        let user = orgs::create_user(db, "a@example.com", "", "", Some(org.id)).await.unwrap();
        let project = projects::insert(db, org.id, user.id, Default::default()).await.unwrap();
        let record = storages::StorageRecord::new(project.id, Default::default());
        let storage = storages::insert(db, storages::StorageKind::Redis, storages::Role::Import, &record)
            .await
            .unwrap();
        let written = Written::default();
        let first = written.look_up(db, storage.id, listed(&["k", "x"])).await.unwrap();
        let mut second = written.look_up(db, storage.id, listed(&["k", "y"])).await.unwrap();
        assert!(first.found.is_empty() && second.found.is_empty(), "nothing is imported yet");

        // The first batch is written: its "k" becomes a task with a link.
        let ids = tasks::insert_many(db, project.id, &[labelsync_db::testing::empty_task(1)]).await.unwrap();
        let link = links::NewImportLink { task_id: ids[0], key: "k".into(), row_index: None, version: None };
        links::insert_import_links(db, storage.id, 1, &[link]).await.unwrap();
        written.wrote(first.keys);

        second.new_tasks = Some(vec![TaskCandidate::blob("s3://b/k".into(), "k".into(), None)]);
        let found = written.current_links(db, storage.id, &mut second).await.unwrap();
        assert_eq!(found.iter().map(|l| (l.key.as_str(), l.task_id)).collect::<Vec<_>>(), [("k", ids[0])]);
        assert!(second.new_tasks.is_none(), "the task built for \"k\" before its link existed is dropped");
        let mut third = written.look_up(db, storage.id, listed(&["z"])).await.unwrap();
        third.new_tasks = Some(vec![TaskCandidate::blob("s3://b/z".into(), "z".into(), None)]);
        assert!(written.current_links(db, storage.id, &mut third).await.unwrap().is_empty());
        assert_eq!(third.new_tasks.map(|tasks| tasks.len()), Some(1), "nothing went stale for \"z\"");
    }
    on_both!(a_key_written_after_its_look_up_began_is_looked_up_again);
}
