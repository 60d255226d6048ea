//! What a listed batch holds, compared with the storage's import links: objects never imported,
//! objects whose content changed since their import, unchanged ones, and the links the listing
//! saw. Pure: the sync and its dry run (`diff`) classify the same way.

use std::collections::HashMap;

use labelsync_db::links::ImportLink;
use labelsync_storage::ObjectMeta;

/// A listed object that was imported before, with the links of its tasks.
#[derive(Debug, Clone, PartialEq)]
pub struct Imported {
    pub object: ObjectMeta,
    pub links: Vec<ImportLink>,
}

/// One batch, classified.
#[derive(Debug, Default, PartialEq)]
pub struct Classified {
    /// Selected objects without a link.
    pub new: Vec<ObjectMeta>,
    /// Selected objects whose version differs from the one recorded at import.
    pub changed: Vec<Imported>,
    /// Selected objects imported before and unchanged (or whose change cannot be told).
    pub unchanged: usize,
    /// Link rows of the selected objects imported before (a task file that made three tasks
    /// counts three).
    pub link_rows: usize,
    /// Every link of a listed object, selected or not: the object exists.
    pub seen: Vec<i64>,
    /// Links written before versions were kept, with the version the listing gives now.
    pub unversioned: Vec<(i64, Option<String>)>,
}

/// Classifies `objects` (each key once) against `links` (every link of their keys);
/// `selects` says which objects the storage imports.
pub fn classify(
    objects: Vec<ObjectMeta>,
    links: Vec<ImportLink>,
    selects: impl Fn(&ObjectMeta) -> bool,
) -> Classified {
    let mut by_key: HashMap<String, Vec<ImportLink>> = HashMap::new();
    for link in links {
        by_key.entry(link.key.clone()).or_default().push(link);
    }
    let mut out = Classified::default();
    for object in objects {
        let links = by_key.remove(&object.key);
        if let Some(links) = &links {
            out.seen.extend(links.iter().map(|l| l.id));
        }
        if !selects(&object) {
            continue;
        }
        let Some(links) = links else {
            out.new.push(object);
            continue;
        };
        out.link_rows += links.len();
        let listed = object.version();
        let recorded = links.iter().find_map(|l| l.version.clone());
        match (recorded, &listed) {
            (None, _) => {
                out.unversioned.extend(links.iter().map(|l| (l.id, listed.clone())));
                out.unchanged += 1;
            }
            (Some(recorded), Some(listed)) if recorded != *listed => {
                out.changed.push(Imported { object, links });
            }
            _ => out.unchanged += 1,
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn object(key: &str, etag: Option<&str>) -> ObjectMeta {
        ObjectMeta { key: key.into(), size: 1, last_modified: None, etag: etag.map(str::to_owned) }
    }

    fn link(id: i64, key: &str, row: Option<i32>, version: Option<&str>) -> ImportLink {
        ImportLink {
            id,
            task_id: id * 10,
            key: key.into(),
            row_index: row,
            version: version.map(str::to_owned),
            seen_generation: 0,
        }
    }

    /// New, changed, unchanged, unversioned and unselected objects are told apart; every link
    /// of a listed object is seen, selected or not.
    #[test]
    fn batch_is_classified_against_links() {
        let objects = vec![
            object("new.json", Some("a")),
            object("same.json", Some("v1")),
            object("changed.json", Some("v2")),
            object("old.json", Some("x")),
            object("skip.txt", Some("y")),
            object("unknown.json", None),
        ];
        let links = vec![
            link(1, "same.json", None, Some("v1")),
            link(2, "changed.json", Some(0), Some("v1")),
            link(3, "changed.json", Some(1), Some("v1")),
            link(4, "old.json", None, None),
            link(5, "skip.txt", None, Some("v0")),
            link(6, "unknown.json", None, Some("v0")),
        ];
        let out = classify(objects, links, |o| !o.key.ends_with(".txt"));
        assert_eq!(out.new.iter().map(|o| o.key.as_str()).collect::<Vec<_>>(), ["new.json"]);
        assert_eq!(out.changed.len(), 1);
        assert_eq!(out.changed[0].object.key, "changed.json");
        assert_eq!(out.changed[0].links.len(), 2);
        assert_eq!(out.unchanged, 3, "same, old (unversioned) and unknown (no listed version)");
        assert_eq!(out.link_rows, 5);
        let mut seen = out.seen.clone();
        seen.sort();
        assert_eq!(seen, [1, 2, 3, 4, 5, 6]);
        assert_eq!(out.unversioned, [(4, Some("x".to_owned()))]);
    }
}
