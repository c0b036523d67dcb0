//! HTTPS for the embedded server (`serve --tls`): a throw-away certificate
//! authority made at start, a server certificate it signs, and, when asked,
//! a required client certificate (one the same CA mints, or any that a given
//! CA file signed). The CA certificate, and the minted client certificate
//! and key, are written to a folder so that a client can be pointed at them.
//!
//! Handshakes run in tasks of their own, so that a client that never
//! finishes one holds up nobody; the finished connections are handed to
//! axum through a [`Listener`](axum::serve::Listener).

use std::io;
use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer, pem::PemObject};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;
use tokio_rustls::TlsAcceptor;
use tokio_rustls::server::TlsStream;

/// How long a client may take over its handshake.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// Which client certificates the server requires.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClientCa {
    /// One signed by the throw-away CA, which also mints one for the client.
    Minted,
    /// One signed by a CA in this PEM file.
    File(PathBuf),
}

/// How the server's TLS is made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsOptions {
    /// Where `ca.pem` (and `client.pem`, `client-key.pem`) are written.
    pub dir: PathBuf,
    pub client_ca: Option<ClientCa>,
    /// The names the server certificate holds; `None`: `localhost`, the
    /// loopback addresses and the listen address.
    pub names: Option<Vec<String>>,
    /// Make the server certificate one that expired in 2021.
    pub expired: bool,
}

impl TlsOptions {
    /// A conformant server: every default, files in `dir`.
    pub fn in_dir(dir: impl Into<PathBuf>) -> TlsOptions {
        TlsOptions {
            dir: dir.into(),
            client_ca: None,
            names: None,
            expired: false,
        }
    }
}

/// The files a client needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsFiles {
    /// The throw-away CA's certificate (PEM).
    pub ca_file: PathBuf,
    /// The minted client certificate and its key, with [`ClientCa::Minted`].
    pub client: Option<(PathBuf, PathBuf)>,
    /// True when the server asks for a client certificate.
    pub requires_client_cert: bool,
}

fn other(e: impl std::fmt::Display) -> io::Error {
    io::Error::other(e.to_string())
}

/// Makes the CA, the certificates and the files; the acceptor serves them.
pub(crate) fn make(opts: &TlsOptions, listen: SocketAddr) -> io::Result<(TlsAcceptor, TlsFiles)> {
    use rcgen::{
        BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer,
        KeyPair, KeyUsagePurpose,
    };
    std::fs::create_dir_all(&opts.dir)?;
    let mut ca_params = CertificateParams::new(Vec::new()).map_err(other)?;
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "restart-conformance throw-away CA");
    ca_params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    let ca_key = KeyPair::generate().map_err(other)?;
    let ca_cert = ca_params.self_signed(&ca_key).map_err(other)?;
    let issuer = Issuer::new(ca_params, ca_key);

    let names = opts.names.clone().unwrap_or_else(|| default_names(listen));
    let mut params = CertificateParams::new(names).map_err(other)?;
    params
        .distinguished_name
        .push(DnType::CommonName, "restart-conformance reference server");
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    params.use_authority_key_identifier_extension = true;
    if opts.expired {
        params.not_before = rcgen::date_time_ymd(2020, 1, 1);
        params.not_after = rcgen::date_time_ymd(2021, 1, 1);
    }
    let server_key = KeyPair::generate().map_err(other)?;
    let server_cert = params.signed_by(&server_key, &issuer).map_err(other)?;

    let ca_file = opts.dir.join("ca.pem");
    std::fs::write(&ca_file, ca_cert.pem())?;
    let mut client = None;
    let client_roots = match &opts.client_ca {
        None => None,
        Some(ClientCa::Minted) => {
            let mut p = CertificateParams::new(Vec::new()).map_err(other)?;
            p.distinguished_name
                .push(DnType::CommonName, "restart-conformance client");
            p.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
            p.use_authority_key_identifier_extension = true;
            let key = KeyPair::generate().map_err(other)?;
            let cert = p.signed_by(&key, &issuer).map_err(other)?;
            let cert_file = opts.dir.join("client.pem");
            let key_file = opts.dir.join("client-key.pem");
            std::fs::write(&cert_file, cert.pem())?;
            write_private(&key_file, &key.serialize_pem())?;
            client = Some((cert_file, key_file));
            Some(vec![ca_cert.der().clone()])
        }
        Some(ClientCa::File(path)) => {
            let bytes = std::fs::read(path)?;
            let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(&bytes)
                .collect::<Result<_, _>>()
                .map_err(other)?;
            if certs.is_empty() {
                return Err(other(format!("{} holds no certificate", path.display())));
            }
            Some(certs)
        }
    };
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = rustls::ServerConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(other)?;
    let builder = match client_roots {
        None => builder.with_no_client_auth(),
        Some(certs) => {
            let mut roots = rustls::RootCertStore::empty();
            for c in certs {
                roots.add(c).map_err(other)?;
            }
            let verifier = rustls::server::WebPkiClientVerifier::builder_with_provider(
                Arc::new(roots),
                provider,
            )
            .build()
            .map_err(other)?;
            builder.with_client_cert_verifier(verifier)
        }
    };
    let chain = vec![server_cert.der().clone(), ca_cert.der().clone()];
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(server_key.serialize_der()));
    let mut config = builder.with_single_cert(chain, key).map_err(other)?;
    // axum serves HTTP/1 only here.
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    let files = TlsFiles {
        ca_file,
        client,
        requires_client_cert: opts.client_ca.is_some(),
    };
    Ok((TlsAcceptor::from(Arc::new(config)), files))
}

/// `localhost`, both loopback addresses and the listen address.
fn default_names(listen: SocketAddr) -> Vec<String> {
    let mut names = vec![
        "localhost".to_owned(),
        "127.0.0.1".to_owned(),
        "::1".to_owned(),
    ];
    let ip = listen.ip();
    if !ip.is_unspecified() && !ip.is_loopback() {
        names.push(ip.to_string());
    }
    if let IpAddr::V4(v4) = ip
        && v4.is_unspecified()
    {
        // Listening everywhere: this machine's name may be used as well.
        if let Ok(h) = std::env::var("HOSTNAME")
            && !h.is_empty()
        {
            names.push(h);
        }
    }
    names
}

/// A key file only its owner may read.
fn write_private(path: &Path, text: &str) -> io::Result<()> {
    use std::io::Write;
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    opts.open(path)?.write_all(text.as_bytes())
}

/// Finished TLS connections, for axum.
pub(crate) struct TlsListener {
    rx: mpsc::Receiver<(TlsStream<TcpStream>, SocketAddr)>,
    local: SocketAddr,
}

impl axum::serve::Listener for TlsListener {
    type Io = TlsStream<TcpStream>;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        match self.rx.recv().await {
            Some(conn) => conn,
            // The accepting task has stopped: the server is shutting down.
            None => std::future::pending().await,
        }
    }

    fn local_addr(&self) -> io::Result<SocketAddr> {
        Ok(self.local)
    }
}

/// Accepts TCP connections on `tcp` and shakes hands with each in a task of
/// its own; a failed handshake (an untrusted client, a missing client
/// certificate) just closes that connection.
pub(crate) fn listen(
    tcp: TcpListener,
    acceptor: TlsAcceptor,
    stop: watch::Receiver<bool>,
) -> io::Result<(TlsListener, JoinHandle<()>)> {
    let local = tcp.local_addr()?;
    let (tx, rx) = mpsc::channel(64);
    let task = tokio::spawn(async move {
        let stopping = super::server::stopped(stop);
        tokio::pin!(stopping);
        loop {
            let accepted = tokio::select! {
                a = tcp.accept() => a,
                () = &mut stopping => break,
            };
            let Ok((stream, peer)) = accepted else {
                tokio::time::sleep(Duration::from_millis(10)).await;
                continue;
            };
            let (acceptor, tx) = (acceptor.clone(), tx.clone());
            tokio::spawn(async move {
                if let Ok(Ok(tls)) =
                    tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(stream)).await
                {
                    let _ = tx.send((tls, peer)).await;
                }
            });
        }
    });
    Ok((TlsListener { rx, local }, task))
}
