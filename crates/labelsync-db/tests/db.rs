//! The query layer on both dialects: each scenario runs on SQLite and, when
//! `TEST_DATABASE_URL` is set, on PostgreSQL.

use labelsync_db::storages::{self, Role, StorageKind, StorageRecord, SyncState, SyncStatus};
use labelsync_db::{Db, jobs, links, orgs, projects, tasks};
use serde_json::json;

use labelsync_db::on_both;
use labelsync_db::testing::empty_task;

async fn project(db: &Db) -> (i64, i64) {
    let org = orgs::create_organization(db, "Org", None).await.unwrap();
    let user = orgs::create_user(db, "a@example.com", "", "", Some(org.id)).await.unwrap();
    let p = projects::insert(db, org.id, user.id, projects::ProjectFields::default()).await.unwrap();
    (org.id, p.id)
}

/// Tasks inserted in one batch come back in order with consecutive inner ids, and are
/// invisible to another organization.
async fn tasks_roundtrip(db: &Db) {
    let (org, pid) = project(db).await;
    let first = projects::reserve_inner_ids(db, pid, 3).await.unwrap();
    assert_eq!(first, 1);
    let new: Vec<_> = (0..3)
        .map(|i| tasks::NewTask {
            data: json!({"text": format!("t{i}")}),
            meta: json!({}),
            inner_id: first + i,
            overlap: 1,
            is_labeled: false,
            total_annotations: 0,
            cancelled_annotations: 0,
            total_predictions: 0,
            allow_skip: true,
        })
        .collect();
    let mut tx = db.begin().await.unwrap();
    let ids = tasks::insert_many(&mut tx, pid, &new).await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!(ids.len(), 3);
    let (rows, total) = tasks::list(db, pid, 0, 10).await.unwrap();
    assert_eq!(total, 3);
    assert_eq!(rows.iter().map(|t| t.id).collect::<Vec<_>>(), ids);
    assert_eq!(rows[2].data.0, json!({"text": "t2"}));
    assert!(tasks::find(db, org, ids[0]).await.unwrap().is_some());
    assert!(tasks::find(db, org + 1000, ids[0]).await.unwrap().is_none());
    assert_eq!(projects::reserve_inner_ids(db, pid, 1).await.unwrap(), 4);
}
on_both!(tasks_roundtrip);

/// A storage's kind, role and status are written as their text and decoded back as enums;
/// lookups by kind and role find it, other kinds and roles do not.
async fn storage_enums_roundtrip(db: &Db) {
    let (org, pid) = project(db).await;
    let rec = StorageRecord::new(pid, Default::default());
    let s = storages::insert(db, StorageKind::Redis, Role::Export, &rec).await.unwrap();
    assert_eq!((s.kind, s.role, s.status), (StorageKind::Redis, Role::Export, SyncStatus::Initialized));
    assert!(storages::find(db, org, StorageKind::Redis, Role::Import, s.id).await.unwrap().is_none());
    assert!(storages::find(db, org, StorageKind::S3, Role::Export, s.id).await.unwrap().is_none());
    let state = SyncState {
        status: SyncStatus::CompletedWithErrors,
        last_sync: None,
        last_sync_count: Some(2),
        last_sync_job: None,
        traceback: None,
        meta: Default::default(),
    };
    storages::set_sync_status(db, s.id, &state).await.unwrap();
    let found = storages::find(db, org, StorageKind::Redis, Role::Export, s.id).await.unwrap().unwrap();
    assert_eq!(found.status, SyncStatus::CompletedWithErrors);
    let listed = storages::list_for_project(db, pid, Role::Export, Some(StorageKind::Redis)).await.unwrap();
    assert_eq!(listed.iter().map(|s| s.id).collect::<Vec<_>>(), [s.id]);
    assert!(storages::list_for_project(db, pid, Role::Import, None).await.unwrap().is_empty());
}
on_both!(storage_enums_roundtrip);

/// A status text outside `SyncStatus` (a corrupt row) fails to decode, naming the text; it is
/// not read as some default.
async fn unknown_status_is_a_decode_error(db: &Db) {
    let (_, pid) = project(db).await;
    let rec = StorageRecord::new(pid, Default::default());
    let s = storages::insert(db, StorageKind::S3, Role::Import, &rec).await.unwrap();
    let sql = format!("update storages set status = 'done' where id = {}", s.id);
    assert_eq!(labelsync_db::testing::execute_raw(db, &sql).await.unwrap(), 1);
    let err = storages::find_unscoped(db, s.id).await.unwrap_err();
    assert!(matches!(err, labelsync_db::Error::ColumnDecode { .. }), "{err:?}");
    assert!(err.to_string().contains("unknown sync status: \"done\""), "{err}");
}
on_both!(unknown_status_is_a_decode_error);

/// A second import link for the same (storage, key, row) is refused by the database.
async fn import_link_uniqueness(db: &Db) {
    let (_, pid) = project(db).await;
    let rec = StorageRecord::new(pid, Default::default());
    let s = storages::insert(db, StorageKind::LocalFiles, Role::Import, &rec).await.unwrap();
    let ids = tasks::insert_many(db, pid, &[empty_task(1), empty_task(2)]).await.unwrap();
    let link = |task_id, row_index| links::NewImportLink {
        task_id,
        key: "a.json".into(),
        row_index,
        version: Some("v1".into()),
    };
    links::insert_import_links(db, s.id, 1, &[link(ids[0], None)]).await.unwrap();
    let err = links::insert_import_links(db, s.id, 1, &[link(ids[1], None)]).await.unwrap_err();
    assert!(labelsync_db::is_unique_violation(&err, "import_links", "import_links_storage_key_row"));
    links::insert_import_links(db, s.id, 1, &[link(ids[1], Some(0))]).await.unwrap();
    let found = links::import_links_of_keys(db, s.id, &["a.json", "b.json"]).await.unwrap();
    assert_eq!(found.len(), 2);
    assert!(found.iter().all(|l| l.key == "a.json" && l.version.as_deref() == Some("v1")));
}
on_both!(import_link_uniqueness);

/// Deleting a task, a storage or a project takes their import links with them (on PostgreSQL by
/// statement triggers, not foreign keys), and links for a storage deleted meanwhile are refused.
async fn import_links_go_with_their_task_storage_and_project(db: &Db) {
    let (org, pid) = project(db).await;
    let rec = StorageRecord::new(pid, Default::default());
    let s1 = storages::insert(db, StorageKind::S3, Role::Import, &rec).await.unwrap();
    let s2 = storages::insert(db, StorageKind::Gcs, Role::Import, &rec).await.unwrap();
    let ids = tasks::insert_many(db, pid, &(1..=4).map(empty_task).collect::<Vec<_>>()).await.unwrap();
    let link = |task_id, key: &str| links::NewImportLink {
        task_id,
        key: key.into(),
        row_index: None,
        version: None,
    };
    links::insert_import_links(db, s1.id, 1, &[link(ids[0], "a"), link(ids[1], "b")]).await.unwrap();
    links::insert_import_links(db, s2.id, 1, &[link(ids[2], "c"), link(ids[3], "d")]).await.unwrap();
    let keys_of = |storage_id| async move {
        let mut keys: Vec<String> = links::import_links_of_keys(db, storage_id, &["a", "b", "c", "d"])
            .await
            .unwrap()
            .into_iter()
            .map(|l| l.key)
            .collect();
        keys.sort();
        keys
    };

    assert_eq!(tasks::delete_many(db, pid, &[ids[0]]).await.unwrap(), 1);
    assert_eq!(keys_of(s1.id).await, ["b"], "a deleted task's link is gone");
    assert!(storages::delete(db, s1.id).await.unwrap());
    assert!(keys_of(s1.id).await.is_empty(), "a deleted storage's links are gone");
    assert_eq!(keys_of(s2.id).await, ["c", "d"], "another storage's links stay");
    let err = links::insert_import_links(db, s1.id, 2, &[link(ids[1], "b")]).await;
    assert!(err.is_err(), "links for a deleted storage are refused: {err:?}");
    assert!(projects::delete(db, org, pid).await.unwrap());
    assert!(keys_of(s2.id).await.is_empty(), "a deleted project's links are gone");
}
on_both!(import_links_go_with_their_task_storage_and_project);

/// Deleting a project takes its tasks and their annotations (on PostgreSQL by a statement trigger,
/// not a foreign key), even tasks a transaction still open when the delete began had inserted, and
/// tasks for a deleted project are refused.
async fn tasks_go_with_their_project(db: &Db) {
    let (org, pid) = project(db).await;
    let user = orgs::find_user_by_email(db, "a@example.com").await.unwrap().unwrap();
    let other = projects::insert(db, org, user.id, Default::default()).await.unwrap().id;
    let kept = tasks::insert_many(db, other, &[empty_task(1)]).await.unwrap();
    let mut ids = tasks::insert_many(db, pid, &[empty_task(1)]).await.unwrap();
    let annotation = labelsync_db::annotations::NewAnnotation {
        task_id: ids[0],
        project_id: pid,
        completed_by_id: None,
        result: json!([]),
        was_cancelled: false,
        ground_truth: false,
        lead_time: None,
        draft_created_at: None,
        import_id: None,
        last_action: None,
        parent_prediction_id: None,
        parent_annotation_id: None,
        bulk_created: false,
        updated_by_id: None,
    };
    let annotation_ids = labelsync_db::annotations::insert_many(db, &[annotation]).await.unwrap();
    // Only tasks in this transaction: nothing else in it locks the project.
    let mut tx = db.begin().await.unwrap();
    ids.extend(tasks::insert_many(&mut tx, pid, &[empty_task(2), empty_task(3)]).await.unwrap());
    let deleting = tokio::spawn({
        let db = db.clone();
        async move { projects::delete(&db, org, pid).await.unwrap() }
    });
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    assert!(!deleting.is_finished(), "the delete waits for the transaction that inserted tasks");
    tx.commit().await.unwrap();
    assert!(deleting.await.unwrap(), "the project is deleted");
    for id in ids {
        assert!(tasks::find_unscoped(db, id).await.unwrap().is_none(), "task {id} went with its project");
    }
    let annotation = labelsync_db::annotations::find_unscoped(db, annotation_ids[0]).await.unwrap();
    assert!(annotation.is_none(), "its annotation went too");
    assert!(tasks::find_unscoped(db, kept[0]).await.unwrap().is_some(), "another project's task stays");
    let err = tasks::insert_many(db, pid, &[empty_task(4)]).await;
    assert!(err.is_err(), "tasks for a deleted project are refused: {err:?}");
}
on_both!(tasks_go_with_their_project);

/// A sync generation marks the links it listed; the others are missing (with whether their
/// task is labeled) and get `object_exists` false until a later generation lists them again.
async fn import_links_seen_and_missing(db: &Db) {
    let (_, pid) = project(db).await;
    let rec = StorageRecord::new(pid, Default::default());
    let s = storages::insert(db, StorageKind::S3, Role::Import, &rec).await.unwrap();
    let ids = tasks::insert_many(db, pid, &[empty_task(1), empty_task(2)]).await.unwrap();
    let link = |task_id, key: &str| links::NewImportLink {
        task_id,
        key: key.into(),
        row_index: None,
        version: None,
    };
    links::insert_import_links(db, s.id, 1, &[link(ids[0], "a"), link(ids[1], "b")]).await.unwrap();
    let generation = labelsync_db::sync_runs::begin_generation(db, s.id).await.unwrap();
    assert_eq!(generation, 1, "a storage's first sync takes generation 1");
    let generation = labelsync_db::sync_runs::begin_generation(db, s.id).await.unwrap();
    let a = links::import_links_of_keys(db, s.id, &["a"]).await.unwrap();
    assert_eq!(links::mark_seen(db, generation, &[a[0].id]).await.unwrap(), 1);
    assert_eq!(links::mark_seen(db, generation, &[a[0].id]).await.unwrap(), 0, "marked once");
    let missing = links::missing_links(db, s.id, generation, 0, 10).await.unwrap();
    assert_eq!(missing.iter().map(|m| (m.key.as_str(), m.labeled)).collect::<Vec<_>>(), [("b", false)]);
    assert_eq!(links::mark_missing(db, s.id, generation).await.unwrap(), 1);
    links::set_versions(db, &[(a[0].id, Some("v2".into()))]).await.unwrap();
    let a = links::import_links_of_keys(db, s.id, &["a"]).await.unwrap();
    assert_eq!(a[0].version.as_deref(), Some("v2"));
}
on_both!(import_links_seen_and_missing);

/// A job is claimed by exactly one worker; a dedup key coalesces a second enqueue.
async fn job_claim_once(db: &Db) {
    let job = jobs::NewJob {
        kind: "k",
        payload: json!({"a": 1}),
        dedup_key: Some("k:1".into()),
        max_attempts: 3,
        run_at: 0,
        organization_id: None,
    };
    assert!(jobs::enqueue(db, &job, 0).await.unwrap().is_some());
    assert!(jobs::enqueue(db, &job, 0).await.unwrap().is_none());
    let a = jobs::claim(db, "w1", 10, 1000, 1).await.unwrap();
    let b = jobs::claim(db, "w2", 10, 1000, 1).await.unwrap();
    assert!(a.is_some() && b.is_none());
    // After the lease expires another worker takes it over.
    let c = jobs::claim(db, "w2", 2000, 3000, 1).await.unwrap().unwrap();
    assert_eq!(c.attempts, 2);
    assert!(!jobs::renew(db, c.id, "w1", 5000).await.unwrap());
    assert!(jobs::complete(db, c.id, "w2").await.unwrap());
    assert_eq!(jobs::count_unfinished(db).await.unwrap(), 0);
}
on_both!(job_claim_once);
