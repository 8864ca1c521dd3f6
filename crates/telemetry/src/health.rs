//! A plaintext gRPC health endpoint for Kubernetes probes.
//!
//! kubelet's `grpc:` probe (Kubernetes 1.24+) cannot present a client certificate, so it cannot
//! probe a port that requires mTLS. Each service therefore serves `grpc.health.v1.Health`, and
//! nothing else, on a separate port (`--health-listen`): it reveals only whether the process is
//! alive and ready, and accepts no other call.
//!
//! Service names answered:
//! - [`LIVENESS`]: SERVING while the process runs and its runtime answers (the liveness probe);
//! - `""` and [`READINESS`]: SERVING once the process does its work (the planner: it leads and
//!   serves; the watcher and executor: connected to the planner), NOT_SERVING before and while it
//!   cannot (the readiness probe, which keeps a waiting planner replica out of its Service).

use std::net::SocketAddr;
use tonic_health::ServingStatus;
use tonic_health::server::HealthReporter;

/// The service name a liveness probe asks about.
pub const LIVENESS: &str = "liveness";
/// The service name a readiness probe asks about (`""` answers the same).
pub const READINESS: &str = "readiness";

/// Sets what the health endpoint answers.
#[derive(Clone)]
pub struct Health {
    reporter: HealthReporter,
}

impl std::fmt::Debug for Health {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Health")
    }
}

impl Health {
    /// Says whether the process is ready (`""` and [`READINESS`]).
    pub async fn set_ready(&self, ready: bool) {
        let status = if ready { ServingStatus::Serving } else { ServingStatus::NotServing };
        self.reporter.set_service_status("", status).await;
        self.reporter.set_service_status(READINESS, status).await;
    }
}

/// The services' `--health-listen`: when an address is given, serves the endpoint there and
/// announces the bound address (on stdout, where tests and scripts read it, and in the log).
pub async fn start(address: Option<&str>) -> std::io::Result<Option<Health>> {
    let Some(address) = address else { return Ok(None) };
    let (bound, health) = spawn(address).await.map_err(|e| std::io::Error::new(e.kind(), format!("health on {address}: {e}")))?;
    println!("health listening on {bound}");
    tracing::info!(%bound, "gRPC health for probes");
    Ok(Some(health))
}

/// Serves the health endpoint on `address` in the background: live at once, not ready until
/// [`Health::set_ready`]. Returns the bound address (port 0 picks one).
pub async fn spawn(address: &str) -> std::io::Result<(SocketAddr, Health)> {
    let listener = tokio::net::TcpListener::bind(address).await?;
    let bound = listener.local_addr()?;
    let (reporter, service) = tonic_health::server::health_reporter();
    reporter.set_service_status(LIVENESS, ServingStatus::Serving).await;
    let health = Health { reporter };
    health.set_ready(false).await;
    let incoming = tokio_stream::wrappers::TcpListenerStream::new(listener);
    tokio::spawn(async move {
        let served = tonic::transport::Server::builder()
            // A probe is one small unary call: a short deadline and a few streams suffice.
            .timeout(std::time::Duration::from_secs(5))
            .max_concurrent_streams(Some(16))
            .add_service(service)
            .serve_with_incoming(incoming)
            .await;
        if let Err(e) = served {
            tracing::error!(error = %e, "health endpoint stopped");
        }
    });
    Ok((bound, health))
}
