//! Import links (task ← storage object) and export links (annotation →
//! storage object).

mod import;

pub use import::*;

use crate::conn::with_conn;
use crate::{Ex, Result};

/// Records that `annotation_id` was written to `storage_id` at `object_key`, or touches the
/// existing link.
pub async fn upsert_export_link(
    ex: impl Into<Ex<'_>>,
    storage_id: i64,
    annotation_id: i64,
    object_key: &str,
) -> Result<()> {
    let now = crate::now();
    with_conn!(ex, |c| {
        sqlx::query(
            "insert into export_links (storage_id, annotation_id, object_key, created_at, \
             updated_at) values ($1, $2, $3, $4, $4) \
             on conflict (storage_id, annotation_id) \
             do update set object_key = excluded.object_key, updated_at = excluded.updated_at",
        )
        .bind(storage_id)
        .bind(annotation_id)
        .bind(object_key)
        .bind(now)
        .execute(c)
        .await
        .map(|_| ())
    })
}

/// Export links of an annotation: `(storage_id, object_key)`.
pub async fn export_links_of_annotation(
    ex: impl Into<Ex<'_>>,
    annotation_id: i64,
) -> Result<Vec<(i64, String)>> {
    with_conn!(ex, |c| {
        sqlx::query_as::<_, (i64, String)>(
            "select storage_id, object_key from export_links where annotation_id = $1 \
             order by storage_id",
        )
        .bind(annotation_id)
        .fetch_all(c)
        .await
    })
}

pub async fn count_export_links(ex: impl Into<Ex<'_>>, storage_id: i64) -> Result<i64> {
    with_conn!(ex, |c| {
        sqlx::query_scalar::<_, i64>("select count(*) from export_links where storage_id = $1")
            .bind(storage_id)
            .fetch_one(c)
            .await
    })
}
