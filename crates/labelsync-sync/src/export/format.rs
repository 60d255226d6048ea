//! JSON written the way Python's `json.dumps` writes it, so exported objects read the same
//! as Label Studio's: non-ASCII escaped as `\uXXXX`, `", "` / `": "` separators (cloud and
//! Redis), or `indent=2` (local files).

use std::io::{self, Write};

use serde::Serialize;
use serde_json::ser::{CharEscape, Formatter, PrettyFormatter, Serializer};

/// `json.dumps(value)`.
pub fn dumps(value: &impl Serialize) -> Vec<u8> {
    write(value, Python { pretty: None })
}

/// `json.dumps(value, indent=2)`.
pub fn dumps_indented(value: &impl Serialize) -> Vec<u8> {
    write(value, Python { pretty: Some(PrettyFormatter::with_indent(b"  ")) })
}

fn write(value: &impl Serialize, formatter: Python) -> Vec<u8> {
    let mut out = Vec::new();
    let mut serializer = Serializer::with_formatter(&mut out, formatter);
    // Serializing a `serde_json::Value`-like tree into a Vec cannot fail.
    let _ = value.serialize(&mut serializer);
    out
}

/// Python's default separators, or its indented layout, with ASCII-only strings.
struct Python {
    pretty: Option<PrettyFormatter<'static>>,
}

impl Formatter for Python {
    fn begin_array<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        match &mut self.pretty {
            Some(p) => p.begin_array(w),
            None => w.write_all(b"["),
        }
    }
    fn end_array<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        match &mut self.pretty {
            Some(p) => p.end_array(w),
            None => w.write_all(b"]"),
        }
    }
    fn begin_array_value<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        match &mut self.pretty {
            Some(p) => p.begin_array_value(w, first),
            None if first => Ok(()),
            None => w.write_all(b", "),
        }
    }
    fn end_array_value<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        match &mut self.pretty {
            Some(p) => p.end_array_value(w),
            None => Ok(()),
        }
    }
    fn begin_object<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        match &mut self.pretty {
            Some(p) => p.begin_object(w),
            None => w.write_all(b"{"),
        }
    }
    fn end_object<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        match &mut self.pretty {
            Some(p) => p.end_object(w),
            None => w.write_all(b"}"),
        }
    }
    fn begin_object_key<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        match &mut self.pretty {
            Some(p) => p.begin_object_key(w, first),
            None if first => Ok(()),
            None => w.write_all(b", "),
        }
    }
    fn begin_object_value<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        w.write_all(b": ")
    }
    fn end_object_value<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        match &mut self.pretty {
            Some(p) => p.end_object_value(w),
            None => Ok(()),
        }
    }
    fn write_string_fragment<W: ?Sized + Write>(&mut self, w: &mut W, fragment: &str) -> io::Result<()> {
        let mut start = 0;
        for (i, c) in fragment.char_indices() {
            if c.is_ascii() {
                continue;
            }
            w.write_all(&fragment.as_bytes()[start..i])?;
            let mut units = [0u16; 2];
            for unit in c.encode_utf16(&mut units) {
                write!(w, "\\u{unit:04x}")?;
            }
            start = i + c.len_utf8();
        }
        w.write_all(&fragment.as_bytes()[start..])
    }
    fn write_char_escape<W: ?Sized + Write>(&mut self, w: &mut W, escape: CharEscape) -> io::Result<()> {
        serde_json::ser::CompactFormatter.write_char_escape(w, escape)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// Output matches Python's `json.dumps` for separators and non-ASCII escaping.
    #[test]
    fn like_python() {
        let v = json!({"a": [1, 2.5, "é😀"], "b": {"c": null}, "d": []});
        assert_eq!(
            String::from_utf8(dumps(&v)).unwrap(),
            r#"{"a": [1, 2.5, "\u00e9\ud83d\ude00"], "b": {"c": null}, "d": []}"#
        );
        assert_eq!(
            String::from_utf8(dumps_indented(&json!({"a": [1], "b": "x\n"}))).unwrap(),
            "{\n  \"a\": [\n    1\n  ],\n  \"b\": \"x\\n\"\n}"
        );
    }
}
