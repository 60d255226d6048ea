//! The client commands (`labelsync storage …`, `sync`, `export`): they speak only Label Studio's
//! HTTP API, so they drive Label Studio as well as labelsync. One file per command; the HTTP
//! client and its two kinds of keys in [`api`]; the exit codes in [`error::Exit`].

pub mod api;
pub mod args;
pub mod error;
mod export;
mod output;
mod storage;
mod sync;

use std::process::ExitCode;

use self::api::Api;
use self::error::{CliError, Exit};

/// A client command, parsed.
pub enum ClientCommand {
    Storage(Box<args::StorageArgs>),
    Sync(Box<args::SyncArgs>),
    Export(Box<args::ExportArgs>),
}

/// Runs a client command; errors are printed here, and the exit code says what happened.
pub async fn run(command: ClientCommand) -> ExitCode {
    match dispatch(command).await {
        Ok(exit) => exit.into(),
        Err(error) => {
            eprintln!("labelsync: {error}");
            error.exit().into()
        }
    }
}

async fn dispatch(command: ClientCommand) -> Result<Exit, CliError> {
    match command {
        ClientCommand::Storage(args) => {
            let args = *args;
            storage::run(&Api::connect(&args.connect).await?, args.command).await
        }
        ClientCommand::Sync(args) => sync::run(&Api::connect(&args.connect).await?, *args).await,
        ClientCommand::Export(args) => export::run(&Api::connect(&args.connect).await?, *args).await,
    }
}
