//! The server side: the certificate the planner presents and the CA its clients must be signed
//! by, re-read when the files change, and the rule that only loopback may go without TLS.

use crate::reload::Reloading;
use crate::{TlsError, pem};
use rustls::ServerConfig;
use rustls::server::WebPkiClientVerifier;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The server's TLS flags, shared by every SchemaHero server binary.
#[derive(clap::Args, Clone, Debug, Default)]
pub struct ServerTlsArgs {
    /// PEM certificate chain this server presents (enables mTLS with --tls-key and --tls-client-ca).
    #[arg(long = "tls-cert", env = "SCHEMAHERO_TLS_CERT")]
    pub cert: Option<PathBuf>,
    /// PEM private key of --tls-cert.
    #[arg(long = "tls-key", env = "SCHEMAHERO_TLS_KEY")]
    pub key: Option<PathBuf>,
    /// PEM CA certificate(s) client certificates must be signed by; clients without one are refused.
    #[arg(long = "tls-client-ca", env = "SCHEMAHERO_TLS_CLIENT_CA")]
    pub client_ca: Option<PathBuf>,
    /// Allow listening on a non-loopback address without TLS: anyone who reaches the port may
    /// then call every service.
    #[arg(long, env = "SCHEMAHERO_INSECURE")]
    pub insecure: bool,
}

impl ServerTlsArgs {
    /// Loads the TLS configuration (None without TLS flags) and checks that `listen` may be served
    /// that way: all three files or none, and plaintext only on loopback unless `--insecure`.
    pub fn load(&self, listen: SocketAddr) -> Result<Option<Arc<ServerTls>>, TlsError> {
        let tls = match (&self.cert, &self.key, &self.client_ca) {
            (None, None, None) => None,
            (Some(cert), Some(key), Some(client_ca)) => Some(Arc::new(ServerTls::load(cert.clone(), key.clone(), client_ca.clone())?)),
            _ => {
                return Err(TlsError::Config("TLS needs all three of --tls-cert, --tls-key and --tls-client-ca (or none of them)".into()));
            }
        };
        if tls.is_none() && !listen.ip().is_loopback() && !self.insecure {
            return Err(TlsError::Config(format!(
                "refusing to listen on {listen} without TLS: give --tls-cert, --tls-key and --tls-client-ca, \
                 or --insecure to let anyone who reaches the port call every service"
            )));
        }
        Ok(tls)
    }
}

/// The server's TLS configuration, rebuilt when a file changes.
pub struct ServerTls {
    config: Reloading<ServerConfig>,
}

impl ServerTls {
    pub fn load(cert: PathBuf, key: PathBuf, client_ca: PathBuf) -> Result<Self, TlsError> {
        let paths = vec![cert.clone(), key.clone(), client_ca.clone()];
        let config = Reloading::new(paths, move || build(&cert, &key, &client_ca))?;
        Ok(Self { config })
    }

    /// The configuration for the next handshake.
    pub fn current(&self) -> Arc<ServerConfig> {
        self.config.current()
    }
}

fn build(cert: &Path, key: &Path, client_ca: &Path) -> Result<ServerConfig, TlsError> {
    let chain = pem::certificates("--tls-cert", cert)?;
    let key_der = pem::private_key("--tls-key", key)?;
    let roots = pem::roots("--tls-client-ca", client_ca)?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let verifier = WebPkiClientVerifier::builder_with_provider(Arc::new(roots), Arc::clone(&provider))
        .build()
        .map_err(|e| TlsError::File { flag: "--tls-client-ca", path: client_ca.to_path_buf(), reason: e.to_string() })?;
    let mut config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| TlsError::Config(e.to_string()))?
        .with_client_cert_verifier(verifier)
        .with_single_cert(chain, key_der)
        .map_err(|e| TlsError::File { flag: "--tls-key", path: key.to_path_buf(), reason: format!("does not fit --tls-cert: {e}") })?;
    config.alpn_protocols = vec![b"h2".to_vec()];
    Ok(config)
}
