//! The sync status lifecycle of Label Studio (`docs/label-studio-api.md` §5.1), written as a sync
//! runs: `queued → in_progress → completed | completed_with_errors | failed`, with live counters.
//!
//! An import sync also keeps, on the storage row, its generation (which links it listed), its
//! checkpoint (how far its committed listing got, so a resumed attempt lists on from there) and
//! its error ledger (`sync_errors`: which objects failed and why).

use std::time::Instant;

use chrono::{DateTime, Utc};
use labelsync_db::storages::{self, Role, Storage, SyncState, SyncStatus};
use labelsync_db::{Db, Ex, Tx, sync_runs};
use serde_json::{Map, Value, json};

use super::counts::Counts;
use crate::jobs::meta_time;
use crate::webhooks::{Action, emit};

/// At most this many per-object errors are kept in the traceback (the count is always exact).
const MAX_ERROR_LINES: usize = 200;

/// At most this many per-object errors of one sync are kept in its ledger.
pub const MAX_LEDGER_ERRORS: i64 = 10_000;

/// Progress of one sync run, flushed to the storage row as it goes.
#[derive(Debug)]
pub struct Progress {
    storage_id: i64,
    role: Role,
    /// The queue job running this sync, kept visible as Label Studio keeps its RQ job id.
    last_sync_job: Option<String>,
    started: Instant,
    meta: Map<String, Value>,
    traceback: Option<String>,
    /// Tasks (import) or annotations (export) written by this run, resumed runs included.
    pub created: i64,
    /// Link rows found for keys that were already imported.
    pub existed: i64,
    /// Import counters (`meta`).
    pub counts: Counts,
    /// The import sync's generation: the links it lists carry it.
    pub generation: i64,
    /// Where an interrupted attempt's committed listing got to: this attempt lists from there.
    pub resume_from: Option<String>,
    /// The latest checkpoint whose objects are all written, saved at the next ping.
    pub checkpoint: Option<String>,
    /// Traceback lines of this attempt's per-object errors.
    errors: Vec<String>,
    /// Ledger rows not written yet, and how many the ledger holds.
    ledger: Vec<(String, String)>,
    ledger_len: i64,
    /// Work outside a sync run: the storage row's status and counters are not this progress's.
    detached: bool,
}

impl Progress {
    /// Marks the storage `in_progress`. A storage already `in_progress` is a run resumed after
    /// its worker died: its counters, generation and checkpoint carry on. Otherwise an import
    /// sync takes the next generation with an empty ledger.
    pub async fn start(db: &Db, storage: &Storage) -> labelsync_db::Result<Progress> {
        let now = labelsync_db::now();
        let resumed = storage.status == SyncStatus::InProgress;
        let import = storage.role == Role::Import;
        let mut meta = storage.meta.0.clone();
        if !resumed {
            meta.insert("time_in_progress".into(), meta_time(now));
        }
        meta.insert("time_last_ping".into(), meta_time(now));
        meta.remove("resumed_from");
        let created = if resumed { i64::from(storage.last_sync_count.unwrap_or(0)) } else { 0 };
        let existed =
            if resumed { meta.get("tasks_existed").and_then(Value::as_i64).unwrap_or(0) } else { 0 };
        let (generation, resume_from, counts, ledger_len) = match (import, resumed) {
            (false, _) => (storage.sync_generation, None, Counts::default(), 0),
            (true, true) => {
                let ledger_len = sync_runs::error_count(db, storage.id).await?;
                (
                    storage.sync_generation,
                    storage.sync_checkpoint.clone(),
                    Counts::carried_over(&meta),
                    ledger_len,
                )
            }
            (true, false) => (sync_runs::begin_generation(db, storage.id).await?, None, Counts::default(), 0),
        };
        if let Some(checkpoint) = &resume_from {
            meta.insert("resumed_from".into(), json!(checkpoint));
        }
        let mut progress = Progress {
            storage_id: storage.id,
            role: storage.role,
            last_sync_job: storage.last_sync_job.clone(),
            started: Instant::now(),
            meta,
            traceback: storage.traceback.clone(),
            created,
            existed,
            counts: Counts { tasks_created: created, ..counts },
            generation,
            checkpoint: resume_from.clone(),
            resume_from,
            errors: Vec::new(),
            ledger: Vec::new(),
            ledger_len,
            detached: false,
        };
        if resumed {
            progress.write(db, SyncStatus::InProgress, None, Some(created)).await?;
        } else {
            // A fresh run is an event: its webhooks are queued with the status that says so.
            let mut tx = db.begin().await?;
            progress.write(&mut tx, SyncStatus::InProgress, None, Some(created)).await?;
            emit::storage_event(&mut tx, storage.id, Action::StorageSyncStarted).await?;
            tx.commit().await?;
        }
        Ok(progress)
    }

    /// The checkpoint to resume from was refused and the listing starts over: `meta` no longer
    /// says the attempt resumed.
    pub fn forget_checkpoint(&mut self) {
        self.meta.remove("resumed_from");
        self.resume_from = None;
        self.checkpoint = None;
    }

    /// Progress of work outside a sync run (bucket events): counters from zero, nothing written
    /// to the storage row but the error ledger ([`Progress::flush_ledger`]), and the generation
    /// after the storage's current one. A sync that starts while the events are applied takes
    /// that same generation, so it never counts an object an event just imported as vanished
    /// (its listing may have passed the key before the object existed); the price is that an
    /// object imported by an event and deleted before the next sync is found missing one sync
    /// later.
    pub async fn detached(db: &Db, storage: &Storage) -> labelsync_db::Result<Progress> {
        let ledger_len = sync_runs::error_count(db, storage.id).await?;
        Ok(Progress {
            storage_id: storage.id,
            role: storage.role,
            last_sync_job: None,
            started: Instant::now(),
            meta: Map::new(),
            traceback: None,
            created: 0,
            existed: 0,
            counts: Counts::default(),
            generation: storage.sync_generation + 1,
            resume_from: None,
            checkpoint: None,
            errors: Vec::new(),
            ledger: Vec::new(),
            ledger_len,
            detached: true,
        })
    }

    /// Counts `n` tasks created in `tx`; a sync run also adds them to the storage's
    /// `last_sync_count`.
    pub async fn add_created(&mut self, tx: &mut Tx, n: i64) -> labelsync_db::Result<()> {
        self.created = if self.detached {
            self.created + n
        } else {
            storages::add_sync_count(&mut *tx, self.storage_id, n).await?
        };
        Ok(())
    }

    /// Writes the ledger rows not written yet.
    pub async fn flush_ledger(&mut self, db: &Db) -> labelsync_db::Result<()> {
        if !self.ledger.is_empty() {
            sync_runs::record_errors(db, self.storage_id, &self.ledger).await?;
            self.ledger_len += self.ledger.len() as i64;
            self.ledger.clear();
        }
        Ok(())
    }

    /// Records that `key` could not be imported, and why.
    pub fn record_error(&mut self, key: &str, reason: &str) {
        self.counts.objects_failed += 1;
        if self.errors.len() < MAX_ERROR_LINES {
            self.errors.push(format!("Validation error for task from {key}: {reason}"));
        }
        if self.ledger_len + (self.ledger.len() as i64) < MAX_LEDGER_ERRORS {
            self.ledger.push((key.to_owned(), reason.to_owned()));
        }
    }

    /// Writes the live counters (`last_sync_count`, `meta`: the import counters,
    /// `tasks_existed`, ping, duration), the ledger's new rows and the checkpoint.
    pub async fn ping(&mut self, db: &Db) -> labelsync_db::Result<()> {
        self.meta.insert("time_last_ping".into(), meta_time(labelsync_db::now()));
        self.meta.insert("duration".into(), json!(self.started.elapsed().as_secs_f64()));
        self.write_counters();
        self.flush_ledger(db).await?;
        let state = self.state(SyncStatus::InProgress, None, Some(self.created));
        sync_runs::set_sync_progress(db, self.storage_id, &state, self.checkpoint.as_deref()).await
    }

    fn write_counters(&mut self) {
        if self.role != Role::Import {
            return;
        }
        self.meta.insert("tasks_existed".into(), json!(self.existed));
        if self.counts.objects_failed > 0 {
            self.meta.insert("tasks_failed_validation".into(), json!(self.counts.objects_failed));
        }
        self.counts.tasks_created = self.created;
        self.counts.write_into(&mut self.meta);
    }

    /// Ends an import run: `completed`, or `completed_with_errors` when objects were refused
    /// (either way webhooks get `STORAGE_SYNC_COMPLETED`).
    pub async fn finish_import(mut self, db: &Db) -> labelsync_db::Result<()> {
        self.checkpoint = None;
        self.ping(db).await?;
        let failed = self.counts.objects_failed;
        let status = if failed > 0 {
            let mut text = self.errors.join("\n");
            let lines = self.errors.len() as i64;
            if failed > lines {
                text.push_str(&format!("\n… and {} more", failed - lines));
            }
            self.traceback = Some(text);
            SyncStatus::CompletedWithErrors
        } else {
            SyncStatus::Completed
        };
        self.finish(db, status).await
    }

    /// Ends an export run with the total it considered.
    pub async fn finish_export(mut self, db: &Db, total: i64) -> labelsync_db::Result<()> {
        self.meta.insert("total_annotations".into(), json!(total));
        self.finish(db, SyncStatus::Completed).await
    }

    async fn finish(mut self, db: &Db, status: SyncStatus) -> labelsync_db::Result<()> {
        let now = labelsync_db::now();
        self.meta.insert("time_completed".into(), meta_time(now));
        self.meta.insert("duration".into(), json!(self.started.elapsed().as_secs_f64()));
        let created = self.created;
        let mut tx = db.begin().await?;
        self.write(&mut tx, status, Some(now), Some(created)).await?;
        emit::storage_event(&mut tx, self.storage_id, Action::StorageSyncCompleted).await?;
        tx.commit().await
    }

    /// An attempt failed and the queue will retry it (or, after the last attempt, fail the job
    /// and the storage through `on_failed`): the storage stays `in_progress`, so the next attempt
    /// carries on its counters and resumes from its checkpoint, and `meta.last_attempt_error`
    /// says what went wrong. A client polling for a final status never sees `failed` while a
    /// retry is pending.
    pub async fn retrying(mut self, db: &Db, attempt: i32, reason: &str) -> labelsync_db::Result<()> {
        let now = labelsync_db::now();
        self.meta.insert("duration".into(), json!(self.started.elapsed().as_secs_f64()));
        self.meta.insert(
            "last_attempt_error".into(),
            json!({"attempt": attempt, "error": reason, "time": meta_time(now)}),
        );
        self.write_counters();
        let created = self.created;
        self.write(db, SyncStatus::InProgress, None, Some(created)).await
    }

    async fn write(
        &mut self,
        ex: impl Into<Ex<'_>>,
        status: SyncStatus,
        last_sync: Option<DateTime<Utc>>,
        count: Option<i64>,
    ) -> labelsync_db::Result<()> {
        storages::set_sync_status(ex, self.storage_id, &self.state(status, last_sync, count)).await
    }

    fn state(&self, status: SyncStatus, last_sync: Option<DateTime<Utc>>, count: Option<i64>) -> SyncState {
        SyncState {
            status,
            last_sync,
            last_sync_count: count.map(|c| i32::try_from(c).unwrap_or(i32::MAX)),
            last_sync_job: self.last_sync_job.clone(),
            traceback: self.traceback.clone(),
            meta: self.meta.clone(),
        }
    }
}

/// Ends a sync the queue gave up on (`Job::on_failed`): the storage is `failed` with `reason`
/// as its traceback, `meta.time_failure` set and the rest of `meta` and the counters kept as
/// the last run left them; webhooks get `STORAGE_SYNC_FAILED`. Runs in the transaction that
/// marks the job failed.
pub async fn record_failure(tx: &mut Tx, storage_id: i64, reason: &str) -> labelsync_db::Result<()> {
    let Some(storage) = storages::lock(&mut *tx, storage_id).await? else { return Ok(()) };
    let mut meta = storage.meta.0;
    meta.insert("time_failure".into(), meta_time(labelsync_db::now()));
    let status = SyncState {
        status: SyncStatus::Failed,
        last_sync: storage.last_sync,
        last_sync_count: storage.last_sync_count,
        last_sync_job: storage.last_sync_job,
        traceback: Some(reason.to_owned()),
        meta,
    };
    storages::set_sync_status(&mut *tx, storage_id, &status).await?;
    emit::storage_event(tx, storage_id, Action::StorageSyncFailed).await
}
