//! The export body, produced page by page: a keyset page of tasks, their annotations (and
//! predictions), rendered and sent before the next page is read. A `CSV` export reads the
//! tasks twice: first for its header's columns, then for its rows.

use std::collections::HashMap;
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

use super::csv::{CsvColumns, CsvHeader};
use super::json::{MinRow, min_json, min_rows, task_json};
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
        csv: None,
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
    /// The config's controls (name → `{type, …}`), for `JSON_MIN` and `CSV` columns.
    controls: Map<String, Value>,
    /// The last task id read.
    after: i64,
    /// Items written so far.
    written: usize,
    stage: Stage,
    /// The `CSV` columns, learnt by a first pass over the tasks.
    csv: Option<CsvHeader>,
}

/// A task to export, with its served data (an object) and annotations.
struct Exported {
    task: Task,
    data: Map<String, Value>,
    annotations: Vec<Annotation>,
}

impl Exported {
    fn min_rows(&self, controls: &Map<String, Value>) -> Vec<MinRow<'_>> {
        min_rows(&self.task, &self.data, &self.annotations, controls)
    }
}

impl Export {
    async fn next_chunk(&mut self) -> io::Result<Option<Bytes>> {
        match self.stage {
            Stage::Start => {
                self.stage = Stage::Tasks;
                if self.options.export_type != ExportType::Csv {
                    return Ok(Some(Bytes::from_static(b"[")));
                }
                let header = self.csv_columns().await?;
                let mut out = BytesMut::new();
                header.write_header(&mut out);
                self.csv = Some(header);
                Ok(Some(out.freeze()))
            }
            Stage::Done => Ok(None),
            Stage::Tasks => loop {
                let Some(page) = self.next_page().await? else {
                    self.stage = Stage::Done;
                    let end: &'static [u8] = match (self.options.export_type, self.written) {
                        (ExportType::Csv, _) => return Ok(None),
                        (ExportType::JsonMin, 1..) => b"\n]",
                        _ => b"]",
                    };
                    return Ok(Some(Bytes::from_static(end)));
                };
                let chunk = self.render(page).await?;
                if !chunk.is_empty() {
                    return Ok(Some(chunk));
                }
            },
        }
    }

    /// The next page of tasks to export (maybe none of a page read), or `None` at the end.
    async fn next_page(&mut self) -> io::Result<Option<Vec<Exported>>> {
        let page =
            tasks::list_after(&self.db, self.project_id, self.after, PAGE).await.map_err(io::Error::other)?;
        let Some(last) = page.last() else { return Ok(None) };
        self.after = last.id;
        let page: Vec<Task> = match &self.options.ids {
            Some(ids) => page.into_iter().filter(|t| ids.contains(&t.id)).collect(),
            None => page,
        };
        let ids: Vec<i64> = page.iter().map(|t| t.id).collect();
        let mut by_task: HashMap<i64, Vec<Annotation>> = HashMap::new();
        for a in annotations::list_for_tasks(&self.db, &ids).await.map_err(io::Error::other)? {
            by_task.entry(a.task_id).or_default().push(a);
        }
        let mut exported = Vec::with_capacity(page.len());
        for task in page {
            let mine = by_task.remove(&task.id).unwrap_or_default();
            if mine.is_empty() && !self.options.all_tasks {
                continue;
            }
            let data = match served_data(&task, &self.ctx) {
                Value::Object(data) => data,
                _ => Map::new(), // task data is always an object
            };
            exported.push(Exported { task, data, annotations: mine });
        }
        Ok(Some(exported))
    }

    /// The first pass of a `CSV` export: every column of its rows.
    async fn csv_columns(&mut self) -> io::Result<CsvHeader> {
        let mut columns = CsvColumns::default();
        while let Some(page) = self.next_page().await? {
            for exported in &page {
                for row in exported.min_rows(&self.controls) {
                    columns.observe(&row);
                }
            }
        }
        self.after = 0;
        Ok(columns.finish())
    }

    /// The items of one page of tasks.
    async fn render(&mut self, page: Vec<Exported>) -> io::Result<Bytes> {
        let mut out = BytesMut::new();
        match self.options.export_type {
            ExportType::Json => {
                let ids: Vec<i64> = page.iter().map(|e| e.task.id).collect();
                let predictions =
                    predictions::list_for_tasks(&self.db, &ids).await.map_err(io::Error::other)?;
                for e in page {
                    let preds: Vec<_> =
                        predictions.iter().filter(|p| p.task_id == e.task.id).cloned().collect();
                    self.write_item(
                        &mut out,
                        &task_json(&e.task, Value::Object(e.data), &e.annotations, &preds),
                    )?;
                }
            }
            ExportType::JsonMin => {
                for e in &page {
                    for row in e.min_rows(&self.controls) {
                        self.write_item(&mut out, &min_json(&row))?;
                    }
                }
            }
            ExportType::Csv => {
                let header = self.csv.as_ref().ok_or_else(|| io::Error::other("CSV header not written"))?;
                for e in &page {
                    for row in e.min_rows(&self.controls) {
                        header.write_row(&mut out, &row);
                    }
                }
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
