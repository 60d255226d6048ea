//! The start-up migration of secrets at rest to the current format: storage secrets sealed
//! before bindings existed (`v1:`) are re-sealed bound to their row, and project
//! `task_data_password` values stored in plaintext are sealed.
//!
//! Every process runs it at start. It is idempotent and safe with several processes sharing a
//! database: each row is replaced only if it still holds the value that was read (compare and
//! set), so concurrent migrations and concurrent edits never overwrite one another.

use labelsync_db::Db;

use crate::crypto::{BOUND, Binding, SecretBox, UNBOUND};

/// What one run changed.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Resealed {
    /// Storages whose secrets were re-sealed with their binding.
    pub storages: usize,
    /// Projects whose plaintext `task_data_password` was sealed.
    pub project_passwords: usize,
    /// Storages whose old secrets do not open with this key (left as they are; their syncs
    /// fail with a message asking for the secrets again).
    pub unreadable: usize,
}

/// Re-seals every storage secret without a binding and seals every plaintext project password.
pub async fn reseal_secrets(db: &Db, sealer: &SecretBox) -> labelsync_db::Result<Resealed> {
    let mut done = Resealed::default();
    for (id, old) in labelsync_db::storages::secrets_with_prefix(db, UNBOUND).await? {
        let Ok(plain) = sealer.open_unbound(&old) else {
            tracing::warn!(storage = id, "stored secrets do not open with this key; left unmigrated");
            done.unreadable += 1;
            continue;
        };
        let new = sealer.seal(&plain, Binding::storage_secrets(id));
        if labelsync_db::storages::replace_secrets(db, id, &old, &new).await? {
            done.storages += 1;
        }
    }
    for (id, plain) in labelsync_db::projects::unsealed_task_data_passwords(db, BOUND).await? {
        let sealed = sealer.seal(plain.as_bytes(), Binding::task_data_password(id));
        if labelsync_db::projects::replace_task_data_password(db, id, &plain, &sealed).await? {
            done.project_passwords += 1;
        }
    }
    if done != Resealed::default() {
        tracing::info!(
            storages = done.storages,
            project_passwords = done.project_passwords,
            unreadable = done.unreadable,
            "secrets at rest migrated to the bound format"
        );
    }
    Ok(done)
}
