//! Listing pages of the in-memory bucket: `ListObjectsV2` (continuation tokens) and
//! `ListObjects` v1 (markers), the same range scan.

use std::ops::Bound;

use s3s::dto::*;

use super::Bucket;

/// One `ListObjectsV2` page: keys after the resume point under `prefix`, with everything past
/// `delimiter` rolled up into common prefixes; the continuation token is the last key or
/// common prefix returned.
pub(super) fn list_page(objects: &Bucket, input: &ListObjectsV2Input) -> ListObjectsV2Output {
    let prefix = input.prefix.as_deref().unwrap_or("");
    let delimiter = input.delimiter.as_deref().filter(|d| !d.is_empty());
    let max_keys = usize::try_from(input.max_keys.unwrap_or(1000).clamp(0, 1000)).unwrap_or(1000);
    let resume =
        [input.continuation_token.as_deref(), input.start_after.as_deref()].into_iter().flatten().max();
    let start = match resume {
        Some(after) if after >= prefix => Bound::Excluded(after),
        _ => Bound::Included(prefix),
    };
    let mut contents = Vec::new();
    let mut common_prefixes: Vec<String> = Vec::new();
    let mut last = None;
    let mut truncated = false;
    for (key, object) in objects.range::<str, _>((start, Bound::Unbounded)) {
        let Some(rest) = key.strip_prefix(prefix) else { break };
        let rolled_up = delimiter.and_then(|d| rest.find(d).map(|at| &key[..prefix.len() + at + d.len()]));
        if let Some(common) = rolled_up {
            if common_prefixes.last().map(String::as_str) == Some(common) {
                continue;
            }
            if resume.is_some_and(|after| common <= after) {
                continue;
            }
        }
        if contents.len() + common_prefixes.len() == max_keys {
            truncated = true;
            break;
        }
        match rolled_up {
            Some(common) => {
                common_prefixes.push(common.to_owned());
                last = Some(common.to_owned());
            }
            None => {
                contents.push(Object {
                    key: Some(key.clone()),
                    size: Some(object.len()),
                    e_tag: Some(ETag::Strong(object.e_tag.clone())),
                    last_modified: Some(Timestamp::from(object.modified)),
                    storage_class: Some(ObjectStorageClass::from_static(ObjectStorageClass::STANDARD)),
                    ..Default::default()
                });
                last = Some(key.clone());
            }
        }
    }
    let key_count = i32::try_from(contents.len() + common_prefixes.len()).unwrap_or(i32::MAX);
    ListObjectsV2Output {
        key_count: Some(key_count),
        max_keys: input.max_keys.or(Some(1000)),
        is_truncated: Some(truncated),
        contents: (!contents.is_empty()).then_some(contents),
        common_prefixes: (!common_prefixes.is_empty())
            .then(|| common_prefixes.into_iter().map(|p| CommonPrefix { prefix: Some(p) }).collect()),
        continuation_token: input.continuation_token.clone(),
        next_continuation_token: if truncated { last } else { None },
        delimiter: input.delimiter.clone(),
        encoding_type: input.encoding_type.clone(),
        name: Some(input.bucket.clone()),
        prefix: input.prefix.clone(),
        start_after: input.start_after.clone(),
        ..Default::default()
    }
}

/// One `ListObjects` (v1) page: the v2 page resumed after `marker`. `NextMarker` is the last
/// key or common prefix of a truncated page (S3 sends it only with a delimiter; clients fall back
/// to the last key, which is the same).
pub(super) fn list_page_v1(objects: &Bucket, input: &ListObjectsInput) -> ListObjectsOutput {
    let mut v2 = ListObjectsV2Input::builder().bucket(input.bucket.clone()).build().expect("bucket set");
    v2.prefix = input.prefix.clone();
    v2.delimiter = input.delimiter.clone();
    v2.max_keys = input.max_keys;
    v2.start_after = input.marker.clone();
    let page = list_page(objects, &v2);
    let truncated = page.is_truncated == Some(true);
    let last_key = page.contents.iter().flatten().filter_map(|o| o.key.clone()).next_back();
    let last_prefix = page.common_prefixes.iter().flatten().filter_map(|p| p.prefix.clone()).next_back();
    ListObjectsOutput {
        contents: page.contents,
        common_prefixes: page.common_prefixes,
        is_truncated: page.is_truncated,
        marker: input.marker.clone(),
        next_marker: if truncated { last_key.into_iter().chain(last_prefix).max() } else { None },
        max_keys: page.max_keys,
        delimiter: input.delimiter.clone(),
        encoding_type: input.encoding_type.clone(),
        name: Some(input.bucket.clone()),
        prefix: input.prefix.clone(),
        ..Default::default()
    }
}

#[cfg(test)]
mod tests {
    use bytes::Bytes;

    use super::*;
    use crate::mem_s3::StoredObject;

    fn bucket(keys: &[&str]) -> Bucket {
        keys.iter().map(|k| ((*k).to_owned(), StoredObject::new(Bytes::from_static(b"x")))).collect()
    }

    fn input(
        prefix: &str,
        delimiter: Option<&str>,
        token: Option<&str>,
        max_keys: i32,
    ) -> ListObjectsV2Input {
        let mut input = ListObjectsV2Input::builder().bucket("b".to_owned()).build().unwrap();
        input.prefix = Some(prefix.to_owned());
        input.delimiter = delimiter.map(str::to_owned);
        input.continuation_token = token.map(str::to_owned);
        input.max_keys = Some(max_keys);
        input
    }

    fn keys(page: &ListObjectsV2Output) -> Vec<String> {
        page.contents.iter().flatten().filter_map(|o| o.key.clone()).collect()
    }

    /// Pages through a prefix with continuation tokens and sees every key once, in order.
    #[test]
    fn pages_cover_the_prefix_exactly_once() {
        let objects = bucket(&["a/1", "a/2", "a/3", "a/4", "a/5", "b/1"]);
        let mut seen = Vec::new();
        let mut token = None;
        loop {
            let page = list_page(&objects, &input("a/", None, token.as_deref(), 2));
            seen.extend(keys(&page));
            token = page.next_continuation_token.clone();
            if token.is_none() {
                assert_eq!(page.is_truncated, Some(false));
                break;
            }
        }
        assert_eq!(seen, ["a/1", "a/2", "a/3", "a/4", "a/5"]);
    }

    /// With a delimiter, deeper keys roll up into one common prefix each, counted once
    /// across pages.
    #[test]
    fn delimiter_rolls_up_folders_once() {
        let objects = bucket(&["p/a", "p/d/1", "p/d/2", "p/d/3", "p/e/1", "p/z"]);
        let first = list_page(&objects, &input("p/", Some("/"), None, 2));
        assert_eq!(keys(&first), ["p/a"]);
        let prefixes: Vec<_> =
            first.common_prefixes.iter().flatten().filter_map(|p| p.prefix.clone()).collect();
        assert_eq!(prefixes, ["p/d/"]);
        let token = first.next_continuation_token.clone();
        assert_eq!(token.as_deref(), Some("p/d/"));
        let second = list_page(&objects, &input("p/", Some("/"), token.as_deref(), 2));
        let prefixes: Vec<_> =
            second.common_prefixes.iter().flatten().filter_map(|p| p.prefix.clone()).collect();
        assert_eq!(prefixes, ["p/e/"]);
        assert_eq!(keys(&second), ["p/z"]);
        assert_eq!(second.next_continuation_token, None);
    }

    /// ListObjects v1 pages with markers see every key once, in order, and a delimiter's
    /// common prefix once (what Label Studio's boto3 listing does).
    #[test]
    fn v1_markers_cover_the_prefix_exactly_once() {
        let objects = bucket(&["a/1", "a/2", "a/3", "a/d/1", "a/d/2", "a/4", "b/1"]);
        for delimiter in [None, Some("/")] {
            let mut seen = Vec::new();
            let mut marker: Option<String> = None;
            loop {
                let mut v1 = ListObjectsInput::builder().bucket("b".to_owned()).build().unwrap();
                v1.prefix = Some("a/".into());
                v1.delimiter = delimiter.map(str::to_owned);
                v1.max_keys = Some(2);
                v1.marker = marker.clone();
                let page = list_page_v1(&objects, &v1);
                seen.extend(page.contents.iter().flatten().filter_map(|o| o.key.clone()));
                seen.extend(page.common_prefixes.iter().flatten().filter_map(|p| p.prefix.clone()));
                if page.is_truncated != Some(true) {
                    assert_eq!(page.next_marker, None);
                    break;
                }
                marker = page.next_marker.clone();
                assert!(marker.is_some(), "a truncated page names its next marker");
            }
            seen.sort();
            let expected: &[&str] = match delimiter {
                None => &["a/1", "a/2", "a/3", "a/4", "a/d/1", "a/d/2"],
                Some(_) => &["a/1", "a/2", "a/3", "a/4", "a/d/"],
            };
            assert_eq!(seen, expected, "delimiter {delimiter:?}");
        }
    }
}
