//! Reading S3 and Azure listing XML exactly: text is kept as sent (quick-xml's serde layer
//! trims it, which would change keys with leading or trailing spaces).
//!
//! One pass reads every kind of record a page holds (objects and common prefixes), and the
//! element path is one string grown and cut as elements open and close, so a page of 1,000
//! objects costs a few allocations per field kept, not one per element seen.

use std::collections::HashMap;

use quick_xml::Reader;
use quick_xml::escape::resolve_predefined_entity;
use quick_xml::events::Event;

/// The text fields of one record element, keyed by their path below it (`Key`,
/// `Properties/Content-Length`), in document order.
#[derive(Debug, Default)]
pub(crate) struct Record {
    fields: Vec<(String, String)>,
}

impl Record {
    /// The text of the field at `path`.
    pub(crate) fn get(&self, path: &str) -> Option<&str> {
        self.fields.iter().find(|(name, _)| name == path).map(|(_, text)| text.as_str())
    }

    /// Takes the text of the field at `path` out of the record.
    pub(crate) fn take(&mut self, path: &str) -> Option<String> {
        let at = self.fields.iter().position(|(name, _)| name == path)?;
        Some(self.fields.swap_remove(at).1)
    }
}

/// Text fields of a listing response read for `N` record paths.
#[derive(Debug)]
pub(crate) struct Listing<const N: usize> {
    /// For each record path given to [`parse`], in that order, its records in document order.
    pub(crate) records: [Vec<Record>; N],
    /// Direct children of the root element that hold text (`NextContinuationToken`).
    pub(crate) top: HashMap<String, String>,
}

/// Collects every element at each of `records` (paths from the root, e.g.
/// `["EnumerationResults", "Blobs", "Blob"]`) and the root's text children.
pub(crate) fn parse<const N: usize>(xml: &[u8], records: [&[&str]; N]) -> Result<Listing<N>, String> {
    let record_paths = records.map(|path| path.join("/"));
    let mut reader = Reader::from_reader(xml);
    let mut listing = Listing { records: std::array::from_fn(|_| Vec::new()), top: HashMap::new() };
    let mut path = ElementPath::default();
    let mut text = String::new();
    // Whether the innermost open element has no child elements yet: only such leaves are text fields.
    let mut leaf = false;
    // The record being read: which of `records` it is, and its fields so far.
    let mut current: Option<(usize, Record)> = None;
    loop {
        match reader.read_event().map_err(|e| e.to_string())? {
            Event::Start(start) => {
                path.open(&String::from_utf8_lossy(start.local_name().as_ref()));
                text.clear();
                leaf = true;
                if let Some(kind) = record_paths.iter().position(|p| *p == path.joined) {
                    current = Some((kind, Record::default()));
                }
            }
            Event::Empty(_) => {
                text.clear();
                leaf = false;
            }
            Event::Text(t) => text.push_str(&t.decode().map_err(|e| e.to_string())?),
            Event::CData(c) => text.push_str(&c.decode().map_err(|e| e.to_string())?),
            Event::GeneralRef(r) => {
                let resolved = if r.is_char_ref() {
                    r.resolve_char_ref().map_err(|e| e.to_string())?
                } else {
                    let name = r.decode().map_err(|e| e.to_string())?;
                    resolve_predefined_entity(&name).and_then(|s| s.chars().next())
                };
                text.push(resolved.ok_or("unknown XML entity")?);
            }
            Event::End(_) => {
                end_element(&path, leaf, &record_paths, &mut text, &mut current, &mut listing);
                path.close();
                leaf = false;
            }
            Event::Eof => break,
            _ => {}
        }
    }
    Ok(listing)
}

/// The open elements' local names joined with `/`, and where each one starts in it.
#[derive(Default)]
struct ElementPath {
    joined: String,
    starts: Vec<usize>,
}

impl ElementPath {
    fn open(&mut self, name: &str) {
        if !self.starts.is_empty() {
            self.joined.push('/');
        }
        self.starts.push(self.joined.len());
        self.joined.push_str(name);
    }

    fn close(&mut self) {
        let start = self.starts.pop().unwrap_or(0);
        self.joined.truncate(start.saturating_sub(1));
    }

    fn depth(&self) -> usize {
        self.starts.len()
    }

    /// The innermost element's name.
    fn last(&self) -> &str {
        &self.joined[self.starts.last().copied().unwrap_or(0)..]
    }
}

fn end_element<const N: usize>(
    path: &ElementPath,
    leaf: bool,
    record_paths: &[String; N],
    text: &mut String,
    current: &mut Option<(usize, Record)>,
    listing: &mut Listing<N>,
) {
    if let Some((kind, record)) = current {
        let record_path = &record_paths[*kind];
        if path.joined == *record_path {
            let (kind, record) = current.take().expect("a record is open");
            listing.records[kind].push(record);
        } else if leaf
            && let Some(field) =
                path.joined.strip_prefix(record_path.as_str()).and_then(|rest| rest.strip_prefix('/'))
        {
            record.fields.push((field.to_owned(), std::mem::take(text)));
        }
    } else if leaf && path.depth() == 2 {
        listing.top.insert(path.last().to_owned(), std::mem::take(text));
    }
    text.clear();
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Keys keep their spaces and entities; nested fields are keyed by path; each record path
    /// gets its own records from one pass; top-level text is collected.
    #[test]
    fn records_keep_exact_text() {
        let xml = br#"<?xml version="1.0" encoding="UTF-8"?>
<EnumerationResults ContainerName="c">
  <Blobs>
    <Blob><Name> lead &amp; trail &#233; </Name><Properties><Content-Length>12</Content-Length></Properties></Blob>
    <BlobPrefix><Name>dir/</Name></BlobPrefix>
    <Blob><Name><![CDATA[a<b]]></Name><Properties><Content-Length>0</Content-Length><Content-MD5 /></Properties></Blob>
  </Blobs>
  <NextMarker>m2</NextMarker>
</EnumerationResults>"#;
        let blob: &[&str] = &["EnumerationResults", "Blobs", "Blob"];
        let prefix: &[&str] = &["EnumerationResults", "Blobs", "BlobPrefix"];
        let listing = parse(xml, [blob, prefix]).expect("parse");
        let [blobs, prefixes] = &listing.records;
        assert_eq!(blobs.len(), 2);
        assert_eq!(blobs[0].get("Name"), Some(" lead & trail é "));
        assert_eq!(blobs[0].get("Properties/Content-Length"), Some("12"));
        assert_eq!(blobs[0].get("Properties/Content-MD5"), None, "an empty element is no field");
        assert_eq!(blobs[1].get("Name"), Some("a<b"));
        assert_eq!(prefixes.len(), 1);
        assert_eq!(prefixes[0].get("Name"), Some("dir/"));
        assert_eq!(listing.top["NextMarker"], "m2");
        assert!(!listing.top.contains_key("Blobs"), "an element with records is no top-level text");
    }
}
