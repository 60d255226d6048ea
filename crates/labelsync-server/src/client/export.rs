//! `labelsync export PROJECT`: a project's export file (`GET /api/projects/{id}/export`),
//! streamed to a file or stdout, with a byte counter on a terminal.

use std::io::IsTerminal;
use std::path::Path;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use tokio::io::AsyncWriteExt;

use super::api::Api;
use super::args::ExportArgs;
use super::error::{CliError, Exit};

pub async fn run(api: &Api, args: ExportArgs) -> Result<Exit, CliError> {
    let mut path = format!("/api/projects/{}/export?exportType={}", args.project, args.format.as_str());
    if args.all_tasks {
        path.push_str("&download_all_tasks=true");
    }
    let mut response = api.download(&path).await?;
    let bar = progress(response.content_length());
    let written = match &args.output {
        Some(file) => to_file(&mut response, file, &bar).await,
        None => copy(&mut response, &mut tokio::io::stdout(), &bar).await,
    };
    bar.finish_and_clear();
    let bytes = written?;
    if let Some(file) = &args.output {
        eprintln!(
            "project {}: {bytes} bytes of {} written to {}",
            args.project,
            args.format.as_str(),
            file.display()
        );
    }
    Ok(Exit::Success)
}

/// Writes the answer to `file`; a partial file is removed.
async fn to_file(response: &mut reqwest::Response, file: &Path, bar: &ProgressBar) -> Result<u64, CliError> {
    let cannot = |e: std::io::Error| CliError::Failed(format!("cannot write {}: {e}", file.display()));
    let mut out = tokio::fs::File::create(file).await.map_err(cannot)?;
    let written = copy(response, &mut out, bar).await;
    if written.is_err() {
        drop(out);
        let _ = tokio::fs::remove_file(file).await;
    }
    written
}

async fn copy(
    response: &mut reqwest::Response,
    out: &mut (impl AsyncWriteExt + Unpin),
    bar: &ProgressBar,
) -> Result<u64, CliError> {
    let cannot = |e: std::io::Error| CliError::Failed(format!("cannot write the export: {e}"));
    let mut bytes = 0;
    while let Some(chunk) =
        response.chunk().await.map_err(|e| CliError::Failed(format!("the download broke off: {e}")))?
    {
        out.write_all(&chunk).await.map_err(cannot)?;
        bytes += chunk.len() as u64;
        bar.set_position(bytes);
    }
    out.flush().await.map_err(cannot)?;
    Ok(bytes)
}

/// Bytes so far (of the length, when the server says it) on a terminal; hidden otherwise.
fn progress(length: Option<u64>) -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(length, ProgressDrawTarget::stderr());
    let template = match length {
        Some(_) => "{spinner} [{elapsed_precise}] {bytes}/{total_bytes} ({bytes_per_sec}) {wide_bar}",
        None => "{spinner} [{elapsed_precise}] {bytes} ({bytes_per_sec})",
    };
    bar.set_style(ProgressStyle::with_template(template).expect("progress template"));
    bar.enable_steady_tick(Duration::from_millis(120));
    bar
}
