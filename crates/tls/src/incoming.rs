//! Accepted connections, plaintext or after a TLS handshake, each with who is on the other end.
//!
//! The handshake runs in its own task with a deadline, so a client that connects and says
//! nothing never holds up the accept loop. tonic inserts [`PeerInfo`] into every request's
//! extensions (via [`tonic::transport::server::Connected`]), where the authorization layer and
//! the handlers read it.

use crate::identity::Identity;
use crate::server::ServerTls;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio_stream::Stream;
use tokio_stream::wrappers::ReceiverStream;

/// How long a client has to complete the TLS handshake.
pub const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);
/// How many handshakes may be under way at once. Beyond that new connections are closed at
/// once: clients that connect and say nothing cannot exhaust the process's file descriptors
/// (which the store and database pools need too).
pub const MAX_PENDING_HANDSHAKES: usize = 512;

/// Who is on the other end of a connection.
#[derive(Clone, Debug)]
pub struct PeerInfo {
    pub remote_addr: Option<SocketAddr>,
    /// The verified client certificate's identity; None on a plaintext connection.
    pub identity: Option<Arc<Identity>>,
}

impl PeerInfo {
    /// The name to record for this caller's actions: the certificate's user, or "anonymous"
    /// on a plaintext connection (where anyone may call anything).
    pub fn actor(&self) -> String {
        match &self.identity {
            Some(identity) => identity.user.clone(),
            None => "anonymous".into(),
        }
    }
}

/// One accepted connection.
pub struct Conn {
    io: Io,
    info: PeerInfo,
}

enum Io {
    Plain(TcpStream),
    Tls(Box<tokio_rustls::server::TlsStream<TcpStream>>),
}

impl tonic::transport::server::Connected for Conn {
    type ConnectInfo = PeerInfo;
    fn connect_info(&self) -> PeerInfo {
        self.info.clone()
    }
}

/// The connections accepted on `listener` (TCP_NODELAY set), through a TLS handshake when `tls`
/// is given. Connections whose handshake fails are logged and dropped. The accept loop ends when
/// the stream is dropped (the server shut down).
pub fn incoming(listener: TcpListener, tls: Option<Arc<ServerTls>>) -> impl Stream<Item = io::Result<Conn>> + Send + 'static {
    let (tx, rx) = mpsc::channel::<io::Result<Conn>>(64);
    let handshakes = Arc::new(tokio::sync::Semaphore::new(MAX_PENDING_HANDSHAKES));
    tokio::spawn(async move {
        loop {
            let accepted = tokio::select! {
                _ = tx.closed() => return,
                accepted = listener.accept() => accepted,
            };
            let (stream, remote) = match accepted {
                Ok(pair) => pair,
                Err(e) => {
                    // Out of file descriptors and the like: wait a little rather than spin.
                    tracing::warn!(error = %e, "accepting a connection failed");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            };
            // Without it each response waits ~40 ms for the client's delayed ACK.
            if let Err(e) = stream.set_nodelay(true) {
                tracing::debug!(error = %e, "TCP_NODELAY");
            }
            match &tls {
                None => {
                    let conn = Conn { io: Io::Plain(stream), info: PeerInfo { remote_addr: Some(remote), identity: None } };
                    if tx.send(Ok(conn)).await.is_err() {
                        return;
                    }
                }
                Some(tls) => {
                    let Ok(permit) = Arc::clone(&handshakes).try_acquire_owned() else {
                        tracing::warn!(peer = %remote, "too many TLS handshakes under way; connection closed");
                        continue;
                    };
                    let config = tls.current();
                    let tx = tx.clone();
                    tokio::spawn(async move {
                        let _permit = permit;
                        match tokio::time::timeout(HANDSHAKE_TIMEOUT, handshake(stream, config)).await {
                            Ok(Ok((io, identity))) => {
                                let info = PeerInfo { remote_addr: Some(remote), identity: Some(Arc::new(identity)) };
                                let _ = tx.send(Ok(Conn { io, info })).await;
                            }
                            Ok(Err(e)) => tracing::warn!(peer = %remote, error = %e, "TLS handshake refused"),
                            Err(_) => tracing::warn!(peer = %remote, "TLS handshake timed out"),
                        }
                    });
                }
            }
        }
    });
    ReceiverStream::new(rx)
}

async fn handshake(stream: TcpStream, config: Arc<rustls::ServerConfig>) -> io::Result<(Io, Identity)> {
    let tls = tokio_rustls::TlsAcceptor::from(config).accept(stream).await?;
    // The verifier requires a client certificate, so a completed handshake has one.
    let leaf = tls
        .get_ref()
        .1
        .peer_certificates()
        .and_then(|chain| chain.first())
        .ok_or_else(|| io::Error::new(io::ErrorKind::PermissionDenied, "no client certificate"))?;
    let identity = Identity::from_der(leaf.as_ref()).map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))?;
    Ok((Io::Tls(Box::new(tls)), identity))
}

impl AsyncRead for Conn {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        match &mut self.get_mut().io {
            Io::Plain(s) => Pin::new(s).poll_read(cx, buf),
            Io::Tls(s) => Pin::new(s.as_mut()).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for Conn {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        match &mut self.get_mut().io {
            Io::Plain(s) => Pin::new(s).poll_write(cx, buf),
            Io::Tls(s) => Pin::new(s.as_mut()).poll_write(cx, buf),
        }
    }

    fn poll_write_vectored(self: Pin<&mut Self>, cx: &mut Context<'_>, bufs: &[io::IoSlice<'_>]) -> Poll<io::Result<usize>> {
        match &mut self.get_mut().io {
            Io::Plain(s) => Pin::new(s).poll_write_vectored(cx, bufs),
            Io::Tls(s) => Pin::new(s.as_mut()).poll_write_vectored(cx, bufs),
        }
    }

    fn is_write_vectored(&self) -> bool {
        match &self.io {
            Io::Plain(s) => s.is_write_vectored(),
            Io::Tls(s) => s.is_write_vectored(),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match &mut self.get_mut().io {
            Io::Plain(s) => Pin::new(s).poll_flush(cx),
            Io::Tls(s) => Pin::new(s.as_mut()).poll_flush(cx),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match &mut self.get_mut().io {
            Io::Plain(s) => Pin::new(s).poll_shutdown(cx),
            Io::Tls(s) => Pin::new(s.as_mut()).poll_shutdown(cx),
        }
    }
}
