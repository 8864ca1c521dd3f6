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

/// Which group each service requires. Services without a rule (health, reflection) are open to
/// any caller that completed the handshake.
#[derive(Clone, Debug, Default)]
pub struct Policy {
    /// ("/package.Service/", group)
    rules: Arc<Vec<(String, String)>>,
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

    /// Whether a call to `path` by `peer` may proceed; the refusal says which role is missing.
    pub fn check(&self, path: &str, peer: Option<&PeerInfo>) -> Result<(), tonic::Status> {
        let Some((prefix, group)) = self.rules.iter().find(|(prefix, _)| path.starts_with(prefix.as_str())) else {
            return Ok(());
        };
        let Some(identity) = peer.and_then(|p| p.identity.as_ref()) else {
            // A plaintext connection: nothing to check against (see the module comment).
            return Ok(());
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
