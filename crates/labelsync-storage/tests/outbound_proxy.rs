//! Outbound HTTP goes through exactly the operator's proxy or none: the proxy environment
//! variables reqwest would follow are ignored. (One test in its own binary, because it sets
//! process environment variables.)

use std::sync::{Arc, Mutex};

use futures::TryStreamExt;
use labelsync_storage::guard::NetGuard;
use labelsync_storage::{Role, S3Config, Secret, StorageConfig};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const LISTING: &str = r#"<?xml version="1.0" encoding="UTF-8"?><ListBucketResult><Name>b</Name><IsTruncated>false</IsTruncated><Contents><Key>seen.json</Key><Size>2</Size></Contents></ListBucketResult>"#;

/// An HTTP server on a loopback port that answers every request with the listing above and
/// records each request line.
async fn recording_server() -> (u16, Arc<Mutex<Vec<String>>>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let record = seen.clone();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let record = record.clone();
            tokio::spawn(async move {
                let mut head = Vec::new();
                let mut buf = [0_u8; 4096];
                while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                    match socket.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => head.extend_from_slice(&buf[..n]),
                    }
                }
                let line = String::from_utf8_lossy(&head).lines().next().unwrap_or_default().to_owned();
                record.lock().expect("lock").push(line);
                let answer = format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: application/xml\r\nContent-Length: {}\r\n\
                     Connection: close\r\n\r\n{LISTING}",
                    LISTING.len()
                );
                let _ = socket.write_all(answer.as_bytes()).await;
            });
        }
    });
    (port, seen)
}

async fn list_keys(endpoint: &str, guard: &NetGuard) -> Vec<String> {
    let config = StorageConfig::S3(S3Config {
        bucket: "b".into(),
        access_key_id: Some(Secret::new("AKIDEXAMPLE")),
        secret_access_key: Some(Secret::new("secret")),
        endpoint: Some(endpoint.to_owned()),
        region: Some("us-east-1".into()),
        ..S3Config::default()
    });
    let connected = labelsync_storage::connect(&config, Role::Import, guard).await.expect("connect");
    let import = connected.import.expect("import role");
    import.list().map_ok(|meta| meta.key).try_collect().await.expect("listing")
}

/// With `HTTP_PROXY`, `HTTPS_PROXY` and `ALL_PROXY` pointing at a trap, requests still go
/// straight to the endpoint; with the operator's proxy set, they go to that proxy and only
/// there (the request line carries the endpoint's absolute URL).
#[tokio::test]
async fn only_the_operators_proxy_is_used() {
    let (trap, trapped) = recording_server().await;
    let (target, reached) = recording_server().await;
    let (proxy, proxied) = recording_server().await;
    for name in ["HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"] {
        // SAFETY: this binary holds this one test, and no other thread reads the environment yet.
        unsafe { std::env::set_var(name, format!("http://127.0.0.1:{trap}")) };
    }
    let endpoint = format!("http://127.0.0.1:{target}");

    let direct = NetGuard::disabled();
    assert_eq!(list_keys(&endpoint, &direct).await, ["seen.json"]);
    assert_eq!(reached.lock().expect("lock").len(), 1, "straight to the endpoint");
    assert!(trapped.lock().expect("lock").is_empty(), "environment proxy used: {trapped:?}");

    let proxy_url = url::Url::parse(&format!("http://127.0.0.1:{proxy}")).expect("url");
    let through_proxy = NetGuard::disabled().with_proxy(Some(proxy_url));
    assert_eq!(list_keys(&endpoint, &through_proxy).await, ["seen.json"]);
    let lines = proxied.lock().expect("lock").clone();
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(lines[0].starts_with(&format!("GET {endpoint}/b?list-type=2")), "{lines:?}");
    assert_eq!(reached.lock().expect("lock").len(), 1, "not directly");
    assert!(trapped.lock().expect("lock").is_empty(), "environment proxy used: {trapped:?}");
}
