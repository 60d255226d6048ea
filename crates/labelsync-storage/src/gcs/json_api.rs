//! The calls we make to GCS's JSON API ourselves: listing (exact names) and uploads
//! (`uploadType=media`, which fake-gcs-server serves too; it has no XML-API PUT, which is how
//! object_store writes).

use bytes::Bytes;
use chrono::{DateTime, Utc};
use http::HeaderValue;
use http::header::{AUTHORIZATION, CONTENT_TYPE};
use serde::Deserialize;

use super::GcsProvider;
use crate::cloud::errors::Failure;
use crate::cloud::http::{request, request_with_body, send_raw};
use crate::cloud::keys::encode_component;
use crate::cloud::{Page, PageRequest, Provider};
use crate::paging::page_size;
use crate::{ObjectMeta, Result};

const PAGE_SIZE: usize = 1000;
/// What Label Studio's `upload_from_string` stores exported annotations as.
const EXPORT_CONTENT_TYPE: &str = "text/plain";

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Objects {
    #[serde(default)]
    items: Vec<Item>,
    /// The sub-prefixes of a listing with a delimiter.
    #[serde(default)]
    prefixes: Vec<String>,
    next_page_token: Option<String>,
}

#[derive(Debug, Deserialize)]
struct Item {
    name: String,
    /// A decimal string in the JSON API.
    size: String,
    updated: Option<DateTime<Utc>>,
    etag: Option<String>,
    /// A decimal string: the object's content generation, new on every write.
    generation: Option<String>,
}

impl GcsProvider {
    /// `objects.list`: names as stored, in lexicographic order.
    pub(super) async fn list_objects(&self, page: PageRequest<'_>) -> Result<Page> {
        let mut query = Vec::new();
        if let Some(prefix) = page.prefix {
            query.push(format!("prefix={}", encode_component(prefix)));
        }
        if page.delimited {
            query.push("delimiter=%2F".to_owned());
        }
        if let Some(token) = page.token {
            query.push(format!("pageToken={}", encode_component(token)));
        }
        // Inclusive: the key itself comes back and the shared listing drops it. Sent on every
        // page, as GCS wants the same parameters along with a page token.
        if let Some(after) = page.start_after {
            query.push(format!("startOffset={}", encode_component(after)));
        }
        let max = page.max_keys.unwrap_or(PAGE_SIZE).min(page_size(PAGE_SIZE));
        query.push(format!("maxResults={max}"));
        let url = format!("{}/storage/v1/b/{}/o?{}", self.base_url, self.bucket, query.join("&"));
        let bearer = self.bearer().await?;
        let response = send_raw(&self.http, || {
            let mut request = request(http::Method::GET, &url)?;
            if let Some(bearer) = &bearer {
                request.headers_mut().insert(AUTHORIZATION, bearer.clone());
            }
            Ok(request)
        })
        .await
        .map_err(|f| self.error(f, None))?;
        let objects: Objects = serde_json::from_slice(&response.body)
            .map_err(|e| crate::Error::Other(format!("GCS {}: unreadable listing: {e}", self.bucket)))?;
        let objects_meta = objects
            .items
            .into_iter()
            .map(|item| ObjectMeta {
                size: item.size.parse().unwrap_or(0),
                key: item.name,
                last_modified: item.updated,
                // The generation is the content's version; GCS's ETag also changes with metadata.
                etag: item.generation.or(item.etag),
            })
            .collect();
        Ok(Page {
            objects: objects_meta,
            prefixes: objects.prefixes,
            next: objects.next_page_token.filter(|t| !t.is_empty()),
        })
    }

    /// A simple (`uploadType=media`) upload of `body` as `key`.
    pub(super) async fn upload(&self, key: &str, body: Bytes) -> Result<()> {
        let url = format!(
            "{}/upload/storage/v1/b/{}/o?uploadType=media&name={}",
            self.base_url,
            self.bucket,
            encode_component(key)
        );
        let bearer = self.bearer().await?;
        send_raw(&self.http, || {
            let mut request = request_with_body(http::Method::POST, &url, body.clone())?;
            let headers = request.headers_mut();
            if let Some(bearer) = &bearer {
                headers.insert(AUTHORIZATION, bearer.clone());
            }
            headers.insert(CONTENT_TYPE, HeaderValue::from_static(EXPORT_CONTENT_TYPE));
            Ok(request)
        })
        .await
        // A 404 here means the bucket, so the failure is not tied to the key.
        .map_err(|f| self.error(f, None))?;
        Ok(())
    }

    /// `Bearer <token>` from object_store's credential provider (a self-signed JWT for a
    /// service account, the metadata server's token for default credentials); none for an
    /// anonymous client of the operator's emulator.
    async fn bearer(&self) -> Result<Option<HeaderValue>> {
        if self.anonymous {
            return Ok(None);
        }
        let credential = self
            .store
            .credentials()
            .get_credential()
            .await
            .map_err(|e| self.error(Failure::from_object_store(&e), None))?;
        let mut value = HeaderValue::from_str(&format!("Bearer {}", credential.bearer))
            .map_err(|_| crate::Error::Unauthenticated("GCS: unusable access token".to_owned()))?;
        value.set_sensitive(true);
        Ok(Some(value))
    }
}
