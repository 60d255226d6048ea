//! Task data on the wire: [`served_data`], the one place that turns stored data into served
//! data, and the summaries Label Studio computes for a task's annotations and predictions. The
//! shapes a task is served in are in [`super::shapes`] and [`super::detail`].

use labelsync_db::projects::Project;
use labelsync_db::tasks::Task;
use labelsync_sync::label_config::LabelConfig;
use labelsync_sync::media::MediaSources;
use serde_json::Value;

use crate::wire::python_dumps;

/// What serving a project's tasks needs to know about the project.
#[derive(Debug, Clone)]
pub struct ServeContext {
    /// The config's first data key: what a blob task's `$undefined$` key reads as.
    first_data_key: Option<String>,
    /// The project's import storages and the URL base, when storage URIs are rewritten.
    media: Option<(MediaSources, String)>,
}

impl ServeContext {
    /// Serving without URI rewriting (exports, write responses).
    pub fn new(project: &Project) -> ServeContext {
        let first_data_key =
            LabelConfig::parse(&project.label_config).ok().and_then(|config| config.first_data_key());
        ServeContext { first_data_key, media: None }
    }

    /// A context with no first data key and no rewriting, for unit tests.
    #[cfg(test)]
    pub fn plain() -> ServeContext {
        ServeContext { first_data_key: None, media: None }
    }

    /// Also rewrites the storage URIs that `sources` resolve to `{host}/tasks/{id}/resolve/…`
    /// (build it with `media::serve_context`).
    pub fn resolving(mut self, sources: MediaSources, host: &str) -> ServeContext {
        self.media = (!sources.is_empty()).then(|| (sources, host.to_owned()));
        self
    }
}

/// A task's `data` as clients see it — the one place that turns stored data into served data,
/// used by every response and export that contains tasks. Blob tasks are stored as
/// `{"$undefined$": uri}` and served under the project's first data key
/// (`docs/label-studio-api.md` §5.8); with a resolving context, storage URIs of the project's
/// import storages become resolve URLs (`docs/label-studio-api.md` §7.1).
pub fn served_data(task: &Task, ctx: &ServeContext) -> Value {
    let data = labelsync_sync::tasks::rename_undefined(&task.data.0, ctx.first_data_key.as_deref());
    match &ctx.media {
        Some((sources, host)) => sources.rewrite(&data, task.id, task.import_storage_id, host),
        None => data,
    }
}

/// Label Studio's display string of results: `json.dumps` of the list of results without its
/// outer brackets and quotes, cut at 500 characters
/// (`[{from_name: label, to_name: image, type: choices, value: {choices: [pos]}}]`).
pub(super) fn results_summary(results: &[&Value]) -> String {
    if results.is_empty() {
        return String::new();
    }
    let dumped: Vec<String> = results.iter().map(|r| python_dumps(r)).collect();
    dumped.join(", ").chars().filter(|c| *c != '"').take(500).collect()
}

pub(super) fn distinct<T: PartialEq>(items: impl Iterator<Item = T>) -> Vec<T> {
    let mut out = Vec::new();
    for item in items {
        if !out.contains(&item) {
            out.push(item);
        }
    }
    out
}

pub(super) fn joined(items: impl IntoIterator<Item = String>) -> String {
    items.into_iter().collect::<Vec<_>>().join(",")
}

pub(super) fn average(values: impl Iterator<Item = f64>) -> Option<f64> {
    let (sum, n) = values.fold((0.0, 0u32), |(s, n), v| (s + v, n + 1));
    (n > 0).then(|| sum / f64::from(n))
}
