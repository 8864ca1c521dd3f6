//! Authorization as a tower layer: before a call's body is read, the caller's identity (from its
//! client certificate, see [`crate::incoming::PeerInfo`]) must hold the group its service
//! requires. Otherwise the call ends with PERMISSION_DENIED naming the missing role, whatever
//! the request holds.
//!
//! Without TLS (loopback, or `--insecure`) there is no identity and every call is allowed: that
//! is what plaintext means, and the servers refuse it on other addresses unless told otherwise.

use crate::incoming::PeerInfo;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

/// Which group each service requires, and which services any authenticated caller may use
/// (health, reflection). On an authenticated server everything else is refused: a service
/// added without a rule is closed, not open.
#[derive(Clone, Debug, Default)]
pub struct Policy {
    /// ("/package.Service/", group)
    rules: Arc<Vec<(String, String)>>,
    /// "/package.Service/" prefixes open to any authenticated caller.
    open: Arc<Vec<String>>,
    /// Every call must come with a verified identity (the server runs TLS).
    require_identity: bool,
}

impl Policy {
    pub fn new() -> Self {
        Self::default()
    }

    /// Calls to `service` (fully qualified, e.g. `schemahero.v1.MigrationService`) need `group`.
    pub fn require(mut self, service: &str, group: &str) -> Self {
        Arc::make_mut(&mut self.rules).push((format!("/{service}/"), group.to_string()));
        self
    }

    /// Calls to `service` are allowed to any authenticated caller.
    pub fn open(mut self, service: &str) -> Self {
        Arc::make_mut(&mut self.open).push(format!("/{service}/"));
        self
    }

    /// Every call must carry a verified identity: set when the server runs TLS.
    pub fn require_identity(mut self, required: bool) -> Self {
        self.require_identity = required;
        self
    }

    /// Whether a call to `path` by `peer` may proceed; the refusal says which role is missing.
    pub fn check(&self, path: &str, peer: Option<&PeerInfo>) -> Result<(), tonic::Status> {
        let Some(identity) = peer.and_then(|p| p.identity.as_ref()) else {
            if self.require_identity {
                return Err(tonic::Status::unauthenticated("this server requires a client certificate"));
            }
            // A plaintext connection: nothing to check against (see the module comment).
            return Ok(());
        };
        let Some((prefix, group)) = self.rules.iter().find(|(prefix, _)| path.starts_with(prefix.as_str())) else {
            if self.open.iter().any(|prefix| path.starts_with(prefix.as_str())) {
                return Ok(());
            }
            return Err(tonic::Status::permission_denied(format!("no role grants {path}")));
        };
        if identity.has_group(group) {
            return Ok(());
        }
        let service = prefix.trim_matches('/');
        Err(tonic::Status::permission_denied(format!("{service} requires the role {group}; the caller {identity} lacks it")))
    }
}

#[derive(Clone, Debug)]
pub struct AuthorizeLayer {
    policy: Policy,
}

impl AuthorizeLayer {
    pub fn new(policy: Policy) -> Self {
        Self { policy }
    }
}

impl<S> tower::Layer<S> for AuthorizeLayer {
    type Service = Authorize<S>;
    fn layer(&self, inner: S) -> Self::Service {
        Authorize { inner, policy: self.policy.clone() }
    }
}

#[derive(Clone, Debug)]
pub struct Authorize<S> {
    inner: S,
    policy: Policy,
}

impl<S, B> tower::Service<http::Request<B>> for Authorize<S>
where
    S: tower::Service<http::Request<B>, Response = http::Response<tonic::body::Body>>,
    S::Future: Send + 'static,
    S::Error: Send + 'static,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, Self::Error>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: http::Request<B>) -> Self::Future {
        match self.policy.check(request.uri().path(), request.extensions().get::<PeerInfo>()) {
            Ok(()) => Box::pin(self.inner.call(request)),
            Err(status) => {
                tracing::warn!(method = %request.uri().path(), reason = %status.message(), "call refused");
                // The request (and its body) is dropped unread.
                Box::pin(std::future::ready(Ok(status.into_http())))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::identity::Identity;

    fn peer(groups: &[&str]) -> PeerInfo {
        PeerInfo {
            remote_addr: None,
            identity: Some(Arc::new(Identity { user: "u".into(), groups: groups.iter().map(|g| g.to_string()).collect() })),
        }
    }

    #[test]
    fn authenticated_servers_refuse_what_no_rule_grants() {
        let policy = Policy::new().require("a.A", "role:a").open("grpc.health.v1.Health").require_identity(true);
        assert!(policy.check("/a.A/Call", Some(&peer(&["role:a"]))).is_ok());
        assert_eq!(policy.check("/a.A/Call", Some(&peer(&["role:b"]))).unwrap_err().code(), tonic::Code::PermissionDenied);
        assert!(policy.check("/grpc.health.v1.Health/Check", Some(&peer(&[]))).is_ok());
        assert_eq!(policy.check("/b.B/Call", Some(&peer(&["role:a"]))).unwrap_err().code(), tonic::Code::PermissionDenied);
        assert_eq!(policy.check("/a.AB/Call", Some(&peer(&["role:a"]))).unwrap_err().code(), tonic::Code::PermissionDenied);
        // No identity on a server that requires one (cannot happen through the TLS listener;
        // the layer does not rely on that).
        let anonymous = PeerInfo { remote_addr: None, identity: None };
        assert_eq!(policy.check("/a.A/Call", Some(&anonymous)).unwrap_err().code(), tonic::Code::Unauthenticated);
        assert_eq!(policy.check("/a.A/Call", None).unwrap_err().code(), tonic::Code::Unauthenticated);
    }

    #[test]
    fn plaintext_servers_let_every_call_through() {
        let policy = Policy::new().require("a.A", "role:a").require_identity(false);
        let anonymous = PeerInfo { remote_addr: None, identity: None };
        assert!(policy.check("/a.A/Call", Some(&anonymous)).is_ok());
        assert!(policy.check("/b.B/Call", Some(&anonymous)).is_ok());
    }
}
