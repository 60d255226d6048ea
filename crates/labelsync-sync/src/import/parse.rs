//! Which objects "Tasks" mode reads (`docs/label-studio-api.md` §5.5).

/// Label Studio's file-type gate for "Tasks" mode: a key with an extension other than
/// `.json`, `.jsonl` or `.parquet` is not read.
pub fn unsupported_extension(key: &str) -> Option<String> {
    let name = key.rsplit('/').next().unwrap_or(key);
    let (_, ext) = name.rsplit_once('.')?;
    if ext.is_empty() || name.starts_with('.') && name.matches('.').count() == 1 {
        return None;
    }
    match ext.to_ascii_lowercase().as_str() {
        "json" | "jsonl" | "parquet" => None,
        _ => Some(format!(
            "File \"{key}\" is not a JSON/JSONL/Parquet file. Only .json, .jsonl, and .parquet files can \
             be processed.\nIf you're trying to import non-JSON data (images, audio, text, etc.), edit \
             storage settings and enable \"Tasks\" import method"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Only JSON, JSONL and Parquet extensions (or none) are read in Tasks mode.
    #[test]
    fn extension_gate() {
        assert!(unsupported_extension("a/b.json").is_none());
        assert!(unsupported_extension("a/B.JSONL").is_none());
        assert!(unsupported_extension("a/noext").is_none());
        assert!(unsupported_extension("a/img.jpg").is_some());
    }
}
