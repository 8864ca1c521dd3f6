//! The client side (watcher, executor, CLI): the CA the planner's certificate must be signed by
//! and the client certificate presented to it, re-read when the files change. Each new
//! connection (including every reconnect) uses the current files.

use crate::reload::Reloading;
use crate::{TlsError, pem};
use hyper_util::rt::TokioIo;
use rustls::ClientConfig;
use rustls_pki_types::ServerName;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tokio::net::TcpStream;
use tonic::transport::{Channel, Endpoint};

/// The client's TLS flags, shared by the watcher, the executor and the CLI.
#[derive(clap::Args, Clone, Debug, Default)]
pub struct ClientTlsArgs {
    /// PEM CA certificate(s) the planner's certificate must be signed by (with an https:// planner URL).
    #[arg(long = "tls-ca", env = "SCHEMAHERO_TLS_CA", global = true)]
    pub ca: Option<PathBuf>,
    /// PEM client certificate presented to the planner; its CN is the user and its O entries the groups.
    #[arg(long = "tls-cert", env = "SCHEMAHERO_TLS_CERT", global = true)]
    pub cert: Option<PathBuf>,
    /// PEM private key of --tls-cert.
    #[arg(long = "tls-key", env = "SCHEMAHERO_TLS_KEY", global = true)]
    pub key: Option<PathBuf>,
    /// The name the planner's certificate must carry, when it differs from the URL's host (e.g.
    /// through `kubectl port-forward`).
    #[arg(long = "tls-server-name", env = "SCHEMAHERO_TLS_SERVER_NAME", global = true)]
    pub server_name: Option<String>,
}

impl ClientTlsArgs {
    /// The TLS configuration for `planner_url`: None for http://, required for https://.
    pub fn load(&self, planner_url: &str) -> Result<Option<Arc<ClientTls>>, TlsError> {
        let https = planner_url.trim_start().to_ascii_lowercase().starts_with("https://");
        match (&self.ca, &self.cert, &self.key) {
            (None, None, None) if !https => Ok(None),
            (Some(ca), Some(cert), Some(key)) if https => {
                Ok(Some(Arc::new(ClientTls::load(ca.clone(), cert.clone(), key.clone(), self.server_name.clone())?)))
            }
            _ if https => Err(TlsError::Config(format!(
                "the planner URL {planner_url} is https://: give --tls-ca, --tls-cert and --tls-key (the planner requires a client certificate)"
            ))),
            _ => {
                Err(TlsError::Config(format!("--tls-ca/--tls-cert/--tls-key are given but the planner URL {planner_url} is not https://")))
            }
        }
    }
}

/// The client's TLS configuration, rebuilt when a file changes.
pub struct ClientTls {
    config: Reloading<ClientConfig>,
    server_name: Option<String>,
}

impl std::fmt::Debug for ClientTls {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientTls").field("server_name", &self.server_name).finish_non_exhaustive()
    }
}

impl ClientTls {
    pub fn load(ca: PathBuf, cert: PathBuf, key: PathBuf, server_name: Option<String>) -> Result<Self, TlsError> {
        if let Some(name) = &server_name {
            ServerName::try_from(name.clone()).map_err(|e| TlsError::Config(format!("--tls-server-name {name:?}: {e}")))?;
        }
        let paths = vec![ca.clone(), cert.clone(), key.clone()];
        let config = Reloading::new(paths, move || build(&ca, &cert, &key))?;
        Ok(Self { config, server_name })
    }

    /// Opens a TCP connection to `uri`'s host and port (443 by default) and completes the TLS
    /// handshake, verifying the planner's certificate against the CA and the host name (or
    /// `--tls-server-name`).
    pub async fn open(&self, uri: http::Uri) -> io::Result<TokioIo<tokio_rustls::client::TlsStream<TcpStream>>> {
        let host = uri.host().ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, format!("{uri} has no host")))?;
        let host = host.trim_start_matches('[').trim_end_matches(']').to_string();
        let port = uri.port_u16().unwrap_or(443);
        let name = self.server_name.clone().unwrap_or_else(|| host.clone());
        let name = ServerName::try_from(name.clone())
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, format!("server name {name:?}: {e}")))?;
        let tcp = TcpStream::connect((host.as_str(), port)).await?;
        tcp.set_nodelay(true)?;
        let connector = tokio_rustls::TlsConnector::from(self.config.current());
        let tls = connector.connect(name, tcp).await?;
        Ok(TokioIo::new(tls))
    }
}

/// Connects `endpoint`, through TLS when `tls` is given.
pub async fn connect(endpoint: &Endpoint, tls: Option<&Arc<ClientTls>>) -> Result<Channel, tonic::transport::Error> {
    match tls {
        None => endpoint.connect().await,
        Some(tls) => {
            let tls = Arc::clone(tls);
            let connector = tower::service_fn(move |uri: http::Uri| {
                let tls = Arc::clone(&tls);
                async move { tls.open(uri).await }
            });
            endpoint.connect_with_connector(connector).await
        }
    }
}

fn build(ca: &Path, cert: &Path, key: &Path) -> Result<ClientConfig, TlsError> {
    let roots = pem::roots("--tls-ca", ca)?;
    let chain = pem::certificates("--tls-cert", cert)?;
    let key_der = pem::private_key("--tls-key", key)?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| TlsError::Config(e.to_string()))?
        .with_root_certificates(roots)
        .with_client_auth_cert(chain, key_der)
        .map_err(|e| TlsError::File { flag: "--tls-key", path: key.to_path_buf(), reason: format!("does not fit --tls-cert: {e}") })?;
    config.alpn_protocols = vec![b"h2".to_vec()];
    Ok(config)
}
