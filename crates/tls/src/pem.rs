//! Reading PEM certificates and keys, with errors that name the flag and the file.

use crate::TlsError;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use std::path::Path;

/// Every certificate in `path` (at least one).
pub fn certificates(flag: &'static str, path: &Path) -> Result<Vec<CertificateDer<'static>>, TlsError> {
    let file_error = |reason: String| TlsError::File { flag, path: path.to_path_buf(), reason };
    let certs = CertificateDer::pem_file_iter(path)
        .map_err(|e| file_error(pem_reason(&e)))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| file_error(pem_reason(&e)))?;
    if certs.is_empty() {
        return Err(file_error("holds no PEM CERTIFICATE block".into()));
    }
    Ok(certs)
}

/// The CA certificates in `path` as a trust store.
pub fn roots(flag: &'static str, path: &Path) -> Result<rustls::RootCertStore, TlsError> {
    let mut roots = rustls::RootCertStore::empty();
    for der in certificates(flag, path)? {
        roots.add(der).map_err(|e| TlsError::File { flag, path: path.to_path_buf(), reason: e.to_string() })?;
    }
    Ok(roots)
}

/// The private key in `path` (PKCS#8, PKCS#1 or SEC1).
pub fn private_key(flag: &'static str, path: &Path) -> Result<PrivateKeyDer<'static>, TlsError> {
    PrivateKeyDer::from_pem_file(path).map_err(|e| TlsError::File { flag, path: path.to_path_buf(), reason: pem_reason(&e) })
}

fn pem_reason(error: &rustls_pki_types::pem::Error) -> String {
    match error {
        rustls_pki_types::pem::Error::Io(io) => io.to_string(),
        rustls_pki_types::pem::Error::NoItemsFound => "holds no PEM private key block".into(),
        other => format!("not valid PEM: {other}"),
    }
}
