//! `labelsync admin grant-local-root | revoke-local-root | list-local-roots`: which directories
//! under the document root each organization's local-files storages may use.
//!
//! Decided: a granted directory must exist when it is granted (a typo is caught at once, and
//! its real path can be checked: a symlink out of the document root is refused). Revoking
//! needs no existing directory, only the path as granted.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use labelsync_db::local_roots::{self, LocalRoot};
use labelsync_db::{Db, Ex, orgs};
use labelsync_storage::local::{DocumentRoot, normalize_root};

/// Grants `path` to organization `org`; returns what to tell the operator.
pub async fn grant(db: &Db, org: i64, path: &str, document_root: &Path) -> anyhow::Result<String> {
    require_org(db, org).await?;
    let path = checked_root(path, document_root)?;
    let overlapping: Vec<LocalRoot> = local_roots::list_all(db)
        .await?
        .into_iter()
        .filter(|root| root.organization_id != org && overlaps(Path::new(&root.path), Path::new(&path)))
        .collect();
    for root in &overlapping {
        eprintln!(
            "warning: {path} overlaps {} of organization {}: both organizations can read the files they share",
            root.path, root.organization_id
        );
    }
    Ok(if local_roots::grant(db, org, &path).await? {
        format!("granted {path} to organization {org}")
    } else {
        format!("organization {org} already has {path}")
    })
}

/// Revokes the grant of `path` (normalized like a grant) from organization `org`.
pub async fn revoke(db: &Db, org: i64, path: &str) -> anyhow::Result<String> {
    require_org(db, org).await?;
    let path = normalize_root(path).context("--path must be an absolute path")?;
    if !local_roots::revoke(db, org, &path).await? {
        bail!(
            "organization {org} has no local root {path} (see `labelsync admin list-local-roots --org {org}`)"
        );
    }
    Ok(format!("revoked {path} from organization {org}"))
}

/// The grants of organization `org`, or of every organization.
pub async fn list(db: &Db, org: Option<i64>) -> anyhow::Result<Vec<LocalRoot>> {
    Ok(match org {
        Some(org) => {
            require_org(db, org).await?;
            local_roots::list_for_org(db, org).await?
        }
        None => local_roots::list_all(db).await?,
    })
}

/// First start: the first organization gets the whole document root, so a single-tenant
/// server behaves as Label Studio does.
pub async fn grant_document_root(
    ex: impl Into<Ex<'_>>,
    org: i64,
    document_root: &Path,
) -> anyhow::Result<()> {
    let root = DocumentRoot::new(document_root);
    let path = normalize_root(&root.path().to_string_lossy())
        .with_context(|| format!("document root {} is not a usable path", document_root.display()))?;
    local_roots::grant(ex, org, &path).await?;
    Ok(())
}

async fn require_org(db: &Db, org: i64) -> anyhow::Result<()> {
    if orgs::find_organization(db, org).await?.is_none() {
        bail!("organization {org} does not exist");
    }
    Ok(())
}

/// `path` normalized, checked to be an existing directory under the document root, by
/// lexical and by real path.
fn checked_root(path: &str, document_root: &Path) -> anyhow::Result<String> {
    let normalized = normalize_root(path).context("--path must be an absolute path")?;
    let root = DocumentRoot::new(document_root);
    let outside = || {
        format!(
            "{normalized} is not under LABEL_STUDIO_LOCAL_FILES_DOCUMENT_ROOT={}: local-files storages can only \
             use directories under it (set the same document root as the server's)",
            document_root.display()
        )
    };
    if !Path::new(&normalized).starts_with(root.path()) {
        bail!(outside());
    }
    let real = std::fs::canonicalize(&normalized)
        .ok()
        .filter(|real| real.is_dir())
        .with_context(|| format!("{normalized} is not an existing directory"))?;
    let real_root: PathBuf = std::fs::canonicalize(root.path())
        .with_context(|| format!("cannot resolve the document root {}", document_root.display()))?;
    if !real.starts_with(&real_root) {
        bail!("{normalized} resolves to {} through a symbolic link; {}", real.display(), outside());
    }
    Ok(normalized)
}

/// True when one path is the other or lies below it.
fn overlaps(a: &Path, b: &Path) -> bool {
    a.starts_with(b) || b.starts_with(a)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Grants must be existing directories under the document root, by real path too.
    #[cfg(unix)]
    #[test]
    fn grants_stay_under_the_document_root() {
        let dir = tempfile::tempdir().unwrap();
        let base = dir.path().canonicalize().unwrap();
        let root = base.join("root");
        std::fs::create_dir_all(root.join("a")).unwrap();
        std::fs::create_dir_all(base.join("outside")).unwrap();
        std::os::unix::fs::symlink(base.join("outside"), root.join("link")).unwrap();
        let text = |p: &Path| p.to_str().unwrap().to_owned();
        assert_eq!(checked_root(&format!("{}/a/", text(&root)), &root).unwrap(), text(&root.join("a")));
        assert_eq!(checked_root(&text(&root), &root).unwrap(), text(&root));
        let err = |p: String| checked_root(&p, &root).unwrap_err().to_string();
        assert!(
            err(text(&base.join("outside"))).contains("is not under LABEL_STUDIO_LOCAL_FILES_DOCUMENT_ROOT")
        );
        assert!(err(format!("{}/a/../../outside", text(&root))).contains("is not under"));
        assert!(err(text(&root.join("missing"))).contains("is not an existing directory"));
        assert!(err(text(&root.join("link"))).contains("through a symbolic link"));
        assert!(err("relative/a".into()).contains("must be an absolute path"));
    }
}
