//! The export body, produced page by page: a keyset page of tasks, their annotations (and
//! predictions), rendered and sent before the next page is read.

use std::io;

use axum::body::Body;
use bytes::{BufMut, Bytes, BytesMut};
use labelsync_db::Db;
use labelsync_db::annotations::{self, Annotation};
use labelsync_db::predictions;
use labelsync_db::projects::Project;
use labelsync_db::tasks::{self, Task};
use labelsync_sync::label_config::LabelConfig;
use serde_json::{Map, Value};

use super::json::{min_rows, task_json};
use super::options::{ExportOptions, ExportType};
use crate::tasks::json::{ServeContext, served_data};

/// Tasks read per page.
const PAGE: i64 = 500;

/// The streamed export of `project`. A database error mid-stream ends the response early
/// (the status line is already sent); it is logged.
pub fn body(db: Db, project: &Project, options: ExportOptions) -> Body {
    let controls = LabelConfig::parse(&project.label_config).map(|c| c.parsed()).unwrap_or_default();
    let state = Export {
        db,
        project_id: project.id,
        ctx: ServeContext::new(project),
        options,
        controls,
        after: 0,
        written: 0,
        stage: Stage::Start,
    };
    let stream = futures::stream::try_unfold(state, |mut export| async move {
        let chunk = export.next_chunk().await.inspect_err(|err| {
            tracing::error!(project = export.project_id, error = %err, "export stream failed");
        })?;
        Ok::<_, io::Error>(chunk.map(|chunk| (chunk, export)))
    });
    Body::from_stream(stream)
}

enum Stage {
    Start,
    Tasks,
    Done,
}

struct Export {
    db: Db,
    project_id: i64,
    ctx: ServeContext,
    options: ExportOptions,
    /// The config's controls (name → `{type, …}`), for `JSON_MIN` columns.
    controls: Map<String, Value>,
    /// The last task id read.
    after: i64,
    /// Items written so far.
    written: usize,
    stage: Stage,
}

impl Export {
    async fn next_chunk(&mut self) -> io::Result<Option<Bytes>> {
        match self.stage {
            Stage::Start => {
                self.stage = Stage::Tasks;
                Ok(Some(Bytes::from_static(b"[")))
            }
            Stage::Done => Ok(None),
            Stage::Tasks => loop {
                let page = tasks::list_after(&self.db, self.project_id, self.after, PAGE)
                    .await
                    .map_err(io::Error::other)?;
                let Some(last) = page.last() else {
                    self.stage = Stage::Done;
                    let end: &'static [u8] = match (self.options.export_type, self.written) {
                        (ExportType::JsonMin, 1..) => b"\n]",
                        _ => b"]",
                    };
                    return Ok(Some(Bytes::from_static(end)));
                };
                self.after = last.id;
                let chunk = self.render(page).await?;
                if !chunk.is_empty() {
                    return Ok(Some(chunk));
                }
            },
        }
    }

    /// The items of one page of tasks.
    async fn render(&mut self, page: Vec<Task>) -> io::Result<Bytes> {
        let page: Vec<Task> = match &self.options.ids {
            Some(ids) => page.into_iter().filter(|t| ids.contains(&t.id)).collect(),
            None => page,
        };
        let ids: Vec<i64> = page.iter().map(|t| t.id).collect();
        let all = annotations::list_for_tasks(&self.db, &ids).await.map_err(io::Error::other)?;
        let predictions = match self.options.export_type {
            ExportType::Json => {
                predictions::list_for_tasks(&self.db, &ids).await.map_err(io::Error::other)?
            }
            ExportType::JsonMin => Vec::new(),
        };
        let mut out = BytesMut::new();
        for task in &page {
            let mine: Vec<Annotation> = all.iter().filter(|a| a.task_id == task.id).cloned().collect();
            if mine.is_empty() && !self.options.all_tasks {
                continue;
            }
            let data = served_data(task, &self.ctx);
            let items = match self.options.export_type {
                ExportType::Json => {
                    let preds: Vec<_> =
                        predictions.iter().filter(|p| p.task_id == task.id).cloned().collect();
                    vec![task_json(task, data, &mine, &preds)]
                }
                ExportType::JsonMin => min_rows(task, &data, &mine, &self.controls),
            };
            for item in items {
                self.write_item(&mut out, &item)?;
            }
        }
        Ok(out.freeze())
    }

    fn write_item(&mut self, out: &mut BytesMut, item: &Value) -> io::Result<()> {
        let pretty = self.options.export_type == ExportType::JsonMin;
        let separator: &[u8] = match (pretty, self.written) {
            (false, 0) => b"",
            (false, _) => b",",
            (true, 0) => b"\n",
            (true, _) => b",\n",
        };
        out.put_slice(separator);
        let mut writer = out.writer();
        if pretty {
            serde_json::to_writer_pretty(&mut writer, item)?;
        } else {
            serde_json::to_writer(&mut writer, item)?;
        }
        self.written += 1;
        Ok(())
    }
}
