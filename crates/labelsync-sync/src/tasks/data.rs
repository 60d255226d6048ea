//! The `$undefined$` data key of blob tasks (`docs/label-studio-api.md` §5.8).

use serde_json::{Map, Value};

/// The data key a blob task is stored under (Label Studio's `DATA_UNDEFINED_NAME`).
pub const UNDEFINED_KEY: &str = "$undefined$";

/// `data` with its `$undefined$` key renamed to `first_data_key` (moved to the end, replacing
/// a key of that name, as Label Studio does). Anything else is returned unchanged, including
/// data whose project config has no data keys.
pub fn rename_undefined(data: &Value, first_data_key: Option<&str>) -> Value {
    match (data, first_data_key) {
        (Value::Object(map), Some(key)) if map.contains_key(UNDEFINED_KEY) => {
            let mut map = map.clone();
            rename_in_place(&mut map, key);
            Value::Object(map)
        }
        _ => data.clone(),
    }
}

/// Renames `$undefined$` to `key` in place, if present.
pub(crate) fn rename_in_place(map: &mut Map<String, Value>, key: &str) {
    if let Some(value) = map.remove(UNDEFINED_KEY) {
        map.remove(key);
        map.insert(key.to_owned(), value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// The blob key becomes the first data key; without one the data is left alone.
    #[test]
    fn renames() {
        let blob = json!({"$undefined$": "s3://b/k.jpg"});
        assert_eq!(rename_undefined(&blob, Some("image_url")), json!({"image_url": "s3://b/k.jpg"}));
        assert_eq!(rename_undefined(&blob, None), blob);
        let plain = json!({"image_url": "x"});
        assert_eq!(rename_undefined(&plain, Some("image_url")), plain);
    }
}
