//! `labelsync admin …`: organizations, users, tokens and local roots from the command line.

use anyhow::{Context, bail};
use labelsync_api::auth::{hash_token, new_legacy_token};
use labelsync_db::Db;
use labelsync_db::orgs::{self, Role};
use labelsync_db::server_credentials;

use crate::config::AdminCommand;
use crate::local_roots;

pub async fn run(db: &Db, command: AdminCommand) -> anyhow::Result<()> {
    match command {
        AdminCommand::CreateOrg { title } => {
            let org = orgs::create_organization(db, &title, None).await?;
            println!("{}", org.id);
        }
        AdminCommand::CreateUser { email, org, role, first_name, last_name } => {
            let role = Role::parse(&role).context("role must be administrator, manager or annotator")?;
            if orgs::find_organization(db, org).await?.is_none() {
                bail!("organization {org} does not exist");
            }
            let mut tx = db.begin().await?;
            let user = match orgs::find_user_by_email(&mut tx, &email).await? {
                Some(user) => user,
                None => orgs::create_user(&mut tx, &email, &first_name, &last_name, Some(org)).await?,
            };
            orgs::upsert_membership(&mut tx, org, user.id, role).await?;
            tx.commit().await?;
            println!("{}", user.id);
        }
        AdminCommand::CreateToken { email } => {
            let user =
                orgs::find_user_by_email(db, &email).await?.with_context(|| format!("no user {email}"))?;
            let token = new_legacy_token();
            let mut tx = db.begin().await?;
            labelsync_db::tokens::delete_api_tokens(&mut tx, user.id).await?;
            labelsync_db::tokens::insert_api_token(&mut tx, user.id, &hash_token(&token)).await?;
            tx.commit().await?;
            println!("{token}");
        }
        AdminCommand::ListOrgs => {
            for org in orgs::list_organizations(db).await? {
                println!("{}\t{}", org.id, org.title);
            }
        }
        AdminCommand::GrantLocalRoot { org, path, local_files_document_root } => {
            println!("{}", local_roots::grant(db, org, &path, &local_files_document_root).await?);
        }
        AdminCommand::RevokeLocalRoot { org, path } => {
            println!("{}", local_roots::revoke(db, org, &path).await?);
        }
        AdminCommand::ListLocalRoots { org } => {
            for root in local_roots::list(db, org).await? {
                println!("{}\t{}", root.organization_id, root.path);
            }
        }
        AdminCommand::GrantServerCredentials { org, backend } => {
            if orgs::find_organization(db, org).await?.is_none() {
                bail!("organization {org} does not exist");
            }
            let new = server_credentials::grant(db, org, backend.parse()?).await?;
            println!("{}", if new { "granted" } else { "already granted" });
        }
        AdminCommand::RevokeServerCredentials { org, backend } => {
            let revoked = server_credentials::revoke(db, org, backend.parse()?).await?;
            println!("{}", if revoked { "revoked" } else { "was not granted" });
        }
        AdminCommand::ListServerCredentials => {
            for grant in server_credentials::list(db).await? {
                let external_id = server_credentials::external_id(db, grant.organization_id).await?;
                println!("{}\t{}\t{external_id}", grant.organization_id, grant.backend);
            }
        }
    }
    Ok(())
}
