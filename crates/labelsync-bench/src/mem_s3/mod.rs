//! An in-memory S3 endpoint for benchmarks: buckets are ordered maps, so a `ListObjectsV2`
//! page costs a range scan of the map whatever the bucket size. It implements what a sync,
//! an export and a presigned GET use (bucket create/head, ListObjectsV2 with prefix,
//! delimiter and continuation, ListObjects v1 with markers, object GET with ranges, HEAD, PUT, DELETE); every request is
//! SigV4-checked by `s3s` against one key pair.

use std::collections::BTreeMap;
use std::io::Write;
use std::sync::RwLock;
use std::time::{Duration, SystemTime};

use bytes::{Bytes, BytesMut};

mod listing;

use futures::StreamExt;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto::Builder as ConnBuilder;
use listing::{list_page, list_page_v1};
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
    /// Spread the blobs over this many sub-prefixes (`<blob-prefix>p000/` …), round robin;
    /// 0 puts them all directly under the blob prefix.
    #[arg(long, default_value_t = 0)]
    blob_prefixes: usize,
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

impl ServeArgs {
    /// The key of blob `i`.
    fn blob_key(&self, i: usize) -> String {
        match self.blob_prefixes {
            0 => format!("{}img-{i:07}.png", self.blob_prefix),
            k => format!("{}p{:03}/img-{i:07}.png", self.blob_prefix, i % k),
        }
    }
}

/// Serves the seeded bucket until the process is killed.
pub async fn serve(args: ServeArgs) -> anyhow::Result<()> {
    let store = MemS3 { list_latency: Duration::from_millis(args.list_latency_ms), ..MemS3::default() };
    store.create(&args.bucket);
    for i in 0..args.blobs {
        store.insert(&args.bucket, args.blob_key(i), Bytes::from_static(BLOB));
    }
    for i in 0..args.json {
        let task = format!("{{\"data\": {{\"image\": \"s3://{}/{}\"}}}}", args.bucket, args.blob_key(i));
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

    /// ListObjects (v1), which Label Studio's boto3 collections use: marker paging over the
    /// same listing.
    async fn list_objects(
        &self,
        req: S3Request<ListObjectsInput>,
    ) -> S3Result<S3Response<ListObjectsOutput>> {
        if !self.list_latency.is_zero() {
            tokio::time::sleep(self.list_latency).await;
        }
        self.read(&req.input.bucket, |objects| Ok(S3Response::new(list_page_v1(objects, &req.input))))
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
    use clap::Parser;

    use super::*;

    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        serve: ServeArgs,
    }

    /// `--blob-prefixes K` spreads blobs round robin over K sub-prefixes; without it they sit
    /// directly under the blob prefix.
    #[test]
    fn blobs_spread_over_sub_prefixes() {
        let flat = Cli::parse_from(["bench"]).serve;
        assert_eq!(flat.blob_key(7), "images/img-0000007.png");
        let spread = Cli::parse_from(["bench", "--blob-prefixes", "16"]).serve;
        assert_eq!(spread.blob_key(7), "images/p007/img-0000007.png");
        assert_eq!(spread.blob_key(23), "images/p007/img-0000023.png");
        assert_eq!(spread.blob_key(16), "images/p000/img-0000016.png");
    }
}
