//! Raw provider calls for fixtures: creating buckets and seeding objects with any key (also
//! keys object_store cannot address), bypassing the adapters.

use bytes::Bytes;
use http::{HeaderValue, Method};
use object_store::aws::{AwsAuthorizer, AwsCredential};
use object_store::azure::{AzureAccessKey, AzureAuthorizer, AzureCredential};

use crate::cloud::errors::Failure;
use crate::cloud::http::{RawClient, Reach, client_options, request_with_body, send_raw};
use crate::cloud::keys::{encode_component, encode_path};

/// A plain-HTTP client for loopback emulators.
pub(crate) fn client() -> RawClient {
    crate::install_crypto_provider();
    let guard = crate::guard::NetGuard::disabled();
    Reach::trusted(&guard).raw_client(&client_options(true)).expect("HTTP client")
}

async fn send(
    client: &RawClient,
    what: &str,
    build: impl FnMut() -> Result<object_store::client::HttpRequest, Failure>,
) -> Bytes {
    match send_raw(client, build).await {
        Ok(response) => response.body,
        Err(failure) => panic!("{what}: {failure:?}"),
    }
}

/// `PUT {endpoint}/{bucket}{path}` SigV4-signed (region us-east-1).
pub(crate) async fn s3_put(client: &RawClient, credential: &AwsCredential, url: &str, body: Bytes) {
    send(client, &format!("S3 PUT {url}"), || {
        let mut request = request_with_body(Method::PUT, url, body.clone())?;
        AwsAuthorizer::new(credential, "s3", "us-east-1")
            .try_authorize(&mut request, None)
            .map_err(|e| Failure::from_object_store(&e))?;
        Ok(request)
    })
    .await;
}

/// Creates `bucket` on an S3 endpoint.
pub(crate) async fn s3_create_bucket(
    client: &RawClient,
    credential: &AwsCredential,
    endpoint: &str,
    bucket: &str,
) {
    s3_put(client, credential, &format!("{endpoint}/{bucket}"), Bytes::new()).await;
}

/// Stores `body` as `key` in an S3 bucket, whatever the key.
pub(crate) async fn s3_put_object(
    client: &RawClient,
    credential: &AwsCredential,
    endpoint: &str,
    bucket: &str,
    key: &str,
    body: &[u8],
) {
    let url = format!("{endpoint}/{bucket}/{}", encode_path(key));
    s3_put(client, credential, &url, Bytes::copy_from_slice(body)).await;
}

/// Creates `bucket` on fake-gcs-server (no authentication).
pub(crate) async fn gcs_create_bucket(client: &RawClient, endpoint: &str, bucket: &str) {
    let url = format!("{endpoint}/storage/v1/b?project=labelsync-test");
    let body = Bytes::from(serde_json::json!({ "name": bucket }).to_string());
    send(client, &format!("GCS create {bucket}"), || {
        let mut request = request_with_body(Method::POST, &url, body.clone())?;
        request
            .headers_mut()
            .insert(http::header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
        Ok(request)
    })
    .await;
}

/// Stores `body` as `key` through the JSON upload API.
pub(crate) async fn gcs_put_object(client: &RawClient, endpoint: &str, bucket: &str, key: &str, body: &[u8]) {
    let url =
        format!("{endpoint}/upload/storage/v1/b/{bucket}/o?uploadType=media&name={}", encode_component(key));
    let body = Bytes::copy_from_slice(body);
    send(client, &format!("GCS upload {key:?}"), || request_with_body(Method::POST, &url, body.clone()))
        .await;
}

/// Shared Key credentials of an Azure account.
pub(crate) fn azure_credential(key: &str) -> AzureCredential {
    AzureCredential::AccessKey(AzureAccessKey::try_new(key).expect("base64 account key"))
}

/// A Shared-Key-signed Azure request.
pub(crate) async fn azure_send(
    client: &RawClient,
    credential: &AzureCredential,
    account: &str,
    method: Method,
    url: &str,
    body: Bytes,
    headers: &[(&'static str, &'static str)],
) {
    send(client, &format!("Azure {method} {url}"), || {
        let mut request = request_with_body(method.clone(), url, body.clone())?;
        // Shared Key signs Content-Length, so it must be set before signing.
        if !body.is_empty() {
            request.headers_mut().insert(http::header::CONTENT_LENGTH, HeaderValue::from(body.len()));
        }
        for (name, value) in headers {
            request.headers_mut().insert(*name, HeaderValue::from_static(value));
        }
        AzureAuthorizer::new(credential, account)
            .try_authorize(&mut request)
            .map_err(|e| Failure::from_object_store(&e))?;
        Ok(request)
    })
    .await;
}
