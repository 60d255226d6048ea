//! Start-up work shared by every subcommand: open and migrate the database, load the master
//! key, and on first start create the administrator.

use std::path::Path;

use anyhow::Context;
use labelsync_api::auth::{hash_token, new_legacy_token};
use labelsync_db::orgs::{self, Role};
use labelsync_db::{Db, redact_url};
use labelsync_sync::crypto::MasterKey;

use crate::config::Common;

/// Opens the database and applies pending migrations.
pub async fn open_database(common: &Common) -> anyhow::Result<Db> {
    let db = Db::connect(&common.database_url, common.db_max_connections)
        .await
        .with_context(|| format!("cannot open database {}", redact_url(&common.database_url)))?;
    db.migrate().await.context("cannot apply database migrations")?;
    Ok(db)
}

/// The master key from `LABELSYNC_SECRET_KEY`, or the one generated on first start and kept in
/// the database (so every process sharing the database agrees on it).
pub async fn master_key(db: &Db, common: &Common) -> anyhow::Result<MasterKey> {
    if let Some(secret) = common.secret_key.as_deref().filter(|s| !s.is_empty()) {
        return Ok(MasterKey::from_operator(secret)?);
    }
    let stored = labelsync_db::settings::get_or_insert(db, "secret_key", &MasterKey::generate()).await?;
    tracing::warn!(
        "LABELSYNC_SECRET_KEY is not set: using a key kept in the database. Set it in production \
         so that storage secrets are not stored next to their key."
    );
    Ok(MasterKey::new(&stored))
}

/// Brings secrets at rest to the current format (see [`labelsync_sync::reseal`]); every
/// process runs it at start, and concurrent runs are safe.
pub async fn reseal_secrets(db: &Db, master_key: &MasterKey) -> anyhow::Result<()> {
    labelsync_sync::reseal::reseal_secrets(db, &master_key.secret_box())
        .await
        .context("cannot migrate stored secrets to the bound format")?;
    Ok(())
}

/// What first start created, to tell the operator.
pub struct FirstStart {
    pub email: String,
    pub organization: String,
    /// The generated token; `None` when the operator supplied it.
    pub generated_token: Option<String>,
}

/// On an empty database: creates an organization, an administrator and their API token, and
/// grants the organization the local-files `document_root` and the server's credentials for every
/// backend (single-tenant use stays Label Studio's). Returns `None` when users already exist.
pub async fn ensure_admin(
    db: &Db,
    email: &str,
    token: Option<&str>,
    document_root: &Path,
) -> anyhow::Result<Option<FirstStart>> {
    let mut tx = db.begin().await?;
    if orgs::count_users(&mut tx).await? > 0 {
        return Ok(None);
    }
    let org = orgs::create_organization(&mut tx, "labelsync", None).await?;
    let user = orgs::create_user(&mut tx, email, "", "", Some(org.id)).await?;
    orgs::upsert_membership(&mut tx, org.id, user.id, Role::Administrator).await?;
    crate::local_roots::grant_document_root(&mut tx, org.id, document_root).await?;
    for &backend in labelsync_db::server_credentials::BACKENDS {
        labelsync_db::server_credentials::grant(&mut tx, org.id, backend).await?;
    }
    let generated = token.is_none().then(new_legacy_token);
    let token = token.map(str::to_owned).or_else(|| generated.clone()).unwrap_or_default();
    labelsync_db::tokens::insert_api_token(&mut tx, user.id, &hash_token(&token)).await?;
    tx.commit().await?;
    Ok(Some(FirstStart { email: email.to_owned(), organization: org.title, generated_token: generated }))
}
