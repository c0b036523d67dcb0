//! The raw-TCP front for the hostile faults that HTTP routing cannot express.
//!
//! Under `close-early`, `not-http` or `huge-body`, the DDM base URL points at a second listener
//! on the same IP. For `close-early` it closes every connection once the request head has
//! arrived; for `not-http` it answers bytes that are not HTTP. For `huge-body` it passes each
//! request on to the main listener (one request per connection) and, when a DDM action answers
//! 200, replaces the body with a chunked JSON document of 200 MB, written chunk by chunk and
//! never held in memory whole. Everything else goes through unchanged.
//!
//! Under `drop-requests` or `drop-polls` every API's base URL points at the front, which
//! passes each request on as `huge-body` does but resets a share of the connections, as a
//! flaky load balancer or NAT would: `drop-requests` resets 5 % of all requests, half of them
//! before the request reaches the server and half once the server has served it (the answer is
//! lost, the restart happened); `drop-polls` resets 20 % of the reads (every GET but those on
//! an action URI) before they reach the server. Which requests are dropped is seeded: a hash
//! of a fixed seed, the request line and how many times that request line came before, so a
//! run that sends the same requests loses the same ones.
//!
//! Under `lose-poll-in-restart` every API's base URL points at the front too. It passes each
//! request on, notes each resource whose restart was accepted (a 2xx to a POST on its action
//! URI), and holds the first read of that resource's status after its first accepted restart
//! until the restart is over, then resets it: the restart shows to no poll, as when a lost
//! poll's retry comes back after a short restart ended.

use std::collections::{BTreeMap, BTreeSet};
use std::io;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use sha2::{Digest, Sha256};

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

use super::faults::Fault;
use super::server::stopped;

/// The size of the `huge-body` document, in bytes.
pub(crate) const HUGE_BODY_BYTES: usize = 200 * 1024 * 1024;
/// Padding written per chunk of the `huge-body` document.
const PADDING_CHUNK: usize = 64 * 1024;
/// A request or response head larger than this is not read further.
const MAX_HEAD: usize = 64 * 1024;
/// The `not-http` answer.
const NOT_HTTP: &[u8] = b"garbage\r\n\r\n not http at all";

/// The share of requests `drop-requests` resets, in thousandths.
pub(crate) const DROP_REQUESTS_PERMILLE: u32 = 50;
/// The share of reads `drop-polls` resets, in thousandths.
pub(crate) const DROP_POLLS_PERMILLE: u32 = 200;
/// The seeds of the drop decisions. Each is one that makes its fault bite on the built-in
/// suite: under `drop-requests` some valid restarts are lost after the server took them, some
/// negatives before; under `drop-polls` the first reachability probe of two APIs is lost.
const DROP_REQUESTS_SEED: &[u8] = b"restart-conformance drop seed 1";
const DROP_POLLS_SEED: &[u8] = b"restart-conformance drop seed 5";
/// How much longer than a restart `lose-poll-in-restart` holds its read: the read then stays
/// unanswered for longer than a watch may be blind and still prove a restart absent.
const HIDE_MARGIN: Duration = Duration::from_millis(1200);

/// What the front does with each connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FrontMode {
    CloseEarly,
    NotHttp,
    HugeBody,
    /// Holds the first status read after each resource's first accepted restart for `hold`,
    /// then resets it; passes the rest on.
    HideRestart {
        hold: Duration,
    },
    /// Resets a seeded share of the requests, passes the rest on.
    Drop {
        permille: u32,
        /// Only reads (GET off the action URIs) are dropped, always before they are served.
        reads_only: bool,
        seed: &'static [u8],
    },
}

impl FrontMode {
    /// The front the faults ask for, if any. Should several be active, the one breaking the
    /// most wins: `not-http`, then `close-early`, then `huge-body`, then `drop-requests`, then
    /// `drop-polls`, then `lose-poll-in-restart`, whose hold outlasts a restart of `reboot`.
    pub(crate) fn from_faults(faults: &BTreeSet<Fault>, reboot: Duration) -> Option<FrontMode> {
        if faults.contains(&Fault::NotHttp) {
            Some(FrontMode::NotHttp)
        } else if faults.contains(&Fault::CloseEarly) {
            Some(FrontMode::CloseEarly)
        } else if faults.contains(&Fault::HugeBody) {
            Some(FrontMode::HugeBody)
        } else if faults.contains(&Fault::DropRequests) {
            Some(FrontMode::Drop {
                permille: DROP_REQUESTS_PERMILLE,
                reads_only: false,
                seed: DROP_REQUESTS_SEED,
            })
        } else if faults.contains(&Fault::DropPolls) {
            Some(FrontMode::Drop {
                permille: DROP_POLLS_PERMILLE,
                reads_only: true,
                seed: DROP_POLLS_SEED,
            })
        } else if faults.contains(&Fault::LosePollInRestart) {
            Some(FrontMode::HideRestart {
                hold: reboot + HIDE_MARGIN,
            })
        } else {
            None
        }
    }

    /// True when the front stands before every API, not only DDM.
    pub(crate) fn fronts_every_api(self) -> bool {
        matches!(self, FrontMode::Drop { .. } | FrontMode::HideRestart { .. })
    }

    /// True when the front passes requests on in plain HTTP, which a TLS listener behind
    /// it would not take.
    pub(crate) fn proxies(self) -> bool {
        matches!(
            self,
            FrontMode::HugeBody | FrontMode::Drop { .. } | FrontMode::HideRestart { .. }
        )
    }
}

/// What happens to one request under a drop fault.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fate {
    Pass,
    /// Reset before the request reaches the server.
    DropBefore,
    /// Served, then reset before the answer reaches the client.
    DropAfter,
}

/// The seeded drop decisions: how many times each request line came so far.
#[derive(Debug, Default)]
struct Dropper {
    seen: Mutex<BTreeMap<String, u64>>,
}

impl Dropper {
    fn fate(&self, request_line: &str, permille: u32, reads_only: bool, seed: &[u8]) -> Fate {
        let mut parts = request_line.split(' ');
        let method = parts.next().unwrap_or_default();
        let path = parts.next().unwrap_or_default();
        let read = method == "GET" && !is_action(path);
        if reads_only && !read {
            return Fate::Pass;
        }
        let n = {
            let mut seen = self.seen.lock().unwrap_or_else(|e| e.into_inner());
            let n = seen.entry(format!("{method} {path}")).or_default();
            *n += 1;
            *n
        };
        let digest = Sha256::new()
            .chain_update(seed)
            .chain_update(method)
            .chain_update(b" ")
            .chain_update(path)
            .chain_update(n.to_be_bytes())
            .finalize();
        let draw = u32::from_be_bytes([digest[0], digest[1], digest[2], digest[3]]) % 1000;
        if draw >= permille {
            Fate::Pass
        } else if read || digest[4] % 2 == 0 {
            // A read changes nothing on the server: dropping it after it is served would
            // look the same to the client.
            Fate::DropBefore
        } else {
            Fate::DropAfter
        }
    }
}

/// The resources `lose-poll-in-restart` waits on, by id: armed once a restart of one was
/// accepted, fired once the read after it was held and reset.
#[derive(Debug, Default)]
struct Hider {
    armed: Mutex<BTreeSet<String>>,
    fired: Mutex<BTreeSet<String>>,
}

/// What `lose-poll-in-restart` does with one request.
enum Hide {
    Pass,
    /// A POST on the action URI of the resource with this id: its answer is watched.
    Action(String),
    /// The first read of a resource after its first accepted restart.
    Hold,
}

impl Hider {
    fn fate(&self, request_line: &str) -> Hide {
        let (method, path) = method_and_path(request_line);
        let path = path.trim_end_matches('/');
        if method == "POST" && is_action(path) {
            let id = path.trim_end_matches("/action").rsplit('/').next();
            return Hide::Action(id.unwrap_or_default().to_owned());
        }
        let id = path.rsplit('/').next().unwrap_or_default();
        if method != "GET"
            || !self
                .armed
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .remove(id)
        {
            return Hide::Pass;
        }
        self.fired
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(id.to_owned());
        Hide::Hold
    }

    /// A restart of `id` was accepted: its next read is held, unless one already was.
    fn accepted(&self, id: String) {
        if !self
            .fired
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .contains(&id)
        {
            self.armed
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .insert(id);
        }
    }
}

/// What the front remembers across connections.
#[derive(Debug, Default)]
struct FrontState {
    dropper: Dropper,
    hider: Hider,
}

/// True for the path of an action URI.
fn is_action(path: &str) -> bool {
    path.split('?')
        .next()
        .unwrap_or_default()
        .trim_end_matches('/')
        .ends_with("/action")
}

/// Accepts connections on `listener` until `stop`, handling each as `mode` says.
pub(crate) async fn serve_front(
    listener: TcpListener,
    mode: FrontMode,
    upstream: SocketAddr,
    stop: watch::Receiver<bool>,
) {
    let state = Arc::new(FrontState::default());
    let stopping = stopped(stop.clone());
    tokio::pin!(stopping);
    loop {
        tokio::select! {
            () = &mut stopping => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => {
                    let stop = stop.clone();
                    let state = state.clone();
                    tokio::spawn(async move {
                        tokio::select! {
                            () = stopped(stop) => {}
                            // A client that goes away mid-answer is no concern of a hostile peer.
                            _ = connection(stream, mode, upstream, &state) => {}
                        }
                    });
                }
                // Out of file descriptors and the like: wait instead of spinning.
                Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
            },
        }
    }
}

async fn connection(
    mut stream: TcpStream,
    mode: FrontMode,
    upstream: SocketAddr,
    state: &FrontState,
) -> io::Result<()> {
    let (head, rest) = read_head(&mut stream).await?;
    match mode {
        FrontMode::CloseEarly => stream.shutdown().await,
        FrontMode::NotHttp => {
            stream.write_all(NOT_HTTP).await?;
            stream.shutdown().await?;
            // Read what the client still sends, so that closing does not reset the connection
            // before the client has read the answer.
            let mut sink = [0u8; 4096];
            let drain = async {
                while stream.read(&mut sink).await? > 0 {}
                Ok::<(), io::Error>(())
            };
            let _ = tokio::time::timeout(Duration::from_secs(2), drain).await;
            Ok(())
        }
        FrontMode::HugeBody => proxy(stream, &head, &rest, upstream, true).await,
        FrontMode::Drop {
            permille,
            reads_only,
            seed,
        } => match state
            .dropper
            .fate(&request_line(&head), permille, reads_only, seed)
        {
            Fate::Pass => proxy(stream, &head, &rest, upstream, false).await,
            Fate::DropBefore => reset(stream),
            Fate::DropAfter => {
                served(&mut stream, &head, &rest, upstream).await?;
                reset(stream)
            }
        },
        FrontMode::HideRestart { hold } => match state.hider.fate(&request_line(&head)) {
            Hide::Pass => proxy(stream, &head, &rest, upstream, false).await,
            Hide::Hold => {
                tokio::time::sleep(hold).await;
                reset(stream)
            }
            Hide::Action(id) => {
                let answer = served(&mut stream, &head, &rest, upstream).await?;
                let accepted = answer
                    .split(|&byte| byte == b' ')
                    .nth(1)
                    .is_some_and(|code| code.first() == Some(&b'2'));
                // Before the client has the answer, so that its first poll finds the resource armed.
                if accepted {
                    state.hider.accepted(id);
                }
                stream.write_all(&answer).await?;
                stream.shutdown().await
            }
        },
    }
}

/// Closes `stream` with a TCP reset, as a load balancer dropping the connection does.
fn reset(stream: TcpStream) -> io::Result<()> {
    stream.set_zero_linger()?;
    drop(stream);
    Ok(())
}

/// Passes the request on (its body read whole first, by `Content-Length`) and returns the whole
/// answer, none of which the client has yet.
async fn served(
    client: &mut TcpStream,
    head: &[u8],
    rest: &[u8],
    upstream: SocketAddr,
) -> io::Result<Vec<u8>> {
    let length = header_lines(head)
        .find(|(name, _)| name == "content-length")
        .and_then(|(_, value)| value.parse::<usize>().ok())
        .unwrap_or(0)
        .min(MAX_HEAD);
    let mut body = rest.to_vec();
    let mut chunk = [0u8; 4096];
    while body.len() < length {
        let read = client.read(&mut chunk).await?;
        if read == 0 {
            break;
        }
        body.extend_from_slice(&chunk[..read]);
    }
    let mut server = TcpStream::connect(upstream).await?;
    server.write_all(&one_request_head(head)).await?;
    server.write_all(&body).await?;
    let mut answer = Vec::new();
    server.read_to_end(&mut answer).await?;
    Ok(answer)
}

/// A request line's method and path, the query left off.
fn method_and_path(request_line: &str) -> (&str, &str) {
    let mut parts = request_line.split(' ');
    let method = parts.next().unwrap_or_default();
    let path = parts.next().unwrap_or_default();
    (method, path.split('?').next().unwrap_or_default())
}

/// The first line of a request head.
fn request_line(head: &[u8]) -> String {
    String::from_utf8_lossy(head.split(|&byte| byte == b'\r').next().unwrap_or_default())
        .into_owned()
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack
        .windows(needle.len())
        .position(|window| window == needle)
}

/// Reads up to the blank line ending an HTTP head; returns the head (blank line included) and
/// whatever was read after it.
async fn read_head(stream: &mut (impl AsyncRead + Unpin)) -> io::Result<(Vec<u8>, Vec<u8>)> {
    let mut buffer = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        if let Some(end) = find(&buffer, b"\r\n\r\n") {
            let rest = buffer.split_off(end + 4);
            return Ok((buffer, rest));
        }
        if buffer.len() > MAX_HEAD {
            return Err(io::Error::new(io::ErrorKind::InvalidData, "head too large"));
        }
        let read = stream.read(&mut chunk).await?;
        if read == 0 {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        buffer.extend_from_slice(&chunk[..read]);
    }
}

/// The head's lines after the first, as (lowercased name, value).
fn header_lines(head: &[u8]) -> impl Iterator<Item = (String, String)> + '_ {
    head.split(|&byte| byte == b'\n')
        .skip(1)
        .filter_map(|line| {
            let line = String::from_utf8_lossy(line);
            let (name, value) = line.trim_end().split_once(':')?;
            Some((name.trim().to_ascii_lowercase(), value.trim().to_owned()))
        })
}

/// The request head with `Connection: close`, so the main listener answers one request per
/// connection and the front sees every request line.
fn one_request_head(head: &[u8]) -> Vec<u8> {
    let text = String::from_utf8_lossy(head);
    let mut out = String::with_capacity(text.len() + 20);
    for line in text.trim_end().split("\r\n") {
        let name = line.split(':').next().unwrap_or_default().trim();
        if name.eq_ignore_ascii_case("connection") || name.eq_ignore_ascii_case("keep-alive") {
            continue;
        }
        out.push_str(line);
        out.push_str("\r\n");
    }
    out.push_str("Connection: close\r\n\r\n");
    out.into_bytes()
}

/// Passes one request on to `upstream` and its answer back; with `huge`, a DDM action's 200
/// becomes the `huge-body` document.
async fn proxy(
    client: TcpStream,
    head: &[u8],
    rest: &[u8],
    upstream: SocketAddr,
    huge: bool,
) -> io::Result<()> {
    let request_line = request_line(head);
    let (method, path) = method_and_path(&request_line);
    let is_action = huge && method == "POST" && path.ends_with("/action");

    let mut server = TcpStream::connect(upstream).await?;
    server.write_all(&one_request_head(head)).await?;
    server.write_all(rest).await?;
    let (mut client_read, mut client_write) = client.into_split();
    let (mut server_read, mut server_write) = server.into_split();
    let forward = tokio::spawn(async move {
        let _ = tokio::io::copy(&mut client_read, &mut server_write).await;
        let _ = server_write.shutdown().await;
    });
    let result = if is_action {
        answer_huge(&mut server_read, &mut client_write).await
    } else {
        tokio::io::copy(&mut server_read, &mut client_write)
            .await
            .map(drop)
    };
    forward.abort();
    let _ = client_write.shutdown().await;
    result
}

/// Relays the main listener's answer, unless it is a 200: then the same JSON object with a
/// huge `padding` string appended, chunked and without `Content-Length`.
async fn answer_huge(
    server: &mut (impl AsyncRead + Unpin),
    client: &mut (impl AsyncWrite + Unpin),
) -> io::Result<()> {
    let (head, mut body) = read_head(server).await?;
    let ok = head
        .split(|&byte| byte == b' ')
        .nth(1)
        .is_some_and(|code| code == b"200");
    if !ok {
        client.write_all(&head).await?;
        client.write_all(&body).await?;
        tokio::io::copy(server, client).await?;
        return Ok(());
    }
    let length = header_lines(&head)
        .find(|(name, _)| name == "content-length")
        .and_then(|(_, value)| value.parse::<usize>().ok())
        .unwrap_or(0);
    let mut chunk = [0u8; 4096];
    while body.len() < length {
        let read = server.read(&mut chunk).await?;
        if read == 0 {
            break;
        }
        body.extend_from_slice(&chunk[..read]);
    }
    body.truncate(length);

    client
        .write_all(
            b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\nconnection: close\r\n\r\n",
        )
        .await?;
    let prefix = huge_prefix(&body);
    let suffix = b"\"}";
    write_chunk(client, &prefix).await?;
    let mut remaining = HUGE_BODY_BYTES.saturating_sub(prefix.len() + suffix.len());
    let padding = vec![b'x'; PADDING_CHUNK];
    while remaining > 0 {
        let size = remaining.min(PADDING_CHUNK);
        write_chunk(client, &padding[..size]).await?;
        remaining -= size;
    }
    write_chunk(client, suffix).await?;
    client.write_all(b"0\r\n\r\n").await?;
    client.flush().await
}

/// The success object without its closing brace, opening a `padding` string.
fn huge_prefix(body: &[u8]) -> Vec<u8> {
    let text = String::from_utf8_lossy(body);
    let mut prefix = match text.trim_end().strip_suffix('}') {
        Some(open) if open.trim_end().ends_with('{') => open.to_owned(),
        Some(open) => format!("{open},"),
        None => "{".to_owned(),
    };
    prefix.push_str("\"padding\":\"");
    prefix.into_bytes()
}

async fn write_chunk(client: &mut (impl AsyncWrite + Unpin), data: &[u8]) -> io::Result<()> {
    client
        .write_all(format!("{:x}\r\n", data.len()).as_bytes())
        .await?;
    client.write_all(data).await?;
    client.write_all(b"\r\n").await
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The decisions are a function of the request line and its count: the same sequence of
    /// requests loses the same ones, about the share asked for, and a read is only ever lost
    /// before it is served.
    #[test]
    fn drops_are_seeded_and_near_their_share() {
        let fates = |permille, reads_only, line: &str| {
            let dropper = Dropper::default();
            (0..4000)
                .map(|_| dropper.fate(line, permille, reads_only, DROP_REQUESTS_SEED))
                .collect::<Vec<_>>()
        };
        let post = "POST /ecs/v2.1/p/servers/s/action HTTP/1.1";
        let get = "GET /ecs/v2.1/p/servers/s HTTP/1.1";
        let actions = fates(DROP_REQUESTS_PERMILLE, false, post);
        assert_eq!(actions, fates(DROP_REQUESTS_PERMILLE, false, post));
        let before = actions.iter().filter(|f| **f == Fate::DropBefore).count();
        let after = actions.iter().filter(|f| **f == Fate::DropAfter).count();
        assert!(
            (140..=260).contains(&(before + after)),
            "{before} + {after}"
        );
        assert!(before > 40 && after > 40, "{before} / {after}");

        let polls = fates(DROP_POLLS_PERMILLE, true, get);
        let dropped = polls.iter().filter(|f| **f == Fate::DropBefore).count();
        assert!((700..=900).contains(&dropped), "{dropped}");
        assert!(!polls.contains(&Fate::DropAfter));
        assert!(
            fates(DROP_POLLS_PERMILLE, true, post)
                .iter()
                .all(|f| *f == Fate::Pass)
        );
        let get_action = "GET /ecs/v2.1/p/servers/s/action HTTP/1.1";
        assert!(
            fates(DROP_POLLS_PERMILLE, true, get_action)
                .iter()
                .all(|f| *f == Fate::Pass),
            "a GET on the action URI is a case's own request, not a read"
        );
    }
}
