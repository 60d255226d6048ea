//! A slow Redis for sync tests: a TCP proxy in front of the real test server that holds every
//! `SCAN` (the listing a sync starts with) while it is closed. Connecting, `PING` and the
//! storage checks pass at once; a sync started while it is closed stays `in_progress` until
//! the test opens it (or the client's response timeout ends it).

use std::net::SocketAddr;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::{JoinHandle, JoinSet};

pub struct SlowRedis {
    pub addr: SocketAddr,
    open: watch::Sender<bool>,
    accept: JoinHandle<()>,
}

impl SlowRedis {
    /// A proxy to `upstream` (`host:port`), open.
    pub async fn start(upstream: String) -> SlowRedis {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind the proxy");
        let addr = listener.local_addr().expect("proxy address");
        let (open, gate) = watch::channel(true);
        let accept = tokio::spawn(async move {
            // Owned here, so stopping the proxy closes every connection it holds.
            let mut connections = JoinSet::new();
            while let Ok((client, _)) = listener.accept().await {
                connections.spawn(forward(client, upstream.clone(), gate.clone()));
            }
        });
        SlowRedis { addr, open, accept }
    }

    /// Holds `SCAN` commands from now on.
    pub fn close(&self) {
        self.open.send_replace(false);
    }

    /// Lets held and later `SCAN` commands through.
    pub fn open(&self) {
        self.open.send_replace(true);
    }
}

impl Drop for SlowRedis {
    fn drop(&mut self) {
        self.accept.abort();
    }
}

async fn forward(client: TcpStream, upstream: String, mut gate: watch::Receiver<bool>) {
    let Ok(server) = TcpStream::connect(&upstream).await else { return };
    let (mut client_read, mut client_write) = client.into_split();
    let (mut server_read, mut server_write) = server.into_split();
    let requests = async {
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            let n = match client_read.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(n) => n,
            };
            if buf[..n].windows(4).any(|w| w == b"SCAN") && gate.wait_for(|open| *open).await.is_err() {
                return;
            }
            if server_write.write_all(&buf[..n]).await.is_err() {
                return;
            }
        }
    };
    let replies = async {
        let _ = tokio::io::copy(&mut server_read, &mut client_write).await;
    };
    tokio::join!(requests, replies);
}
