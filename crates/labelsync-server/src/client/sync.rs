//! `labelsync sync TYPE/ID [--wait]`: requests a sync and, with `--wait`, watches the storage
//! until the sync ends; the exit code says how it ended.

use std::io::IsTerminal;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde_json::{Value, json};

use super::api::Api;
use super::args::SyncArgs;
use super::error::{CliError, Exit};
use super::{output, storage};

/// Polls that may fail in a row (a restarting server) before waiting gives up.
const TRANSIENT_ERRORS: u32 = 5;
/// How often plain progress lines are printed when stderr is not a terminal.
const LINE_EVERY: Duration = Duration::from_secs(5);

pub async fn run(api: &Api, args: SyncArgs) -> Result<Exit, CliError> {
    let path = storage::item(args.storage, args.export);
    let queued = api.post(&format!("{path}/sync"), &json!({})).await?;
    if !args.wait {
        if args.json {
            output::json(&queued);
        } else {
            println!("{}: {}", args.storage, output::text(&queued["status"]));
        }
        return Ok(Exit::Success);
    }
    let interval = Duration::from_secs_f64(args.interval.clamp(0.05, 3600.0));
    let deadline = args.timeout.map(|s| Instant::now() + Duration::from_secs_f64(s.clamp(0.0, 1e9)));
    let mut progress = Progress::new(args.storage.to_string());
    let mut failures = 0;
    let mut storage = queued;
    loop {
        match api.get(&path).await {
            Ok(current) => {
                failures = 0;
                storage = current;
            }
            Err(error) if error.is_transient() && failures < TRANSIENT_ERRORS => {
                failures += 1;
                progress.note(&format!("{error}; trying again"));
            }
            Err(error) => {
                progress.finish();
                return Err(error);
            }
        }
        progress.update(&storage);
        if let Some(exit) = outcome(&storage) {
            progress.finish();
            report(&args, &storage, &progress, exit);
            return Ok(exit);
        }
        let now = Instant::now();
        if deadline.is_some_and(|d| now >= d) {
            progress.finish();
            report(&args, &storage, &progress, Exit::TimedOut);
            return Ok(Exit::TimedOut);
        }
        tokio::time::sleep(deadline.map_or(interval, |d| interval.min(d - now))).await;
    }
}

/// The exit code of a storage whose sync has ended; `None` while it runs.
fn outcome(storage: &Value) -> Option<Exit> {
    match storage["status"].as_str()? {
        "completed" => Some(Exit::Success),
        "completed_with_errors" => Some(Exit::CompletedWithErrors),
        "failed" => Some(Exit::Failed),
        _ => None,
    }
}

fn report(args: &SyncArgs, storage: &Value, progress: &Progress, exit: Exit) {
    if args.json {
        output::json(storage);
    } else {
        let status = match exit {
            Exit::TimedOut => {
                format!("still {} (timed out; the sync goes on)", output::text(&storage["status"]))
            }
            _ => output::text(&storage["status"]),
        };
        println!(
            "{}: {status} after {:.1}s; {}",
            args.storage,
            progress.started.elapsed().as_secs_f64(),
            Counters::of(storage)
        );
    }
    if matches!(exit, Exit::Failed | Exit::CompletedWithErrors)
        && let Some(traceback) = storage["traceback"].as_str().filter(|t| !t.is_empty())
    {
        let lines: Vec<&str> = traceback.lines().take(20).collect();
        eprintln!("{}", lines.join("\n"));
    }
}

/// A sync's counters from the storage's `meta` (labelsync's), or `last_sync_count` (Label
/// Studio's only one).
struct Counters {
    listed: Option<u64>,
    created: u64,
    failed: u64,
}

impl Counters {
    fn of(storage: &Value) -> Counters {
        let meta = &storage["meta"];
        Counters {
            listed: meta["objects_listed"].as_u64(),
            created: meta["tasks_created"].as_u64().or(storage["last_sync_count"].as_u64()).unwrap_or(0),
            failed: meta["objects_failed"].as_u64().unwrap_or(0),
        }
    }
}

impl std::fmt::Display for Counters {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if let Some(listed) = self.listed {
            write!(f, "{listed} objects listed, ")?;
        }
        write!(f, "{} tasks created, {} failed", self.created, self.failed)
    }
}

/// A bar on a terminal (stderr); plain lines every few seconds otherwise.
struct Progress {
    name: String,
    started: Instant,
    bar: Option<ProgressBar>,
    last_line: Option<(Instant, String)>,
}

impl Progress {
    fn new(name: String) -> Progress {
        let bar = std::io::stderr().is_terminal().then(|| {
            let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
            bar.set_style(
                ProgressStyle::with_template("{spinner} [{elapsed_precise}] {prefix} {msg}")
                    .expect("progress template"),
            );
            bar.set_prefix(name.clone());
            bar.enable_steady_tick(Duration::from_millis(120));
            bar
        });
        Progress { name, started: Instant::now(), bar, last_line: None }
    }

    fn update(&mut self, storage: &Value) {
        let status = output::text(&storage["status"]);
        let counters = Counters::of(storage);
        let secs = self.started.elapsed().as_secs_f64().max(0.001);
        let rate = counters.listed.unwrap_or(counters.created) as f64 / secs;
        let line = format!("{status}: {counters} ({rate:.0}/s)");
        match &self.bar {
            Some(bar) => bar.set_message(line),
            None => {
                let due = match &self.last_line {
                    None => true,
                    Some((at, last)) => {
                        !last.starts_with(&format!("{status}:")) || at.elapsed() >= LINE_EVERY
                    }
                };
                if due {
                    eprintln!("{} [{secs:.0}s] {line}", self.name);
                    self.last_line = Some((Instant::now(), line));
                }
            }
        }
    }

    fn note(&self, text: &str) {
        match &self.bar {
            Some(bar) => bar.println(text),
            None => eprintln!("{}: {text}", self.name),
        }
    }

    fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}
