//! Raw requests under the guard's limits and proxy, against misbehaving loopback servers.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use super::errors::Failure;
use super::http::{RawClient, Reach, client_options, request, send_raw};
use crate::Error;
use crate::guard::{NetGuard, OutboundLimits};

/// The limits of the tests: a small byte cap, and a request timeout no stall of a loaded machine
/// reaches (a timed-out exchange is retried, and the retry would show in what the server saw).
const LIMITS: OutboundLimits = OutboundLimits {
    connect_timeout: Duration::from_secs(10),
    request_timeout: Duration::from_secs(10),
    max_response_bytes: 1024,
    list_concurrency: 1,
};
/// [`LIMITS`] with the short request timeout that the slow answer is to run into.
const SHORT_TIMEOUT: OutboundLimits =
    OutboundLimits { request_timeout: Duration::from_millis(300), ..LIMITS };

/// A loopback server running `answer` on every connection after reading the request head;
/// returns its port and the request lines it saw.
async fn server<F, Fut>(answer: F) -> (u16, Arc<Mutex<Vec<String>>>)
where
    F: Fn(TcpStream) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let record = seen.clone();
    let answer = Arc::new(answer);
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let (record, answer) = (record.clone(), answer.clone());
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
                answer(socket).await;
            });
        }
    });
    (port, seen)
}

fn client(guard: NetGuard, port: u16) -> RawClient {
    client_with(guard, port, LIMITS)
}

fn client_with(guard: NetGuard, port: u16, limits: OutboundLimits) -> RawClient {
    let reach = Reach::Guarded { guard: guard.with_limits(limits), port, allow_http: true };
    reach.raw_client(&client_options(true)).expect("client")
}

async fn get(client: &RawClient, url: &str) -> Result<Vec<u8>, Failure> {
    send_raw(client, || request(http::Method::GET, url)).await.map(|r| r.body.to_vec())
}

/// An answer that never ends is cut off at the byte cap, once (not retried), whether it is a
/// success (a listing page) or an error answer (which object_store would read whole).
#[tokio::test]
async fn endless_answers_stop_at_the_cap() {
    for head in [&b"HTTP/1.1 200 OK\r\n"[..], b"HTTP/1.1 500 Internal Server Error\r\n"] {
        let (port, seen) = server(move |mut socket| async move {
            let _ = socket.write_all(head).await;
            let _ = socket.write_all(b"Transfer-Encoding: chunked\r\n\r\n").await;
            while socket.write_all(b"100\r\n").await.is_ok() && socket.write_all(&[b'x'; 256]).await.is_ok() {
                let _ = socket.write_all(b"\r\n").await;
            }
        })
        .await;
        let failure = get(&client(NetGuard::disabled(), port), &format!("http://127.0.0.1:{port}/")).await;
        let Err(Failure::Storage(Error::BadResponse(message))) = failure else { panic!("{failure:?}") };
        assert_eq!(
            message,
            format!(
                "127.0.0.1:{port} answered with more than 1024 bytes (LABELSYNC_OUTBOUND_MAX_RESPONSE_BYTES)"
            )
        );
        assert_eq!(seen.lock().expect("lock").len(), 1);
    }
}

/// An error answer declaring a body over the cap is refused before it is read.
#[tokio::test]
async fn declared_lengths_over_the_cap_are_refused() {
    let (port, _) = server(|mut socket| async move {
        let _ = socket.write_all(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 999999999\r\n\r\n<Error>").await;
        tokio::time::sleep(Duration::from_secs(5)).await;
    })
    .await;
    let failure = get(&client(NetGuard::disabled(), port), &format!("http://127.0.0.1:{port}/")).await;
    assert!(matches!(failure, Err(Failure::Storage(Error::BadResponse(_)))), "{failure:?}");
}

/// An answer that trickles past the request timeout fails as a transport problem naming the
/// timeout (retried like one, each attempt bounded).
#[tokio::test]
async fn slow_answers_time_out() {
    let (port, seen) = server(|mut socket| async move {
        let _ = socket.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n").await;
        for _ in 0..100 {
            tokio::time::sleep(Duration::from_millis(50)).await;
            if socket.write_all(b"x").await.is_err() {
                return;
            }
        }
    })
    .await;
    let slow_client = client_with(NetGuard::disabled(), port, SHORT_TIMEOUT);
    let failure = get(&slow_client, &format!("http://127.0.0.1:{port}/")).await;
    let Err(Failure::Transport { reason }) = failure else { panic!("{failure:?}") };
    assert!(reason.contains("within 0.3 s (LABELSYNC_OUTBOUND_TIMEOUT_SECS)"), "{reason}");
    assert_eq!(seen.lock().expect("lock").len(), 3, "three bounded attempts");
}

/// Through the operator's proxy, a tenant URL the guard refuses never reaches the proxy, and
/// an allowlisted one goes through it with its absolute URL.
#[tokio::test]
async fn the_proxy_does_not_bypass_the_guard() {
    let (proxy, proxied) = server(|mut socket| async move {
        let _ = socket.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok").await;
    })
    .await;
    let proxy_url = url::Url::parse(&format!("http://127.0.0.1:{proxy}")).expect("url");
    let strict = NetGuard::new(true, Vec::new()).with_proxy(Some(proxy_url.clone()));
    let failure = get(&client(strict, 9000), "http://127.0.0.1:9000/b").await;
    assert!(matches!(failure, Err(Failure::Storage(Error::Blocked(_)))), "{failure:?}");
    let failure = get(
        &client(NetGuard::new(true, Vec::new()).with_proxy(Some(proxy_url.clone())), 80),
        "http://localhost/b",
    )
    .await;
    assert!(matches!(failure, Err(Failure::Storage(Error::Blocked(_)))), "{failure:?}");
    assert!(proxied.lock().expect("lock").is_empty());

    let allowed = NetGuard::new(true, vec!["127.0.0.1:9000".into()]).with_proxy(Some(proxy_url));
    assert_eq!(get(&client(allowed, 9000), "http://127.0.0.1:9000/b").await.expect("proxied"), b"ok");
    assert_eq!(*proxied.lock().expect("lock"), ["GET http://127.0.0.1:9000/b HTTP/1.1"]);
}
