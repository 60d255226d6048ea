//! `ListObjectsV2`, signed with object_store's SigV4 authorizer and read exactly.

use chrono::{DateTime, Utc};
use object_store::aws::AwsAuthorizer;

use super::S3Provider;
use crate::cloud::errors::Failure;
use crate::cloud::http::{request, send_raw};
use crate::cloud::keys::encode_component;
use crate::cloud::{Page, PageRequest, Provider, unquote, xml};
use crate::paging::page_size;
use crate::{ObjectMeta, Result};

/// S3's own maximum page size.
const PAGE_SIZE: usize = 1000;

impl S3Provider {
    pub(super) async fn list_objects(&self, page: PageRequest<'_>) -> Result<Page> {
        let url = format!("{}?{}", self.bucket_url, list_query(page));
        let credential = self
            .store
            .credentials()
            .get_credential()
            .await
            .map_err(|e| self.error(Failure::from_object_store(&e), None))?;
        let sign = || {
            let mut request = request(http::Method::GET, &url)?;
            AwsAuthorizer::new(&credential, "s3", &self.region)
                .try_authorize(&mut request, None)
                .map_err(|e| Failure::from_object_store(&e))?;
            Ok(request)
        };
        let response = send_raw(&self.http, sign).await.map_err(|f| self.error(f, None))?;
        parse_page(&response.body).map_err(|reason| {
            crate::Error::Other(format!("S3 {}: unreadable listing: {reason}", self.bucket))
        })
    }
}

/// The query of one `ListObjectsV2` call, every value strictly percent-encoded (the same
/// bytes SigV4 canonicalizes, so a `+` or space in a prefix cannot be read two ways).
fn list_query(page: PageRequest<'_>) -> String {
    let mut query = vec![("list-type", "2".to_owned())];
    if let Some(prefix) = page.prefix {
        query.push(("prefix", encode_component(prefix)));
    }
    if page.delimited {
        query.push(("delimiter", "%2F".to_owned()));
    }
    match (page.token, page.start_after) {
        (Some(token), _) => query.push(("continuation-token", encode_component(token))),
        // S3 only reads `start-after` on a listing's first request; the token carries it on.
        (None, Some(after)) => query.push(("start-after", encode_component(after))),
        (None, None) => {}
    }
    let max_keys = page.max_keys.unwrap_or(PAGE_SIZE).min(page_size(PAGE_SIZE));
    query.push(("max-keys", max_keys.to_string()));
    query.into_iter().map(|(name, value)| format!("{name}={value}")).collect::<Vec<_>>().join("&")
}

fn parse_page(body: &[u8]) -> Result<Page, String> {
    let xml::Listing { records: [contents, common_prefixes], mut top } =
        xml::parse(body, [&["ListBucketResult", "Contents"], &["ListBucketResult", "CommonPrefixes"]])?;
    let prefixes = common_prefixes.into_iter().filter_map(|mut r| r.take("Prefix")).collect();
    let objects = contents
        .into_iter()
        .map(|mut record| {
            let key = record.take("Key").ok_or("an object without a Key")?;
            let etag = record.get("ETag").map(|e| unquote(e.trim()));
            let size =
                record.get("Size").and_then(|s| s.trim().parse().ok()).ok_or("an object without a Size")?;
            let last_modified =
                record.get("LastModified").and_then(|t| t.trim().parse::<DateTime<Utc>>().ok());
            Ok(ObjectMeta { key, size, last_modified, etag })
        })
        .collect::<Result<Vec<_>, &str>>()?;
    let truncated = top.get("IsTruncated").is_some_and(|t| t.trim() == "true");
    let next = top.remove("NextContinuationToken").filter(|t| truncated && !t.is_empty());
    Ok(Page { objects, prefixes, next })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The query encodes prefixes strictly, caps the page size, and resumes with `start-after`
    /// only where no continuation token does.
    #[test]
    fn query_is_strictly_encoded() {
        let page = PageRequest {
            prefix: Some("a b+c/"),
            delimited: true,
            token: Some("tok/="),
            start_after: Some("ignored"),
            max_keys: Some(5000),
        };
        assert_eq!(
            list_query(page),
            "list-type=2&prefix=a%20b%2Bc%2F&delimiter=%2F&continuation-token=tok%2F%3D&max-keys=1000"
        );
        let first = PageRequest { token: None, start_after: Some("a b/c"), prefix: None, ..page };
        assert_eq!(list_query(first), "list-type=2&delimiter=%2F&start-after=a%20b%2Fc&max-keys=1000");
    }

    /// A page yields keys exactly (spaces, entities, trailing slash), sizes, times, unquoted
    /// tags and the continuation token.
    #[test]
    fn page_is_read_exactly() {
        let body = br#"<?xml version="1.0" encoding="UTF-8"?>
<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
  <Name>b</Name><Prefix></Prefix><KeyCount>2</KeyCount><MaxKeys>2</MaxKeys><IsTruncated>true</IsTruncated>
  <Contents><Key> a &amp; b.json</Key><LastModified>2024-05-01T10:00:00.000Z</LastModified><ETag>&quot;abc&quot;</ETag><Size>12</Size></Contents>
  <Contents><Key>dir/</Key><LastModified>2024-05-01T10:00:00.000Z</LastModified><Size>0</Size></Contents>
  <CommonPrefixes><Prefix>sub/</Prefix></CommonPrefixes>
  <NextContinuationToken>t2</NextContinuationToken>
</ListBucketResult>"#;
        let page = parse_page(body).expect("page");
        let keys: Vec<&str> = page.objects.iter().map(|m| m.key.as_str()).collect();
        assert_eq!(keys, [" a & b.json", "dir/"]);
        assert_eq!(page.objects[0].size, 12);
        assert_eq!(page.objects[0].etag.as_deref(), Some("abc"));
        assert_eq!(page.objects[0].version().as_deref(), Some("abc"));
        assert_eq!(page.objects[1].version().as_deref(), Some("0-1714557600000000000"), "no ETag");
        assert!(page.objects[0].last_modified.is_some());
        assert_eq!(page.next.as_deref(), Some("t2"));
        assert_eq!(page.prefixes, ["sub/"]);
    }
}
