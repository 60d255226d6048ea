//! The live counters of an import sync, as they appear in the storage's `meta`.

use serde_json::{Map, Value, json};

/// What an import sync has done so far. Written into `meta` at least once per batch; the final
/// values stay after the sync.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Counts {
    /// Objects this attempt listed (a resumed attempt counts only what it listed itself).
    pub objects_listed: i64,
    pub tasks_created: i64,
    /// Tasks whose data was replaced because their object changed (`sync_changed: update`).
    pub tasks_updated: i64,
    /// Tasks deleted because their object (or row) vanished (`sync_deleted`).
    pub tasks_deleted: i64,
    /// Selected objects imported before and not re-read (unchanged, or changed under `keep`).
    pub objects_skipped: i64,
    /// Objects that could not be imported (see the storage's error ledger).
    pub objects_failed: i64,
    /// Objects imported before that the listing no longer holds.
    pub objects_missing: i64,
}

const KEYS: [&str; 7] = [
    "objects_listed",
    "tasks_created",
    "tasks_updated",
    "tasks_deleted",
    "objects_skipped",
    "objects_failed",
    "objects_missing",
];

impl Counts {
    /// The counters an interrupted attempt left in `meta`; `objects_listed` starts again.
    pub fn carried_over(meta: &Map<String, Value>) -> Counts {
        let get = |key: &str| meta.get(key).and_then(Value::as_i64).unwrap_or(0);
        Counts {
            objects_listed: 0,
            tasks_created: get("tasks_created"),
            tasks_updated: get("tasks_updated"),
            tasks_deleted: get("tasks_deleted"),
            objects_skipped: get("objects_skipped"),
            objects_failed: get("objects_failed"),
            objects_missing: 0,
        }
    }

    fn values(&self) -> [i64; 7] {
        [
            self.objects_listed,
            self.tasks_created,
            self.tasks_updated,
            self.tasks_deleted,
            self.objects_skipped,
            self.objects_failed,
            self.objects_missing,
        ]
    }

    /// Writes the counters into `meta`.
    pub fn write_into(&self, meta: &mut Map<String, Value>) {
        for (key, value) in KEYS.iter().zip(self.values()) {
            meta.insert((*key).to_owned(), json!(value));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A resumed attempt carries every counter on but `objects_listed` and `objects_missing`,
    /// which count what the finishing attempt itself saw.
    #[test]
    fn counters_carry_over_but_the_listing() {
        let counts = Counts {
            objects_listed: 5,
            tasks_created: 4,
            tasks_updated: 3,
            tasks_deleted: 2,
            objects_skipped: 1,
            objects_failed: 6,
            objects_missing: 7,
        };
        let mut meta = Map::new();
        counts.write_into(&mut meta);
        assert_eq!(meta["tasks_updated"], 3);
        let carried = Counts::carried_over(&meta);
        assert_eq!(carried, Counts { objects_listed: 0, objects_missing: 0, ..counts });
    }
}
