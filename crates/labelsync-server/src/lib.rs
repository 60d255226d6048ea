//! `labelsync-server` is the labelsync binary: configuration ([`config`]), start-up
//! ([`bootstrap`]), the `serve` and `worker` subcommands ([`serve`]), admin commands ([`admin`])
//! and graceful shutdown; the client commands (`storage`, `sync`, `export`) in [`client`].
//! `main.rs` only parses the command line and calls [`run`].

pub mod admin;
pub mod bootstrap;
pub mod client;
pub mod config;
pub mod local_roots;
pub mod logging;
pub mod serve;

use std::process::ExitCode;

use anyhow::Context;
use clap::Parser;

use crate::client::ClientCommand;
use crate::config::{Cli, Command, ServeArgs};

/// Runs the command line's subcommand. The server commands exit 0 or, with an error, 1; the
/// client commands choose their own exit codes.
pub async fn run() -> anyhow::Result<ExitCode> {
    let cli = Cli::parse();
    logging::init(cli.common.log_format, &cli.common.log);
    let _ = rustls::crypto::ring::default_provider().install_default();
    match cli.command {
        None => serve_command(&cli.common, cli.serve).await?,
        Some(Command::Serve(args)) => serve_command(&cli.common, *args).await?,
        Some(Command::Worker(args)) => worker_command(&cli.common, *args).await?,
        Some(Command::Migrate) => {
            bootstrap::open_database(&cli.common).await?;
            println!("migrations applied");
        }
        Some(Command::Openapi) => println!("{}", labelsync_api::openapi().to_pretty_json()?),
        Some(Command::Admin(command)) => {
            let db = bootstrap::open_database(&cli.common).await?;
            admin::run(&db, command).await?
        }
        Some(Command::Storage(args)) => return Ok(client::run(ClientCommand::Storage(args)).await),
        Some(Command::Sync(args)) => return Ok(client::run(ClientCommand::Sync(args)).await),
        Some(Command::Export(args)) => return Ok(client::run(ClientCommand::Export(args)).await),
    }
    Ok(ExitCode::SUCCESS)
}

async fn serve_command(common: &config::Common, args: ServeArgs) -> anyhow::Result<()> {
    let db = bootstrap::open_database(common).await?;
    let master_key = bootstrap::master_key(&db, common).await?;
    bootstrap::reseal_secrets(&db, &master_key).await?;
    if let Some(first) = bootstrap::ensure_admin(
        &db,
        &args.admin_email,
        args.admin_token.as_deref(),
        &args.worker.storage.local_files_document_root,
    )
    .await?
    {
        println!(
            "First start: created organization \"{}\" and administrator {}.",
            first.organization, first.email
        );
        match first.generated_token {
            Some(token) => println!("Administrator API token (shown once, keep it): {token}"),
            None => println!("Administrator API token: the one given in LABELSYNC_ADMIN_TOKEN."),
        }
    }
    let listener = tokio::net::TcpListener::bind(args.bind)
        .await
        .with_context(|| format!("cannot listen on {}", args.bind))?;
    let running = serve::start(db.clone(), &master_key, &args, listener).await?;
    println!("labelsync listening on http://{}", running.addr);
    tracing::info!(addr = %running.addr, database = db.dialect_name(), "labelsync started");
    serve::run_until(running, serve::shutdown_signal()).await?;
    db.close().await;
    Ok(())
}

async fn worker_command(common: &config::Common, args: config::WorkerArgs) -> anyhow::Result<()> {
    let db = bootstrap::open_database(common).await?;
    let master_key = bootstrap::master_key(&db, common).await?;
    bootstrap::reseal_secrets(&db, &master_key).await?;
    let ctx = serve::sync_context(db.clone(), &master_key, &args);
    let queue = labelsync_queue::QueueHandle::new();
    let runner = serve::runner(db.clone(), ctx, queue.clone(), &args);
    let scheduler = serve::spawn_scheduler(db.clone(), queue, &args);
    tracing::info!(workers = args.workers.max(1), database = db.dialect_name(), "labelsync worker started");
    runner.run(serve::shutdown_signal()).await;
    scheduler.abort();
    db.close().await;
    Ok(())
}
