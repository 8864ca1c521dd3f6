//! Mutual TLS for the SchemaHero gRPC services.
//!
//! - [`server`]: the planner's side: `--tls-cert`, `--tls-key`, `--tls-client-ca`; every client
//!   must present a certificate signed by the client CA. Certificates are re-read when their files
//!   change ([`reload`]), so a rotated Secret takes effect without a restart.
//! - [`client`]: the watcher's, executor's and CLI's side: `--tls-ca`, `--tls-cert`, `--tls-key`.
//! - [`identity`]: who a caller is, as Kubernetes reads client certificates: CN is the user and
//!   each O is a group.
//! - [`authorize`]: the tower layer that refuses a call before it is read when the caller lacks
//!   the group (role) its service requires.
//! - [`pki`]: a small CA and the certificates it issues (`kubectl schemahero install`, tests).

pub mod authorize;
pub mod client;
pub mod identity;
pub mod incoming;
pub mod pem;
pub mod pki;
pub mod reload;
pub mod server;

pub use authorize::{AuthorizeLayer, Policy};
pub use client::{ClientTls, ClientTlsArgs};
pub use identity::Identity;
pub use incoming::{Conn, PeerInfo};
pub use server::{ServerTls, ServerTlsArgs};

use std::path::PathBuf;

/// The groups (roles) the SchemaHero services require of their callers.
pub mod roles {
    /// May stream resources (`schemahero.v1.ResourceService`).
    pub const WATCHER: &str = "schemahero:watcher";
    /// May list, get, approve, reject and recalculate migrations (`schemahero.v1.MigrationService`).
    pub const REVIEWER: &str = "schemahero:reviewer";
    /// May claim, renew and report migrations (`schemahero.v1.ExecutorService`); the only role
    /// ever handed a database URI.
    pub const EXECUTOR: &str = "schemahero:executor";
}

/// What can go wrong setting up TLS. Each names the flag and file involved.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error("{flag} {path}: {reason}")]
    File { flag: &'static str, path: PathBuf, reason: String },
    #[error("{0}")]
    Config(String),
    #[error("certificate generation: {0}")]
    Generate(#[from] rcgen::Error),
}
