//! The raw listing rate of an S3 prefix, measured with the client a sync uses.

use std::time::Instant;

use futures::StreamExt;
use labelsync_storage::guard::{NetGuard, OutboundLimits};
use labelsync_storage::{Role, S3Config, Secret, StorageConfig};

#[derive(Debug, clap::Args)]
pub struct ListRateArgs {
    /// The S3 endpoint, e.g. `http://127.0.0.1:9000`.
    #[arg(long)]
    endpoint: String,
    #[arg(long, default_value = "bench")]
    bucket: String,
    #[arg(long, default_value = "images/")]
    prefix: String,
    #[arg(long, default_value = "bench")]
    access_key: String,
    #[arg(long, default_value = "bench-secret")]
    secret_key: String,
    /// Listings to run; the best is reported (the first warms connections and caches).
    #[arg(long, default_value_t = 3)]
    runs: usize,
    /// Sub-prefixes listed at once (`LABELSYNC_LIST_CONCURRENCY`); 1, the default, lists
    /// sequentially: the rate one prefix allows.
    #[arg(long, default_value_t = 1)]
    concurrency: usize,
}

/// Lists the prefix `runs` times (recursive, 1,000-key pages, SigV4, the storage adapter's
/// own parser, `concurrency` sub-prefixes at once) and prints `keys=N seconds=S keys_per_second=R` for the fastest run.
pub async fn run(args: ListRateArgs) -> anyhow::Result<()> {
    let config = StorageConfig::S3(S3Config {
        bucket: args.bucket,
        prefix: Some(args.prefix),
        recursive: true,
        access_key_id: Some(Secret::new(args.access_key)),
        secret_access_key: Some(Secret::new(args.secret_key)),
        endpoint: Some(args.endpoint),
        endpoint_trusted: true,
        ..S3Config::default()
    });
    labelsync_storage::install_crypto_provider();
    let limits = OutboundLimits { list_concurrency: args.concurrency.max(1), ..OutboundLimits::default() };
    let guard = NetGuard::disabled().with_limits(limits);
    let connected = labelsync_storage::connect(&config, Role::Import, &guard).await?;
    let import = connected.import.ok_or_else(|| anyhow::anyhow!("an S3 storage always imports"))?;
    let mut best: Option<(usize, f64)> = None;
    for _ in 0..args.runs.max(1) {
        let started = Instant::now();
        let mut keys = 0;
        let mut listing = import.list();
        while let Some(object) = listing.next().await {
            object?;
            keys += 1;
        }
        let seconds = started.elapsed().as_secs_f64();
        if best.is_none_or(|(_, s)| seconds < s) {
            best = Some((keys, seconds));
        }
    }
    let (keys, seconds) = best.unwrap_or((0, 0.0));
    println!("keys={keys} seconds={seconds:.3} keys_per_second={:.0}", keys as f64 / seconds.max(1e-9));
    Ok(())
}
