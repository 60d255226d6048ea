//! `create_tasks` against both databases: what storage sync relies on (import links,
//! counters, one transaction).

use labelsync_db::{Db, links, orgs, projects, storages, tasks};
use labelsync_sync::tasks::{
    CandidateAnnotation, LinkTarget, TaskCandidate, TaskSource, candidate_from_object, create_tasks,
    parse_task_json,
};
use serde_json::{Value, json};

use labelsync_db::on_both;

async fn setup(db: &Db) -> (projects::Project, i64) {
    let org = orgs::create_organization(db, "Org", None).await.unwrap();
    let user = orgs::create_user(db, "a@example.com", "", "", Some(org.id)).await.unwrap();
    let project = projects::insert(db, org.id, user.id, projects::ProjectFields::default()).await.unwrap();
    let record = storages::StorageRecord::new(project.id, Default::default());
    let storage = storages::insert(db, storages::StorageKind::LocalFiles, storages::Role::Import, &record)
        .await
        .unwrap();
    (project, storage.id)
}

/// Rows of a task file and a blob become tasks with import links (keys and rows), counters
/// from their annotations, and `storage_filename`; a second run over the same keys is refused
/// by the link constraint and rolls back whole.
async fn storage_candidates_get_links(db: &Db) {
    let (project, storage) = setup(db).await;
    let source = |row| TaskSource { key: "dir/tasks.json".into(), row_index: row, version: None };
    let rows = parse_task_json(
        br#"[{"data": {"text": "a"}, "annotations": [{"result": []}, {"result": [], "was_cancelled": true}]},
             {"text": "b"}]"#,
        "dir/tasks.json",
    )
    .unwrap();
    let mut candidates: Vec<TaskCandidate> =
        rows.into_iter().map(|(row, index)| candidate_from_object(row, source(index)).unwrap()).collect();
    candidates.push(TaskCandidate::blob("s3://b/img 1.jpg".into(), "img 1.jpg".into(), Some("e1".into())));

    let mut tx = db.begin().await.unwrap();
    let created = create_tasks(
        &mut tx,
        &project,
        candidates.clone(),
        Some(LinkTarget { storage_id: storage, generation: 1 }),
        None,
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(created.task_ids.len(), 3);
    assert_eq!(created.annotation_ids.len(), 2);

    let first = tasks::find_unscoped(db, created.task_ids[0]).await.unwrap().unwrap();
    assert_eq!(first.storage_filename.as_deref(), Some("dir/tasks.json"));
    assert_eq!((first.total_annotations, first.cancelled_annotations), (1, 1));
    assert!(first.is_labeled);
    assert_eq!(first.inner_id, 1);
    let blob = tasks::find_unscoped(db, created.task_ids[2]).await.unwrap().unwrap();
    assert_eq!(blob.data.0, json!({"$undefined$": "s3://b/img 1.jpg"}));
    assert_eq!(blob.inner_id, 3);
    let mut found =
        links::import_links_of_keys(db, storage, &["dir/tasks.json", "img 1.jpg", "other"]).await.unwrap();
    found.sort_by_key(|l| l.task_id);
    let rows: Vec<_> = found.iter().map(|l| (l.key.as_str(), l.row_index, l.version.as_deref())).collect();
    assert_eq!(
        rows,
        [
            ("dir/tasks.json", Some(0), None),
            ("dir/tasks.json", Some(1), None),
            ("img 1.jpg", None, Some("e1"))
        ]
    );
    assert!(found.iter().all(|l| l.seen_generation == 1), "links carry the generation that listed them");

    let mut tx = db.begin().await.unwrap();
    assert!(
        create_tasks(
            &mut tx,
            &project,
            candidates,
            Some(LinkTarget { storage_id: storage, generation: 1 }),
            None
        )
        .await
        .is_err()
    );
    drop(tx);
    let (_, total) = tasks::list(db, project.id, 0, 10).await.unwrap();
    assert_eq!(total, 3, "the failed run left nothing behind");
}
on_both!(storage_candidates_get_links);

/// Imported annotations are stored with the importing user, no `updated_by`, and ground
/// truth; without a storage no links are written.
async fn api_candidates(db: &Db) {
    let (project, storage) = setup(db).await;
    let mut candidate = TaskCandidate::new(json!({"text": "x"}).as_object().unwrap().clone());
    candidate.annotations.push(CandidateAnnotation {
        result: Value::Array(vec![]),
        was_cancelled: false,
        ground_truth: true,
        lead_time: Some(1.5),
    });
    let user = project.created_by_id;
    let mut tx = db.begin().await.unwrap();
    let created = create_tasks(&mut tx, &project, vec![candidate], None, user).await.unwrap();
    tx.commit().await.unwrap();
    let annotation =
        labelsync_db::annotations::find_unscoped(db, created.annotation_ids[0]).await.unwrap().unwrap();
    assert_eq!(annotation.completed_by_id, user);
    assert_eq!(annotation.updated_by_id, None);
    assert!(annotation.ground_truth);
    assert_eq!(annotation.lead_time, Some(1.5));
    assert!(links::import_links_of_keys(db, storage, &["x"]).await.unwrap().is_empty());
}
on_both!(api_candidates);
