//! The export's query: `exportType` (Label Studio's docs) or `export_type` (its SDK),
//! `download_all_tasks`, `download_resources`, `ids[]`.

use std::collections::HashSet;

use serde_json::Value;

use crate::error::ApiError;
use crate::fields::parse_bool;

/// The export formats served.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportType {
    /// Full tasks with annotations (`JSON`, the default).
    Json,
    /// One flat row per annotation (`JSON_MIN`).
    JsonMin,
    /// The same rows as comma-separated values (`CSV`).
    Csv,
}

impl ExportType {
    /// The file extension and the `Content-Type` of the export.
    pub fn file_type(self) -> (&'static str, &'static str) {
        match self {
            ExportType::Json | ExportType::JsonMin => ("json", "application/json"),
            ExportType::Csv => ("csv", "text/csv; charset=utf-8"),
        }
    }
}

#[derive(Debug, Clone)]
pub struct ExportOptions {
    pub export_type: ExportType,
    /// Every task, not only those with at least one annotation (cancelled ones count).
    pub all_tasks: bool,
    /// Only these task ids, when given.
    pub ids: Option<HashSet<i64>>,
}

impl ExportOptions {
    /// Reads the query. An unknown export type is 400 (Label Studio answers 500).
    pub fn parse(query: Option<&str>) -> Result<ExportOptions, ApiError> {
        let mut options = ExportOptions { export_type: ExportType::Json, all_tasks: false, ids: None };
        for (key, value) in url::form_urlencoded::parse(query.unwrap_or("").as_bytes()) {
            match key.as_ref() {
                "exportType" | "export_type" => {
                    options.export_type = match value.as_ref() {
                        "JSON" => ExportType::Json,
                        "JSON_MIN" => ExportType::JsonMin,
                        "CSV" => ExportType::Csv,
                        other => {
                            return Err(ApiError::field(
                                &key,
                                format!("\"{other}\" is not a valid choice: use JSON, JSON_MIN or CSV."),
                            ));
                        }
                    }
                }
                "download_all_tasks" => options.all_tasks = flag(&key, &value)?,
                // Media are never bundled: the flag is checked and ignored.
                "download_resources" => {
                    flag(&key, &value)?;
                }
                "ids" | "ids[]" => {
                    let ids = options.ids.get_or_insert_with(HashSet::new);
                    for part in value.split(',').map(str::trim).filter(|p| !p.is_empty()) {
                        let id = part.parse::<i64>().map_err(|_| {
                            ApiError::field("ids", format!("\"{part}\" is not a valid task id."))
                        })?;
                        ids.insert(id);
                    }
                }
                _ => {}
            }
        }
        Ok(options)
    }
}

fn flag(key: &str, value: &str) -> Result<bool, ApiError> {
    parse_bool(&Value::String(value.to_owned()))
        .ok_or_else(|| ApiError::field(key, "Must be a valid boolean."))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Both spellings of the type are read; bad values are 400s.
    #[test]
    fn parses() {
        let o = ExportOptions::parse(Some("export_type=JSON_MIN&download_all_tasks=true&ids[]=3&ids[]=9"))
            .unwrap();
        assert_eq!(o.export_type, ExportType::JsonMin);
        assert!(o.all_tasks);
        assert_eq!(o.ids.unwrap().len(), 2);
        let o = ExportOptions::parse(Some("exportType=JSON")).unwrap();
        assert_eq!(o.export_type, ExportType::Json);
        assert!(!o.all_tasks && o.ids.is_none());
        assert_eq!(ExportOptions::parse(Some("exportType=CSV")).unwrap().export_type, ExportType::Csv);
        assert!(ExportOptions::parse(Some("exportType=COCO")).is_err());
        assert!(ExportOptions::parse(Some("download_all_tasks=maybe")).is_err());
    }
}
