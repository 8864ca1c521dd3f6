use clap::Parser;
use std::time::Duration;

/// A SchemaHero executor: claims approved migrations from the planner under a lease, applies
/// each exactly once (recorded in a ledger table inside the target database) and reports the
/// result. Run as many as you like.
#[derive(Parser)]
#[command(name = "schemahero-executor", version)]
struct Args {
    /// The planner's gRPC address.
    #[arg(long, env = "SCHEMAHERO_PLANNER", default_value = "http://127.0.0.1:7070")]
    planner: String,
    /// This executor's name (shown on the migrations it runs). Default: host-pid.
    #[arg(long, env = "SCHEMAHERO_EXECUTOR_ID")]
    id: Option<String>,
    /// Lease length; renewed every third of it while a migration runs.
    #[arg(long, env = "SCHEMAHERO_LEASE_SECONDS", default_value_t = 30)]
    lease_seconds: u32,
    /// How often to ask for work when there is none.
    #[arg(long, env = "SCHEMAHERO_POLL_INTERVAL_MS", default_value_t = 500)]
    poll_interval_ms: u64,
    /// Log as JSON lines.
    #[arg(long, env = "SCHEMAHERO_LOG_JSON")]
    log_json: bool,
    /// Serve Prometheus metrics on this address (`/metrics`), e.g. 0.0.0.0:9090.
    #[arg(long, env = "SCHEMAHERO_METRICS_LISTEN")]
    metrics_listen: Option<String>,
    /// Serve gRPC health (services `liveness`, `readiness` and "") in plaintext on this address
    /// for Kubernetes `grpc:` probes; ready while the planner answers claims.
    #[arg(long, env = "SCHEMAHERO_HEALTH_LISTEN")]
    health_listen: Option<String>,
    #[command(flatten)]
    tls: schemahero_tls::ClientTlsArgs,
}

/// The `schemahero-executor` command: parses its arguments from the process's and runs until
/// stopped. The binary, and the image's multi-call binary, call this.
#[tokio::main]
pub async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    // Traces go to OTEL_EXPORTER_OTLP_ENDPOINT when it is set.
    let mut telemetry = schemahero_telemetry::init("schemahero-executor", args.log_json, "info")?;
    if let Some(address) = &args.metrics_listen {
        let bound = schemahero_telemetry::metrics::spawn(address).await.map_err(|e| anyhow::anyhow!("metrics on {address}: {e}"))?;
        tracing::info!(%bound, "metrics on /metrics");
    }
    if args.lease_seconds == 0 {
        anyhow::bail!("--lease-seconds must be at least 1");
    }
    let host = std::fs::read_to_string("/etc/hostname").map(|h| h.trim().to_string()).unwrap_or_else(|_| "executor".into());
    let executor_id = args.id.unwrap_or_else(|| format!("{host}-{}", std::process::id()));
    let tls = args.tls.load(&args.planner)?;
    let health = schemahero_telemetry::health::start(args.health_listen.as_deref()).await?;
    let config = crate::Config {
        tls,
        health,
        planner: args.planner,
        executor_id,
        lease_seconds: args.lease_seconds,
        poll_interval: Duration::from_millis(args.poll_interval_ms.max(10)),
    };
    let (tx, rx) = tokio::sync::watch::channel(false);
    tokio::spawn(async move {
        shutdown_signal().await;
        let _ = tx.send(true);
    });
    crate::run(config, rx).await;
    telemetry.shutdown();
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
        Ok(mut term) => {
            tokio::select! {
                _ = ctrl_c => {}
                _ = term.recv() => {}
            }
        }
        Err(_) => {
            let _ = ctrl_c.await;
        }
    }
}
