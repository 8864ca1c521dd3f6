//! Leader election for the planner in Kubernetes mode: replicas compete for one
//! `coordination.k8s.io` Lease (through the `kube-lease-manager` crate); only its holder plans,
//! serves and writes Migrations. The others wait, not listening on the gRPC port (and not ready),
//! until the Lease is free or expires.
//!
//! Fail-stop: the holder renews the Lease `grace` seconds before it expires; if a renewal fails
//! or finds another holder, the planner stops serving and exits, so a replica that cannot reach
//! the API server never acts on an expired Lease (clock skew up to `grace` is tolerated). A
//! planner that shuts down on a signal releases the Lease first, so another replica takes over
//! as soon as it next looks.

use kube_lease_manager::{LeaseCreateMode, LeaseManager, LeaseManagerError, LeaseParams};
use std::sync::Arc;
use std::time::Duration;

/// How to elect.
#[derive(Debug, Clone)]
pub struct ElectionConfig {
    /// The Lease's namespace (the planner's own).
    pub namespace: String,
    pub lease_name: String,
    /// This replica's name in `spec.holderIdentity` (the pod name in a cluster).
    pub identity: String,
    /// How long a Lease stays valid after its last renewal: a dead leader is replaced within it.
    pub lease_duration: Duration,
}

#[derive(Debug, thiserror::Error)]
pub enum LeadershipError {
    #[error("--lease-duration-secs must be at least 2 seconds (it was {0} s)")]
    Duration(u64),
    #[error("Lease {namespace}/{name}: {source}")]
    Lease {
        namespace: String,
        name: String,
        #[source]
        source: LeaseManagerError,
    },
}

/// Why leadership ended without a shutdown request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Lost {
    /// Another replica holds the Lease now.
    Taken,
    /// The Lease could not be renewed (the API server unreachable, or refused the update).
    RenewalFailed(String),
}

impl std::fmt::Display for Lost {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Lost::Taken => f.write_str("another replica holds the Lease"),
            Lost::RenewalFailed(why) => write!(f, "the Lease could not be renewed: {why}"),
        }
    }
}

/// The renewal margin for a Lease duration: a third of it, at least one second.
pub fn grace_for(lease_duration: Duration) -> u64 {
    (lease_duration.as_secs() / 3).max(1)
}

/// The Lease, held by this replica once [`Leadership::acquire`] returns.
pub struct Leadership {
    manager: Arc<LeaseManager>,
    config: ElectionConfig,
}

impl Leadership {
    /// Waits until this replica holds the Lease (creating it when missing). API errors while
    /// waiting are logged and retried: a replica that cannot reach the API server simply waits.
    pub async fn acquire(client: kube::Client, config: ElectionConfig) -> Result<Self, LeadershipError> {
        let duration = config.lease_duration.as_secs();
        if duration < 2 {
            return Err(LeadershipError::Duration(duration));
        }
        let params = LeaseParams::new(config.identity.clone(), duration, grace_for(config.lease_duration))
            .with_field_manager(format!("schemahero-planner-{}", config.identity));
        let manager = loop {
            match LeaseManager::new(
                client.clone(),
                config.lease_name.clone(),
                config.namespace.clone(),
                params.clone(),
                LeaseCreateMode::AutoCreate,
            )
            .await
            {
                Ok(manager) => break manager,
                Err(e) => {
                    tracing::warn!(error = %e, lease = %config.lease_name, "cannot read the leader Lease yet; retrying in 2 s");
                    tokio::time::sleep(Duration::from_secs(2)).await;
                }
            }
        };
        tracing::info!(lease = %config.lease_name, namespace = %config.namespace, identity = %config.identity, "waiting to lead");
        loop {
            match manager.changed().await {
                Ok(true) => break,
                Ok(false) => continue,
                Err(e) => {
                    tracing::warn!(error = %e, lease = %config.lease_name, "leader election: API error while waiting; retrying in 2 s");
                    tokio::time::sleep(Duration::from_secs(2)).await;
                }
            }
        }
        tracing::info!(lease = %config.lease_name, identity = %config.identity, "leading");
        Ok(Self { manager: Arc::new(manager), config })
    }

    /// Keeps renewing the Lease; resolves when leadership is lost. Run it next to the work it
    /// guards and stop the work when it resolves.
    ///
    /// A failed renewal is retried every second for up to `grace - 1` seconds (the renewal is
    /// attempted `grace` before the Lease expires), so a short API server outage does not stop
    /// the leader, and a long one stops it before the Lease expires. The client given to
    /// [`Leadership::acquire`] should time requests out within `grace` (see [`lease_client`]).
    pub async fn keep(&self) -> Lost {
        let grace = Duration::from_secs(grace_for(self.config.lease_duration));
        let retry_for = grace.saturating_sub(Duration::from_secs(1)).max(Duration::from_millis(500));
        let mut failing_since: Option<tokio::time::Instant> = None;
        loop {
            match self.manager.changed().await {
                // `changed` returns only when the state flips: from leading, that is losing.
                Ok(false) => return Lost::Taken,
                Ok(true) => failing_since = None,
                Err(e) => {
                    let since = *failing_since.get_or_insert_with(tokio::time::Instant::now);
                    if since.elapsed() >= retry_for {
                        return Lost::RenewalFailed(e.to_string());
                    }
                    tracing::warn!(error = %e, lease = %self.config.lease_name, "renewing the leader Lease failed; retrying");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
            }
        }
    }

    /// Gives the Lease up so another replica can take over without waiting for it to expire.
    pub async fn release(&self) -> Result<(), LeadershipError> {
        self.manager.release().await.map_err(|source| LeadershipError::Lease {
            namespace: self.config.namespace.clone(),
            name: self.config.lease_name.clone(),
            source,
        })
    }
}

/// A client for the Lease whose requests time out within the renewal margin, so a renewal
/// against an unresponsive API server fails (and is retried or given up) before the Lease
/// expires, instead of hanging past it.
pub async fn lease_client(lease_duration: Duration) -> Result<kube::Client, kube::Error> {
    let mut config = kube::Config::infer().await.map_err(kube::Error::InferConfig)?;
    let timeout = Duration::from_secs(grace_for(lease_duration)).max(Duration::from_secs(1));
    config.connect_timeout = Some(timeout);
    config.read_timeout = Some(timeout);
    config.write_timeout = Some(timeout);
    kube::Client::try_from(config)
}

/// This replica's identity: `POD_NAME` (set from the downward API by the manifests), else the
/// host name, with the process id so two planners on one host differ.
pub fn default_identity() -> String {
    match std::env::var("POD_NAME") {
        Ok(name) if !name.trim().is_empty() => name.trim().to_string(),
        _ => {
            let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
                .map(|h| h.trim().to_string())
                .ok()
                .filter(|h| !h.is_empty())
                .unwrap_or_else(|| "planner".to_string());
            format!("{host}-{}", std::process::id())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grace_is_a_third_of_the_lease_and_never_zero() {
        assert_eq!(grace_for(Duration::from_secs(15)), 5);
        assert_eq!(grace_for(Duration::from_secs(2)), 1);
        assert_eq!(grace_for(Duration::from_secs(4)), 1);
        assert!(grace_for(Duration::from_secs(2)) < 2, "the crate panics unless grace < duration");
    }
}
