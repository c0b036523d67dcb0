//! A stand-in HTTP peer for unit tests of clients that send a request again when it got no
//! answer: it drops its first connections unanswered, then answers each request whole.

use std::io::{Read, Write};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{Receiver, channel};

/// A listener on loopback: what it was sent and how many connections it took.
pub(crate) struct StandIn {
    pub url: String,
    pub connections: Arc<AtomicUsize>,
    /// Each request it answered, as text.
    pub answered: Receiver<String>,
}

/// Drops the first `drops` connections (they close unanswered), then reads each request until
/// it holds `until` and writes `answer`.
pub(crate) fn start(drops: usize, until: &'static str, answer: String) -> StandIn {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let connections = Arc::new(AtomicUsize::new(0));
    let count = connections.clone();
    let (tx, answered) = channel();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            if count.fetch_add(1, Ordering::SeqCst) < drops {
                continue;
            }
            let mut request = Vec::new();
            let mut chunk = [0u8; 4096];
            while !String::from_utf8_lossy(&request).contains(until) {
                match stream.read(&mut chunk) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => request.extend_from_slice(&chunk[..n]),
                }
            }
            let _ = stream.write_all(answer.as_bytes());
            if tx
                .send(String::from_utf8_lossy(&request).into_owned())
                .is_err()
            {
                break;
            }
        }
    });
    StandIn {
        url,
        connections,
        answered,
    }
}
