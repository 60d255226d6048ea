//! Job workers inside the test process, over the test server's database and job context, for
//! scenarios that watch syncs while they run.

use std::time::{Duration, Instant};

use labelsync_queue::{RunHandle, Runner, RunnerConfig};
use labelsync_tests::TestApp;
use serde_json::Value;
use tokio::sync::oneshot;

/// A started runner; [`Workers::stop`] shuts it down.
pub struct Workers {
    stop: oneshot::Sender<()>,
    handle: RunHandle,
}

impl Workers {
    /// `workers` job workers with the default per-organization cap (half of them, at least 1).
    pub fn start(app: &TestApp, workers: usize) -> Workers {
        let config = RunnerConfig {
            workers,
            poll_interval: Duration::from_millis(50),
            shutdown_grace: Duration::from_secs(1),
            ..RunnerConfig::default()
        };
        let runner =
            labelsync_sync::jobs::register(Runner::new(app.db.clone(), app.sync.clone()).with_config(config));
        let (stop, stopped) = oneshot::channel::<()>();
        let handle = runner.start(async move {
            let _ = stopped.await;
        });
        Workers { stop, handle }
    }

    /// Shuts the workers down; jobs still running after a second are abandoned.
    pub async fn stop(self) {
        let _ = self.stop.send(());
        self.handle.wait().await;
    }
}

/// Polls the storage at `path` until `done(storage)`; fails the test after a minute (hang
/// protection, not a timing assertion).
pub async fn wait_for(app: &TestApp, path: &str, done: impl Fn(&Value) -> bool) -> Value {
    let started = Instant::now();
    loop {
        let (_, storage) = app.get(path).await;
        if done(&storage) {
            return storage;
        }
        assert!(started.elapsed() < Duration::from_secs(60), "timed out waiting; storage is {storage}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
