//! An in-memory S3 endpoint for benchmarks: buckets are ordered maps, so a `ListObjectsV2`
//! page costs a range scan of the map whatever the bucket size. It implements what a sync,
//! an export and a presigned GET use (bucket create/head, ListObjectsV2 with prefix,
//! delimiter and continuation, object GET with ranges, HEAD, PUT, DELETE); every request is
//! SigV4-checked by `s3s` against one key pair.

use std::collections::BTreeMap;
use std::io::Write;
use std::ops::Bound;
use std::sync::RwLock;
use std::time::{Duration, SystemTime};

use bytes::{Bytes, BytesMut};
use futures::StreamExt;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto::Builder as ConnBuilder;
use s3s::auth::SimpleAuth;
use s3s::dto::*;
use s3s::service::S3ServiceBuilder;
use s3s::{S3, S3Request, S3Response, S3Result, s3_error};

#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    /// Address to listen on; port 0 picks a free one. The first line printed is
    /// `listening on http://ADDR`.
    #[arg(long, default_value = "127.0.0.1:0")]
    listen: String,
    #[arg(long, default_value = "bench")]
    access_key: String,
    #[arg(long, default_value = "bench-secret")]
    secret_key: String,
    /// The bucket to create and seed.
    #[arg(long, default_value = "bench")]
    bucket: String,
    /// Blob objects to seed: `<blob-prefix>img-0000000.png` … (16 bytes each).
    #[arg(long, default_value_t = 0)]
    blobs: usize,
    #[arg(long, default_value = "images/")]
    blob_prefix: String,
    /// Task-JSON objects to seed: `<json-prefix>task-0000000.json`, each one task whose
    /// `image` is the matching blob's `s3://` URI.
    #[arg(long, default_value_t = 0)]
    json: usize,
    #[arg(long, default_value = "tasks/")]
    json_prefix: String,
    /// Added to every `ListObjectsV2` response, in milliseconds: a page of a real S3 bucket
    /// takes tens of milliseconds or more, this server answers in about 2 ms.
    #[arg(long, default_value_t = 0)]
    list_latency_ms: u64,
}

/// Serves the seeded bucket until the process is killed.
pub async fn serve(args: ServeArgs) -> anyhow::Result<()> {
    let store = MemS3 { list_latency: Duration::from_millis(args.list_latency_ms), ..MemS3::default() };
    store.create(&args.bucket);
    for i in 0..args.blobs {
        store.insert(&args.bucket, format!("{}img-{i:07}.png", args.blob_prefix), Bytes::from_static(BLOB));
    }
    for i in 0..args.json {
        let task = format!(
            "{{\"data\": {{\"image\": \"s3://{}/{}img-{i:07}.png\"}}}}",
            args.bucket, args.blob_prefix
        );
        store.insert(&args.bucket, format!("{}task-{i:07}.json", args.json_prefix), Bytes::from(task));
    }

    let mut builder = S3ServiceBuilder::new(store);
    builder.set_auth(SimpleAuth::from_single(args.access_key, args.secret_key));
    let service = builder.build();

    let listener = tokio::net::TcpListener::bind(&args.listen).await?;
    println!("listening on http://{}", listener.local_addr()?);
    std::io::stdout().flush()?;
    let http = ConnBuilder::new(TokioExecutor::new());
    loop {
        let (socket, _) = listener.accept().await?;
        let connection = http.serve_connection(TokioIo::new(socket), service.clone()).into_owned();
        tokio::spawn(async move {
            let _ = connection.await;
        });
    }
}

const BLOB: &[u8] = b"not really a png";

struct StoredObject {
    body: Bytes,
    e_tag: String,
    modified: SystemTime,
}

impl StoredObject {
    fn new(body: Bytes) -> StoredObject {
        let digest = ring::digest::digest(&ring::digest::SHA256, &body);
        let e_tag = hex::encode(&digest.as_ref()[..16]);
        StoredObject { body, e_tag, modified: SystemTime::now() }
    }

    fn len(&self) -> i64 {
        i64::try_from(self.body.len()).unwrap_or(i64::MAX)
    }
}

type Bucket = BTreeMap<String, StoredObject>;

#[derive(Default)]
struct MemS3 {
    buckets: RwLock<BTreeMap<String, Bucket>>,
    list_latency: Duration,
}

impl MemS3 {
    fn create(&self, bucket: &str) -> bool {
        let mut buckets = self.buckets.write().unwrap_or_else(|e| e.into_inner());
        if buckets.contains_key(bucket) {
            return false;
        }
        buckets.insert(bucket.to_owned(), Bucket::new());
        true
    }

    fn insert(&self, bucket: &str, key: String, body: Bytes) {
        let mut buckets = self.buckets.write().unwrap_or_else(|e| e.into_inner());
        if let Some(objects) = buckets.get_mut(bucket) {
            objects.insert(key, StoredObject::new(body));
        }
    }

    /// Runs `f` on the bucket, or fails with `NoSuchBucket`.
    fn read<T>(&self, bucket: &str, f: impl FnOnce(&Bucket) -> S3Result<T>) -> S3Result<T> {
        let buckets = self.buckets.read().unwrap_or_else(|e| e.into_inner());
        f(buckets.get(bucket).ok_or_else(|| s3_error!(NoSuchBucket))?)
    }

    fn write<T>(&self, bucket: &str, f: impl FnOnce(&mut Bucket) -> T) -> S3Result<T> {
        let mut buckets = self.buckets.write().unwrap_or_else(|e| e.into_inner());
        Ok(f(buckets.get_mut(bucket).ok_or_else(|| s3_error!(NoSuchBucket))?))
    }
}

/// One `ListObjectsV2` page: keys after the resume point under `prefix`, with everything past
/// `delimiter` rolled up into common prefixes; the continuation token is the last key or
/// common prefix returned.
fn list_page(objects: &Bucket, input: &ListObjectsV2Input) -> ListObjectsV2Output {
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

#[async_trait::async_trait]
impl S3 for MemS3 {
    async fn create_bucket(
        &self,
        req: S3Request<CreateBucketInput>,
    ) -> S3Result<S3Response<CreateBucketOutput>> {
        if !self.create(&req.input.bucket) {
            return Err(s3_error!(BucketAlreadyOwnedByYou));
        }
        Ok(S3Response::new(CreateBucketOutput::default()))
    }

    async fn head_bucket(&self, req: S3Request<HeadBucketInput>) -> S3Result<S3Response<HeadBucketOutput>> {
        self.read(&req.input.bucket, |_| Ok(S3Response::new(HeadBucketOutput::default())))
    }

    async fn list_objects_v2(
        &self,
        req: S3Request<ListObjectsV2Input>,
    ) -> S3Result<S3Response<ListObjectsV2Output>> {
        if !self.list_latency.is_zero() {
            tokio::time::sleep(self.list_latency).await;
        }
        self.read(&req.input.bucket, |objects| Ok(S3Response::new(list_page(objects, &req.input))))
    }

    async fn head_object(&self, req: S3Request<HeadObjectInput>) -> S3Result<S3Response<HeadObjectOutput>> {
        let input = req.input;
        self.read(&input.bucket, |objects| {
            let object = objects.get(&input.key).ok_or_else(|| s3_error!(NoSuchKey))?;
            Ok(S3Response::new(HeadObjectOutput {
                content_length: Some(object.len()),
                e_tag: Some(ETag::Strong(object.e_tag.clone())),
                last_modified: Some(Timestamp::from(object.modified)),
                ..Default::default()
            }))
        })
    }

    async fn get_object(&self, req: S3Request<GetObjectInput>) -> S3Result<S3Response<GetObjectOutput>> {
        let input = req.input;
        self.read(&input.bucket, |objects| {
            let object = objects.get(&input.key).ok_or_else(|| s3_error!(NoSuchKey))?;
            let full = object.body.len() as u64;
            let (body, content_range) = match input.range {
                None => (object.body.clone(), None),
                Some(range) => {
                    let r = range.check(full)?;
                    let slice = object.body.slice(r.start as usize..r.end as usize);
                    (slice, Some(format!("bytes {}-{}/{full}", r.start, r.end - 1)))
                }
            };
            Ok(S3Response::new(GetObjectOutput {
                content_length: Some(i64::try_from(body.len()).unwrap_or(i64::MAX)),
                content_range,
                body: Some(StreamingBlob::from(s3s::Body::from(body))),
                e_tag: Some(ETag::Strong(object.e_tag.clone())),
                last_modified: Some(Timestamp::from(object.modified)),
                ..Default::default()
            }))
        })
    }

    async fn put_object(&self, req: S3Request<PutObjectInput>) -> S3Result<S3Response<PutObjectOutput>> {
        let input = req.input;
        let mut body = BytesMut::new();
        if let Some(mut stream) = input.body {
            while let Some(chunk) = stream.next().await {
                body.extend_from_slice(&chunk.map_err(|e| s3_error!(IncompleteBody, "{e}"))?);
            }
        }
        let object = StoredObject::new(body.freeze());
        let e_tag = object.e_tag.clone();
        self.write(&input.bucket, |objects| objects.insert(input.key, object))?;
        Ok(S3Response::new(PutObjectOutput { e_tag: Some(ETag::Strong(e_tag)), ..Default::default() }))
    }

    async fn delete_object(
        &self,
        req: S3Request<DeleteObjectInput>,
    ) -> S3Result<S3Response<DeleteObjectOutput>> {
        let input = req.input;
        self.write(&input.bucket, |objects| objects.remove(&input.key))?;
        Ok(S3Response::new(DeleteObjectOutput::default()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
