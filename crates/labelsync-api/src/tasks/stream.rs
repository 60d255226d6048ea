//! Task lists too long for one chunk (`page_size=-1`, or a page size over the chunk) written
//! out chunk by chunk, so memory stays bounded by one chunk whatever the project's size.

use std::future::Future;

use axum::body::Body;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use serde::Serialize;

use crate::error::ApiResult;

/// Tasks per chunk: each chunk is read, joined with its annotations and predictions and
/// written out before the next one is read.
pub const CHUNK: i64 = 200;

enum Step<S> {
    Items { state: S, first: bool },
    Done,
}

/// A JSON answer `head` + the items of every chunk, comma-separated + `tail`. `next` turns a
/// chunk's state into its items and the next chunk's state (`None` after the last). A
/// database error after the first bytes can only cut the response short (the status is
/// already sent); it is logged.
pub fn json_items<T, S, F, Fut>(head: String, tail: &'static str, start: S, mut next: F) -> Response
where
    T: Serialize + Send + 'static,
    S: Send + 'static,
    F: FnMut(S) -> Fut + Send + 'static,
    Fut: Future<Output = ApiResult<(Vec<T>, Option<S>)>> + Send + 'static,
{
    let items = futures::stream::try_unfold(Step::Items { state: start, first: true }, move |step| {
        let chunk = match step {
            Step::Items { state, first } => Some((next(state), first)),
            Step::Done => None,
        };
        async move {
            let Some((chunk, first)) = chunk else { return Ok(None) };
            let (values, state) = chunk.await.map_err(|err| {
                tracing::error!("streaming a task list failed: {err}");
                std::io::Error::other("streaming the tasks failed")
            })?;
            let mut out = Vec::new();
            for (index, value) in values.iter().enumerate() {
                if !first || index > 0 {
                    out.push(b',');
                }
                serde_json::to_writer(&mut out, value).map_err(std::io::Error::other)?;
            }
            let step = match state {
                Some(state) => Step::Items { state, first: first && values.is_empty() },
                None => {
                    out.extend_from_slice(tail.as_bytes());
                    Step::Done
                }
            };
            Ok::<_, std::io::Error>(Some((Bytes::from(out), step)))
        }
    });
    let head = futures::stream::once(async move { Ok::<_, std::io::Error>(Bytes::from(head)) });
    let body = Body::from_stream(futures::StreamExt::chain(head, items));
    ([(header::CONTENT_TYPE, "application/json")], body).into_response()
}
