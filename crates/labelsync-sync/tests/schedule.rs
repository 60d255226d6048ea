//! Scheduled syncs against both databases: a due storage is enqueued exactly once however many
//! schedulers race for it, not again before its interval, never while a sync is pending, and
//! storages without a schedule never.

use std::sync::atomic::{AtomicUsize, Ordering};

use labelsync_db::storages::{self, Role, StorageKind, StorageRecord};
use labelsync_db::{Db, on_both, orgs, projects, sync_runs, testing};
use serde_json::{Map, json};

async fn storage(db: &Db, settings: serde_json::Value) -> i64 {
    static USERS: AtomicUsize = AtomicUsize::new(0);
    let email = format!("s{}@example.com", USERS.fetch_add(1, Ordering::Relaxed));
    let org = orgs::create_organization(db, "Org", None).await.unwrap();
    let user = orgs::create_user(db, &email, "", "", Some(org.id)).await.unwrap();
    let project = projects::insert(db, org.id, user.id, projects::ProjectFields::default()).await.unwrap();
    let settings: Map<String, serde_json::Value> = settings.as_object().unwrap().clone();
    let record = StorageRecord::new(project.id, settings);
    storages::insert(db, StorageKind::LocalFiles, Role::Import, &record).await.unwrap().id
}

async fn import_jobs(db: &Db) -> i64 {
    testing::scalar_i64(db, "select count(*) from jobs where kind = 'import_sync'").await.unwrap()
}

/// Eight schedulers racing over one due storage enqueue one sync; the next tick finds nothing
/// due (an hour away) and a storage without a schedule is never due.
async fn due_sync_is_enqueued_once(db: &Db) {
    let id = storage(db, json!({"path": "/data/x", "sync_interval_seconds": 3600})).await;
    storage(db, json!({"path": "/data/y"})).await;
    let racers = (0..8).map(|_| {
        let db = db.clone();
        tokio::spawn(async move { labelsync_sync::schedule::enqueue_due(&db).await.unwrap() })
    });
    let mut enqueued = 0;
    for racer in racers {
        enqueued += racer.await.unwrap();
    }
    assert_eq!((enqueued, import_jobs(db).await), (1, 1), "one sync for one due storage");
    let stored = storages::find_unscoped(db, id).await.unwrap().unwrap();
    assert_eq!(stored.status, storages::SyncStatus::Queued);
    assert_eq!(labelsync_sync::schedule::enqueue_due(db).await.unwrap(), 0, "not due again for an hour");
    assert!(sync_runs::due_syncs(db, i64::MAX, 10).await.unwrap().iter().all(|d| d.id == id));
}
on_both!(due_sync_is_enqueued_once);

/// A due storage whose sync is still queued (or running) is skipped and its schedule moves on;
/// a schedule reset makes it due at once.
async fn pending_sync_is_not_doubled(db: &Db) {
    let id = storage(db, json!({"path": "/data/x", "sync_interval_seconds": 60})).await;
    assert_eq!(labelsync_sync::schedule::enqueue_due(db).await.unwrap(), 1);
    sync_runs::reset_schedule(db, id).await.unwrap();
    assert_eq!(labelsync_sync::schedule::enqueue_due(db).await.unwrap(), 0, "one is queued already");
    assert_eq!(import_jobs(db).await, 1);
    let due = sync_runs::due_syncs(db, i64::MAX, 10).await.unwrap();
    assert!(due[0].next_sync_at.is_some(), "the skipped tick still moved the schedule: {due:?}");
}
on_both!(pending_sync_is_not_doubled);
