//! What the live progress of an import sync costs: the writes of [`Progress`] (the storage row's
//! status and `meta` counters, the checkpoint, the error ledger), timed on their own against the
//! database a benchmark sync just used.
//!
//! A sync writes its progress once per listed batch (`Progress::ping`), between a start
//! (`Progress::start`: a new generation, the ledger emptied, `in_progress`) and an end
//! (`Progress::finish_import`). There is no setting to turn that off, so instead of a sync
//! without progress this replays the same calls, `pings` of them, on a storage row: their time
//! divided by a sync's wall time is the share of the sync spent on progress.

use std::time::Instant;

use labelsync_db::{Db, storages};
use labelsync_sync::import::status::Progress;

#[derive(Debug, Clone, clap::Args)]
pub struct ProgressCostArgs {
    /// The database the sync used (`DATABASE_URL` of its server).
    #[arg(long)]
    database_url: String,
    /// The import storage whose row is written: the one just synced (its `meta` has a sync's
    /// keys). Its status, counters and generation are overwritten; run this after the checks.
    #[arg(long)]
    storage: i64,
    /// Pings per pass: the batches of the sync (objects / LABELSYNC_SYNC_BATCH_SIZE).
    #[arg(long, default_value_t = 100)]
    pings: u32,
    /// Objects counted per ping, so `meta` carries numbers of a sync's size.
    #[arg(long, default_value_t = 1000)]
    batch: i64,
    /// Per-object errors recorded per ping (each ping then inserts them into the ledger).
    #[arg(long, default_value_t = 0)]
    errors_per_ping: u32,
}

/// Two timed passes of start, `pings` pings and finish: the first as a local-files sync writes
/// them (no checkpoint: its listing has none), the second with a new checkpoint at every ping,
/// as an S3, GCS or Azure sync saves one per page. An untimed pass of one ping comes first, so
/// that neither timed pass pays for the connection's first statements (a sync's server paid for
/// them long before). Prints `pings=N seconds=S seconds_with_checkpoints=C` (each pass's wall
/// time).
pub async fn run(args: ProgressCostArgs) -> anyhow::Result<()> {
    let db = Db::connect(&args.database_url, 2).await?;
    pass(&db, &ProgressCostArgs { pings: 1, ..args.clone() }, true).await?;
    let plain = pass(&db, &args, false).await?;
    let checkpointed = pass(&db, &args, true).await?;
    println!("pings={} seconds={plain:.4} seconds_with_checkpoints={checkpointed:.4}", args.pings);
    Ok(())
}

/// One start, `pings` pings and the finish, as a sync of `pings` batches makes them; seconds.
async fn pass(db: &Db, args: &ProgressCostArgs, checkpoints: bool) -> anyhow::Result<f64> {
    let storage = storages::find_unscoped(db, args.storage)
        .await?
        .ok_or_else(|| anyhow::anyhow!("no storage {}", args.storage))?;
    let started = Instant::now();
    let mut progress = Progress::start(db, &storage).await?;
    for ping in 1..=i64::from(args.pings) {
        // What a batch of unchanged objects adds (the counters change, so `meta` does).
        progress.counts.objects_listed += args.batch;
        progress.counts.objects_skipped += args.batch;
        progress.existed += args.batch;
        for error in 0..args.errors_per_ping {
            progress.record_error(&format!("img-{ping:07}-{error}.png"), "bench: not imported");
        }
        if checkpoints {
            progress.checkpoint = Some(format!("img-{:07}.png", ping * args.batch - 1));
        }
        progress.ping(db).await?;
    }
    progress.finish_import(db).await?;
    Ok(started.elapsed().as_secs_f64())
}
