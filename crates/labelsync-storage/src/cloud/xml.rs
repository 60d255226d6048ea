//! Reading S3 and Azure listing XML exactly: text is kept as sent (quick-xml's serde layer
//! trims it, which would change keys with leading or trailing spaces).

use std::collections::HashMap;

use quick_xml::Reader;
use quick_xml::escape::resolve_predefined_entity;
use quick_xml::events::Event;

/// Text fields of a listing response.
#[derive(Debug, Default)]
pub(crate) struct Listing {
    /// One map per record element, keyed by the path below the record (`Key`,
    /// `Properties/Content-Length`).
    pub(crate) records: Vec<HashMap<String, String>>,
    /// Direct children of the root element that hold text (`NextContinuationToken`).
    pub(crate) top: HashMap<String, String>,
}

/// Collects every element at `record` (a path from the root, e.g.
/// `["EnumerationResults", "Blobs", "Blob"]`) and the root's text children.
pub(crate) fn parse(xml: &[u8], record: &[&str]) -> Result<Listing, String> {
    let mut reader = Reader::from_reader(xml);
    let mut listing = Listing::default();
    let mut stack: Vec<String> = Vec::new();
    let mut text = String::new();
    let mut current: Option<HashMap<String, String>> = None;
    loop {
        let event = reader.read_event().map_err(|e| e.to_string())?;
        match event {
            Event::Start(start) => {
                stack.push(String::from_utf8_lossy(start.local_name().as_ref()).into_owned());
                text.clear();
                if is_at(&stack, record) {
                    current = Some(HashMap::new());
                }
            }
            Event::Empty(_) => text.clear(),
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
                end_element(&stack, record, &mut text, &mut current, &mut listing);
                stack.pop();
            }
            Event::Eof => break,
            _ => {}
        }
    }
    Ok(listing)
}

fn end_element(
    stack: &[String],
    record: &[&str],
    text: &mut String,
    current: &mut Option<HashMap<String, String>>,
    listing: &mut Listing,
) {
    if is_at(stack, record) {
        listing.records.extend(current.take());
    } else if let Some(fields) = current
        && stack.len() > record.len()
        && is_at(&stack[..record.len()], record)
    {
        fields.insert(stack[record.len()..].join("/"), std::mem::take(text));
    } else if stack.len() == 2 {
        listing.top.insert(stack[1].clone(), std::mem::take(text));
    }
    text.clear();
}

fn is_at(stack: &[String], path: &[&str]) -> bool {
    stack.len() == path.len() && stack.iter().zip(path).all(|(a, b)| a == b)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Keys keep their spaces and entities; nested fields are keyed by path; top-level text is
    /// collected.
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
        let listing = parse(xml, &["EnumerationResults", "Blobs", "Blob"]).expect("parse");
        assert_eq!(listing.records.len(), 2);
        assert_eq!(listing.records[0]["Name"], " lead & trail é ");
        assert_eq!(listing.records[0]["Properties/Content-Length"], "12");
        assert_eq!(listing.records[1]["Name"], "a<b");
        assert_eq!(listing.top["NextMarker"], "m2");
    }
}
