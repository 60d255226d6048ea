//! A destination that records what clients send it: proves whether a client connected to a
//! host at all, and which credentials it carried when it did.

use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// A reply HTTP clients give up on at once (no retry): 403 with an empty body.
pub const HTTP_FORBIDDEN: &[u8] = b"HTTP/1.1 403 Forbidden\r\ncontent-length: 0\r\nconnection: close\r\n\r\n";
/// A Redis error reply.
pub const REDIS_ERROR: &[u8] = b"-ERR this is a recorder, not a Redis server\r\n";

/// How long a connection may stay quiet, once the client has sent something, before the
/// recorder answers and closes it.
const QUIET: Duration = Duration::from_millis(300);
/// How long the recorder waits for a client's first bytes (a loaded machine may be slow to send
/// them; a client that sends nothing is answered after this).
const FIRST_BYTES: Duration = Duration::from_secs(10);

type Log = Arc<Mutex<Vec<Vec<u8>>>>;

/// A loopback listener that keeps every byte it receives and answers each connection with
/// one fixed reply once the client stops sending. It runs on its own threads, so it outlives
/// any async runtime (a `static` one can serve several tests of a process).
pub struct Recorder {
    addr: SocketAddr,
    received: Log,
    stop: Arc<AtomicBool>,
}

impl Recorder {
    /// Listens on a free loopback port.
    pub fn start(reply: &'static [u8]) -> Recorder {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind the recorder");
        let addr = listener.local_addr().expect("recorder address");
        let received: Log = Arc::default();
        let stop = Arc::new(AtomicBool::new(false));
        let (log, stopped) = (received.clone(), stop.clone());
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                if stopped.load(Ordering::SeqCst) {
                    return;
                }
                let Ok(stream) = stream else { continue };
                let index = {
                    let mut log = log.lock().unwrap_or_else(|e| e.into_inner());
                    log.push(Vec::new());
                    log.len() - 1
                };
                let log = log.clone();
                std::thread::spawn(move || record(stream, &log, index, reply));
            }
        });
        Recorder { addr, received, stop }
    }

    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// `http://127.0.0.1:{port}`.
    pub fn endpoint(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Connections accepted so far.
    pub fn connections(&self) -> usize {
        self.received.lock().unwrap_or_else(|e| e.into_inner()).len()
    }

    /// Everything received so far, all connections in order, as (lossy) text.
    pub fn received(&self) -> String {
        let log = self.received.lock().unwrap_or_else(|e| e.into_inner());
        log.iter().map(|bytes| String::from_utf8_lossy(bytes).into_owned()).collect()
    }
}

impl Drop for Recorder {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wakes the accept loop so that it sees the flag.
        let _ = TcpStream::connect_timeout(&self.addr, Duration::from_secs(1));
    }
}

fn record(mut stream: TcpStream, log: &Log, index: usize, reply: &[u8]) {
    let _ = stream.set_read_timeout(Some(FIRST_BYTES));
    let mut buf = [0u8; 16 * 1024];
    loop {
        match stream.read(&mut buf) {
            Ok(0) => return,
            Ok(n) => {
                log.lock().unwrap_or_else(|e| e.into_inner())[index].extend_from_slice(&buf[..n]);
                let _ = stream.set_read_timeout(Some(QUIET));
            }
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => break,
            Err(_) => return,
        }
    }
    let _ = stream.write_all(reply);
    let _ = stream.shutdown(std::net::Shutdown::Both);
}
