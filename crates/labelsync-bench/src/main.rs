//! `labelsync-bench`: tools for `scripts/bench` only; nothing here is part of the server.
//!
//! - `s3-serve`: an in-memory S3 endpoint on the `s3s` crate (the one s3s-fs is built on, with
//!   its SigV4 checks), seeded with blob and task-JSON objects at start. s3s-fs cannot be the
//!   benchmark store: it rescans its directory for every 1,000-key page (about 380 keys/s at
//!   100,000 objects), so the benchmark would measure s3s-fs.
//! - `list-rate`: lists a prefix the way a sync does (labelsync-storage's S3 adapter, same
//!   page size and signing) and prints keys per second: the endpoint's raw listing rate, the
//!   limit a blob-mode sync is compared against.
//! - `progress-cost`: replays the progress writes of an import sync (`Progress::start`, a ping
//!   per batch, the finish) on a storage row of the database a sync used and prints their time,
//!   which a benchmark divides by the sync's wall time.

mod list_rate;
mod mem_s3;
mod progress_cost;

use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(about = "Benchmark-only tools for labelsync (see scripts/benches)")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve an in-memory S3 bucket seeded with generated objects until killed.
    S3Serve(mem_s3::ServeArgs),
    /// List a prefix of an S3 bucket as a sync does and print the keys/s.
    ListRate(list_rate::ListRateArgs),
    /// Time the progress writes of an import sync of N batches on a storage row.
    ProgressCost(progress_cost::ProgressCostArgs),
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    match Cli::parse().command {
        Command::S3Serve(args) => mem_s3::serve(args).await,
        Command::ListRate(args) => list_rate::run(args).await,
        Command::ProgressCost(args) => progress_cost::run(args).await,
    }
}
