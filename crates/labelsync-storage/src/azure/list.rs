//! `List Blobs`, signed with object_store's Shared Key authorizer and read exactly.

use chrono::{DateTime, Utc};
use object_store::azure::AzureAuthorizer;

use super::AzureProvider;
use crate::cloud::errors::Failure;
use crate::cloud::http::{request, send_raw};
use crate::cloud::keys::encode_component;
use crate::cloud::{Page, PageRequest, Provider, unquote, xml};
use crate::paging::page_size;
use crate::{ObjectMeta, Result};

/// Azure's own maximum page size.
const PAGE_SIZE: usize = 5000;

impl AzureProvider {
    pub(super) async fn list_blobs(&self, page: PageRequest<'_>) -> Result<Page> {
        let mut query = vec!["restype=container".to_owned(), "comp=list".to_owned()];
        if let Some(prefix) = page.prefix {
            query.push(format!("prefix={}", encode_component(prefix)));
        }
        if page.delimited {
            query.push("delimiter=%2F".to_owned());
        }
        if let Some(marker) = page.token {
            query.push(format!("marker={}", encode_component(marker)));
        }
        let max = page.max_keys.unwrap_or(PAGE_SIZE).min(page_size(PAGE_SIZE));
        query.push(format!("maxresults={max}"));
        let url = format!("{}/{}?{}", self.base_url, self.container, query.join("&"));
        let sign = || {
            let mut request = request(http::Method::GET, &url)?;
            AzureAuthorizer::new(&self.credential, &self.account)
                .try_authorize(&mut request)
                .map_err(|e| Failure::from_object_store(&e))?;
            Ok(request)
        };
        let response = send_raw(&self.http, sign).await.map_err(|f| self.error(f, None))?;
        parse_page(&response.body).map_err(|reason| {
            crate::Error::Other(format!("Azure container {}: unreadable listing: {reason}", self.container))
        })
    }
}

fn parse_page(body: &[u8]) -> Result<Page, String> {
    let xml::Listing { records: [blobs, blob_prefixes], mut top } = xml::parse(
        body,
        [&["EnumerationResults", "Blobs", "Blob"], &["EnumerationResults", "Blobs", "BlobPrefix"]],
    )?;
    let prefixes = blob_prefixes.into_iter().filter_map(|mut r| r.take("Name")).collect();
    let objects = blobs
        .into_iter()
        .map(|mut record| {
            let key = record.take("Name").ok_or("a blob without a Name")?;
            let etag = record.get("Properties/Etag").map(|e| unquote(e.trim()));
            let size = record
                .get("Properties/Content-Length")
                .and_then(|s| s.trim().parse().ok())
                .ok_or("a blob without a Content-Length")?;
            Ok(ObjectMeta {
                key,
                size,
                last_modified: record
                    .get("Properties/Last-Modified")
                    .and_then(|t| DateTime::parse_from_rfc2822(t.trim()).ok())
                    .map(|t| t.with_timezone(&Utc)),
                etag,
            })
        })
        .collect::<Result<Vec<_>, &str>>()?;
    let next = top.remove("NextMarker").filter(|m| !m.is_empty());
    Ok(Page { objects, prefixes, next })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Blobs are read with exact names, sizes, times and tags; prefixes apart from them.
    #[test]
    fn page_is_read_exactly() {
        let body = br#"<?xml version="1.0" encoding="utf-8"?>
<EnumerationResults ServiceEndpoint="http://127.0.0.1:10000/devstoreaccount1" ContainerName="c">
  <Prefix>p/</Prefix><MaxResults>2</MaxResults><Delimiter>/</Delimiter>
  <Blobs>
    <Blob><Name>p/a b.json</Name><Properties><Last-Modified>Thu, 01 Jul 2021 10:44:59 GMT</Last-Modified><Etag>0x8D93C7D4629C227</Etag><Content-Length>8</Content-Length></Properties></Blob>
    <BlobPrefix><Name>p/sub/</Name></BlobPrefix>
  </Blobs>
  <NextMarker>next-1</NextMarker>
</EnumerationResults>"#;
        let page = parse_page(body).expect("page");
        assert_eq!(page.objects.len(), 1);
        assert_eq!(page.objects[0].key, "p/a b.json");
        assert_eq!(page.objects[0].size, 8);
        assert_eq!(page.objects[0].etag.as_deref(), Some("0x8D93C7D4629C227"));
        assert_eq!(page.objects[0].version().as_deref(), Some("0x8D93C7D4629C227"));
        assert!(page.objects[0].last_modified.is_some());
        assert_eq!(page.next.as_deref(), Some("next-1"));
        assert_eq!(page.prefixes, ["p/sub/"]);
    }
}
