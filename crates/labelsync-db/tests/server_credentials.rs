//! Grants of server credentials and organizations' external ids, on both dialects.

use std::time::Duration;

use labelsync_db::server_credentials::CredentialBackend::{Azure, S3};
use labelsync_db::{Db, on_both, orgs, projects, server_credentials};

/// Granting is idempotent, per organization and backend; revoking withdraws only that one.
async fn grants_per_org_and_backend(db: &Db) {
    let one = orgs::create_organization(db, "one", None).await.unwrap().id;
    let two = orgs::create_organization(db, "two", None).await.unwrap().id;
    assert!(server_credentials::grant(db, one, S3).await.unwrap());
    assert!(!server_credentials::grant(db, one, S3).await.unwrap(), "granted twice");
    assert!(server_credentials::grant(db, one, Azure).await.unwrap());
    assert_eq!(server_credentials::backends(db, one).await.unwrap(), [Azure, S3]);
    assert!(server_credentials::backends(db, two).await.unwrap().is_empty());
    assert!(server_credentials::revoke(db, one, S3).await.unwrap());
    assert!(!server_credentials::revoke(db, one, S3).await.unwrap(), "revoked twice");
    let all = server_credentials::list(db).await.unwrap();
    assert_eq!(
        all.iter().map(|g| (g.organization_id, g.backend.as_str())).collect::<Vec<_>>(),
        [(one, "azure")]
    );
    assert!(
        "ftp".parse::<server_credentials::CredentialBackend>().is_err(),
        "only the three backends can be named (the check constraint names them too)"
    );
}
on_both!(grants_per_org_and_backend);

/// An organization's external id is generated once, stable, and differs between organizations.
async fn external_ids_are_stable_and_distinct(db: &Db) {
    let one = orgs::create_organization(db, "one", None).await.unwrap().id;
    let two = orgs::create_organization(db, "two", None).await.unwrap().id;
    let first = server_credentials::external_id(db, one).await.unwrap();
    assert!(first.starts_with(&format!("labelsync-{one}-")) && first.len() > 30, "{first}");
    assert_eq!(server_credentials::external_id(db, one).await.unwrap(), first);
    assert_ne!(server_credentials::external_id(db, two).await.unwrap(), first);
    let user = orgs::create_user(db, "a@example.com", "", "", Some(two)).await.unwrap();
    let project = projects::insert(db, two, user.id, projects::ProjectFields::default()).await.unwrap();
    assert_eq!(server_credentials::organization_of_project(db, project.id).await.unwrap(), Some(two));
    assert_eq!(server_credentials::organization_of_project(db, project.id + 1000).await.unwrap(), None);
}
on_both!(external_ids_are_stable_and_distinct);

/// Once it exists, an organization's external id is read without a write (every storage read
/// shows it): it comes back while a sync's transaction holds SQLite's write lock or, on
/// PostgreSQL, has the id's row changed and not yet committed.
async fn known_external_id_is_read_without_writing(db: &Db) {
    let org = orgs::create_organization(db, "one", None).await.unwrap().id;
    let id = server_credentials::external_id(db, org).await.unwrap();
    let mut writer = db.begin().await.unwrap();
    let touch =
        format!("update organization_external_ids set created_at = created_at where organization_id = {org}");
    labelsync_db::testing::execute_raw(&mut writer, &touch).await.unwrap();
    // A write would wait for `writer` (SQLite's busy timeout is 30 s; PostgreSQL waits forever).
    let read = tokio::time::timeout(Duration::from_secs(20), server_credentials::external_id(db, org));
    assert_eq!(read.await.expect("the read waited for the writer").unwrap(), id);
    writer.commit().await.unwrap();
}
on_both!(known_external_id_is_read_without_writing);
