//! A one-connection RESP server for unit tests: answers each command with what `reply` says,
//! for protocol corner cases a real redis-server will not produce on demand.

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};

/// Starts the server on a free loopback port and returns the port. Command names and
/// arguments reach `reply` upper-cased; it returns the raw RESP answer.
pub(super) async fn serve(reply: fn(&[String]) -> String) -> u16 {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let port = listener.local_addr().expect("addr").port();
    tokio::spawn(async move {
        let Ok((socket, _)) = listener.accept().await else { return };
        let (read, mut write) = socket.into_split();
        let mut read = BufReader::new(read);
        while let Some(command) = read_command(&mut read).await {
            if write.write_all(reply(&command).as_bytes()).await.is_err() {
                return;
            }
        }
    });
    port
}

/// One RESP command (an array of bulk strings).
async fn read_command(read: &mut (impl AsyncBufReadExt + AsyncReadExt + Unpin)) -> Option<Vec<String>> {
    let mut line = String::new();
    read.read_line(&mut line).await.ok().filter(|n| *n > 0)?;
    let count: usize = line.trim().strip_prefix('*')?.parse().ok()?;
    let mut parts = Vec::new();
    for _ in 0..count {
        line.clear();
        read.read_line(&mut line).await.ok()?;
        let len: usize = line.trim().strip_prefix('$')?.parse().ok()?;
        let mut value = vec![0_u8; len + 2];
        read.read_exact(&mut value).await.ok()?;
        parts.push(String::from_utf8_lossy(&value[..len]).to_uppercase());
    }
    Some(parts)
}
