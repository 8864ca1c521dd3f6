//! Who a caller is, read from its client certificate as Kubernetes does: the subject's common
//! name (CN) is the user and each organization (O) is a group.

use x509_cert::Certificate;
use x509_cert::der::Decode;
use x509_cert::der::asn1::ObjectIdentifier;
use x509_cert::ext::pkix::name::DirectoryString;

const COMMON_NAME: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.4.3");
const ORGANIZATION: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.4.10");

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Identity {
    pub user: String,
    pub groups: Vec<String>,
}

impl Identity {
    /// Reads the identity from a DER certificate. It must have exactly one CN (the user), and not
    /// the reserved `anonymous`.
    pub fn from_der(der: &[u8]) -> Result<Self, String> {
        let cert = Certificate::from_der(der).map_err(|e| format!("client certificate: {e}"))?;
        let mut identity = Identity { user: String::new(), groups: Vec::new() };
        for attribute in cert.tbs_certificate().subject().iter() {
            let is_cn = attribute.oid == COMMON_NAME;
            if !is_cn && attribute.oid != ORGANIZATION {
                continue;
            }
            let value = DirectoryString::try_from(&attribute.value).map_err(|e| format!("client certificate subject: {e}"))?;
            let value = value.value().into_owned();
            if is_cn {
                if !identity.user.is_empty() {
                    return Err("client certificate has more than one CN; which user it names is ambiguous".into());
                }
                identity.user = value;
            } else if !identity.groups.contains(&value) {
                identity.groups.push(value);
            }
        }
        if identity.user.trim().is_empty() {
            return Err("client certificate has no CN: it must name its user".into());
        }
        if identity.user == "anonymous" {
            // What reviews over plaintext are recorded as; a certificate may not claim it.
            return Err("client certificate CN \"anonymous\" is reserved".into());
        }
        Ok(identity)
    }

    /// Reads the identity from the first certificate of a PEM document.
    pub fn from_pem(pem: &[u8]) -> Result<Self, String> {
        use rustls_pki_types::pem::PemObject;
        let der = rustls_pki_types::CertificateDer::from_pem_slice(pem).map_err(|e| format!("certificate PEM: {e}"))?;
        Self::from_der(der.as_ref())
    }

    pub fn has_group(&self, group: &str) -> bool {
        self.groups.iter().any(|g| g == group)
    }
}

impl std::fmt::Display for Identity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.groups.is_empty() {
            write!(f, "{:?} (no groups)", self.user)
        } else {
            write!(f, "{:?} (groups {})", self.user, self.groups.join(", "))
        }
    }
}
