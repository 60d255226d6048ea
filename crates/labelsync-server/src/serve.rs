//! `labelsync serve`: the HTTP API plus, by default, job workers, with graceful shutdown.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::OnceLock;
use std::time::Duration;

use labelsync_api::{ApiConfig, AppState};
use labelsync_db::Db;
use labelsync_queue::{QueueHandle, RunHandle, Runner, RunnerConfig};
use labelsync_storage::guard::NetGuard;
use labelsync_sync::context::{SyncContext, SyncSettings};
use labelsync_sync::crypto::MasterKey;
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::config::{ServeArgs, StorageArgs, WorkerArgs};

/// A running server. Dropping it does not stop it; call [`Running::stop`].
pub struct Running {
    pub addr: SocketAddr,
    pub state: AppState,
    /// The context its job workers run with (tests run jobs with it).
    pub sync: SyncContext,
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<anyhow::Result<()>>,
    workers: Option<(oneshot::Sender<()>, RunHandle, JoinHandle<()>)>,
}

impl Running {
    /// Stops accepting connections, lets in-flight requests finish, stops the job workers
    /// (running jobs are told to stop and given a grace period), and waits.
    pub async fn stop(mut self) -> anyhow::Result<()> {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        let served = self.task.await?;
        if let Some((stop, handle, scheduler)) = self.workers.take() {
            scheduler.abort();
            let _ = stop.send(());
            handle.wait().await;
        }
        served
    }
}

/// The job runner of this process: every labelsync job type, `workers` at a time.
pub fn runner(db: Db, ctx: SyncContext, queue: QueueHandle, args: &WorkerArgs) -> Runner<SyncContext> {
    let config = RunnerConfig {
        workers: args.workers.max(1),
        lease: Duration::from_secs(args.job_lease_secs.max(1)),
        poll_interval: Duration::from_millis(args.job_poll_ms.max(10)),
        max_running_per_org: Some(args.max_running_jobs_per_org).filter(|&cap| cap > 0),
        ..RunnerConfig::default()
    };
    labelsync_sync::jobs::register(Runner::new(db, ctx).with_config(config).with_handle(queue))
}

/// The scheduler of this process's workers (`labelsync_sync::schedule`), ticking at the job poll
/// interval until aborted.
pub fn spawn_scheduler(db: Db, queue: QueueHandle, args: &WorkerArgs) -> JoinHandle<()> {
    let every = Duration::from_millis(args.job_poll_ms.max(10));
    tokio::spawn(labelsync_sync::schedule::run_scheduler(db, queue, every, std::future::pending()))
}

/// The sync engine's context from the command line.
pub fn sync_context(db: Db, master_key: &MasterKey, args: &WorkerArgs) -> SyncContext {
    let storage = &args.storage;
    SyncContext {
        db,
        secrets: master_key.secret_box(),
        storage_env: storage.storage_env(),
        guard: net_guard(storage),
        settings: SyncSettings {
            host: storage.label_studio_host.as_deref().map(|h| h.trim_end_matches('/').to_owned()),
            batch_size: args.sync_batch_size.max(1),
            fetch_concurrency: args.sync_fetch_concurrency.max(1),
            max_object_bytes: args.max_task_file_bytes,
            max_bytes_in_flight: args.sync_max_bytes_in_flight,
            // NaN becomes the lower bound, so the conversion cannot panic.
            webhook_timeout: Duration::from_secs_f64(if args.webhook_timeout.is_nan() {
                0.001
            } else {
                args.webhook_timeout.clamp(0.001, 3600.0)
            }),
            ..SyncSettings::default()
        },
    }
}

/// The process-wide Prometheus recorder (installed once, shared by every server in a process).
pub fn metrics_handle() -> Option<PrometheusHandle> {
    static HANDLE: OnceLock<Option<PrometheusHandle>> = OnceLock::new();
    HANDLE
        .get_or_init(|| {
            PrometheusBuilder::new()
                .set_buckets(&[0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0])
                .ok()?
                .install_recorder()
                .ok()
        })
        .clone()
}

/// The network guard for tenant-supplied hosts, with the outbound limits and proxy.
pub fn net_guard(storage: &StorageArgs) -> NetGuard {
    NetGuard::new(storage.ssrf_protection_enabled, storage.outbound_allow_hosts.clone())
        .with_limits(storage.outbound.limits())
        .with_proxy(storage.outbound.proxy())
}

/// The API settings from the command line.
pub fn api_config(args: &ServeArgs) -> anyhow::Result<ApiConfig> {
    let storage = &args.worker.storage;
    let cors = labelsync_api::cors::CorsOrigins::parse(&args.cors_origins).map_err(anyhow::Error::msg)?;
    Ok(ApiConfig {
        max_body_bytes: args.max_body_bytes,
        access_token_ttl_secs: args.access_token_ttl,
        host: storage
            .label_studio_host
            .as_deref()
            .map(|h| h.trim_end_matches('/').to_owned())
            .filter(|h| !h.is_empty()),
        local_files_serving_enabled: storage.local_files_serving_enabled,
        local_files_document_root: storage.local_files_document_root.clone(),
        resolve_within_prefix: args.resolve_within_prefix,
        max_label_config_bytes: args.max_label_config_bytes,
        metrics_token: args.metrics_token.clone().filter(|t| !t.is_empty()),
        min_sync_interval_secs: args.worker.min_sync_interval_secs,
        cors,
        editor_dir: args.editor_dir.clone().filter(|d| !d.as_os_str().is_empty()),
    })
}

/// Starts serving on `listener` in the background.
pub async fn start(
    db: Db,
    master_key: &MasterKey,
    args: &ServeArgs,
    listener: TcpListener,
) -> anyhow::Result<Running> {
    let addr = listener.local_addr()?;
    let queue = QueueHandle::new();
    let sync = sync_context(db.clone(), master_key, &args.worker);
    let workers = (args.worker.workers > 0).then(|| {
        let (stop, stopped) = oneshot::channel::<()>();
        let handle = runner(db.clone(), sync.clone(), queue.clone(), &args.worker).start(async {
            let _ = stopped.await;
        });
        (stop, handle, spawn_scheduler(db.clone(), queue.clone(), &args.worker))
    });
    let state = AppState::new(
        db,
        api_config(args)?,
        master_key,
        net_guard(&args.worker.storage),
        args.worker.storage.storage_env(),
        metrics_handle(),
        queue,
    );
    let router = labelsync_api::build(state.clone());
    let (stop_tx, stop_rx) = oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        axum::serve(listener, router)
            .with_graceful_shutdown(async {
                let _ = stop_rx.await;
            })
            .await?;
        Ok(())
    });
    Ok(Running { addr, state, sync, stop: Some(stop_tx), task, workers })
}

/// Runs until `shutdown` completes, then stops gracefully.
pub async fn run_until(running: Running, shutdown: impl Future<Output = ()>) -> anyhow::Result<()> {
    shutdown.await;
    tracing::info!("shutting down");
    running.stop().await
}

/// Completes on SIGTERM or Ctrl-C.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = term => {}
    }
}
