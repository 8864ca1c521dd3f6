//! Leader election for the planner in Kubernetes mode: replicas compete for one
//! `coordination.k8s.io` Lease (through the `kube-lease-manager` crate); only its holder plans,
//! serves and writes Migrations. The others wait, not listening on the gRPC port (and not ready),
//! until the Lease is free or expires.
//!
//! Fail-stop: the crate renews the Lease `grace` seconds before it expires. Independently of
//! whether those requests succeed, fail or hang, a watchdog reads the Lease back every quarter of
//! `grace` and keeps the time until which it is known to be ours; when that time comes within
//! `grace / 2` (no renewal seen), or the Lease names another holder, the planner stops serving at
//! once and exits, before a standby may take the Lease (clock skew up to `grace / 2` tolerated).
//! A planner that shuts down on a signal drains for no longer than the Lease is still ours, then
//! releases it, so another replica takes over as soon as it next looks.

use k8s_openapi::api::coordination::v1::Lease;
use kube::Api;
use kube_lease_manager::{LeaseCreateMode, LeaseManager, LeaseManagerError, LeaseParams};
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
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

/// The renewal margin for a Lease duration: half of it, at least one second. The crate renews
/// this long before expiry; the watchdog gives a renewal `grace / 2` to be seen.
pub fn grace_for(lease_duration: Duration) -> u64 {
    (lease_duration.as_secs() / 2).max(1)
}

fn grace_ms(lease_duration: Duration) -> i64 {
    grace_for(lease_duration) as i64 * 1000
}

fn now_ms() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_millis() as i64)
}

/// The Lease, held by this replica once [`Leadership::acquire`] returns.
pub struct Leadership {
    manager: Arc<LeaseManager>,
    config: ElectionConfig,
    leases: Api<Lease>,
    /// Until when the Lease is known to be ours (unix milliseconds, this machine's clock, which
    /// is the clock the renewals write), as last read back from the API server.
    valid_until_ms: AtomicI64,
}

impl Leadership {
    /// Waits until this replica holds the Lease (creating it when missing). API errors while
    /// waiting are logged and retried: a replica that cannot reach the API server simply waits.
    pub async fn acquire(client: kube::Client, config: ElectionConfig) -> Result<Self, LeadershipError> {
        let leases: Api<Lease> = Api::namespaced(client.clone(), &config.namespace);
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
        // Just acquired: valid for the Lease duration minus the time it took to hear so; the
        // watchdog reads the exact renewal time back at its first check.
        let valid_until = now_ms() + config.lease_duration.as_millis() as i64 - grace_ms(config.lease_duration);
        Ok(Self { manager: Arc::new(manager), config, leases, valid_until_ms: AtomicI64::new(valid_until) })
    }

    /// How much longer this replica may act as leader if no further renewal is seen: the time
    /// until the Lease expires, less the `grace / 2` safety margin. Zero when that has passed.
    pub fn safe_for(&self) -> Duration {
        let left = self.valid_until_ms.load(Ordering::Acquire) - grace_ms(self.config.lease_duration) / 2 - now_ms();
        Duration::from_millis(left.max(0) as u64)
    }

    /// Keeps renewing the Lease; resolves when leadership is lost. Run it next to the work it
    /// guards and stop the work when it resolves.
    ///
    /// Renewal is the crate's (`changed`, restarted after an error); loss is decided by the
    /// watchdog described in the module comment, so a renewal that fails, or hangs, stops this
    /// replica before its Lease expires, and a short API server outage (less than `grace / 2`
    /// beyond the renewal time) does not.
    pub async fn keep(&self) -> Lost {
        let check_every = Duration::from_millis((grace_ms(self.config.lease_duration) / 4).max(250) as u64);
        let mut renewing: Pin<Box<dyn Future<Output = Result<bool, LeaseManagerError>> + Send + '_>> = Box::pin(self.manager.changed());
        let mut tick = tokio::time::interval(check_every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut last_error = String::new();
        loop {
            tokio::select! {
                renewed = &mut renewing => match renewed {
                    // `changed` returns only when the state flips: from leading, that is losing.
                    Ok(_) => return Lost::Taken,
                    Err(e) => {
                        tracing::warn!(error = %e, lease = %self.config.lease_name, "renewing the leader Lease failed; retrying");
                        last_error = e.to_string();
                        let manager = &self.manager;
                        renewing = Box::pin(async move {
                            tokio::time::sleep(Duration::from_secs(1)).await;
                            manager.changed().await
                        });
                    }
                },
                _ = tick.tick() => {
                    match tokio::time::timeout(check_every, self.leases.get_opt(&self.config.lease_name)).await {
                        Ok(Ok(Some(lease))) => {
                            let spec = lease.spec.unwrap_or_default();
                            if spec.holder_identity.as_deref() != Some(self.config.identity.as_str()) {
                                return Lost::Taken;
                            }
                            if let (Some(renewed), Some(seconds)) = (spec.renew_time, spec.lease_duration_seconds) {
                                let until = renewed.0.as_millisecond() + i64::from(seconds) * 1000;
                                self.valid_until_ms.fetch_max(until, Ordering::AcqRel);
                            }
                        }
                        Ok(Ok(None)) => return Lost::Taken,
                        // The API server is slow or unreachable: the deadline below decides.
                        Ok(Err(e)) => last_error = e.to_string(),
                        Err(_) => last_error = format!("reading the Lease took over {} ms", check_every.as_millis()),
                    }
                    if self.safe_for().is_zero() {
                        let why = if last_error.is_empty() { "no renewal seen".to_string() } else { last_error };
                        return Lost::RenewalFailed(why);
                    }
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
    fn grace_is_half_the_lease_and_never_zero() {
        assert_eq!(grace_for(Duration::from_secs(15)), 7);
        assert_eq!(grace_for(Duration::from_secs(2)), 1);
        assert_eq!(grace_for(Duration::from_secs(3)), 1);
        assert_eq!(grace_for(Duration::from_secs(6)), 3);
        assert!(grace_for(Duration::from_secs(2)) < 2, "the crate panics unless grace < duration");
    }
}
