//! `schemahero-watcher`: watches a directory of SchemaHero manifests and streams them to the
//! planner.

use crate::{DirectorySource, KubeSource, StreamConfig, run_stream_with};
use anyhow::Context;
use clap::Parser;
use std::path::PathBuf;
use std::time::Duration;

/// Watches SchemaHero Database and Table manifests and streams them to the planner.
///
/// Reads every non-hidden file under --spec-dir (recursively, in name order), then follows
/// changes through file notifications (inotify), reading again only the files that changed.
/// Table documents are sent as they are; Database documents are sent with their
/// connection resolved (`value`, or `valueFrom.env` read from this process's environment;
/// `secretKeyRef` needs Kubernetes). A file that cannot be read keeps the resources it defined
/// before, and the error is logged. Every (re)connection to the planner starts with a full
/// resync. Log level: RUST_LOG (default info). Stops on SIGTERM or Ctrl-C.
#[derive(Debug, Parser)]
#[command(name = "schemahero-watcher", version)]
struct Args {
    /// The planner's gRPC address.
    #[arg(long, env = "SCHEMAHERO_PLANNER", default_value = "http://127.0.0.1:7070")]
    planner: String,

    /// Directory of Database and Table manifests (YAML), read recursively.
    #[arg(long, env = "SCHEMAHERO_SPEC_DIR", required_unless_present = "kubernetes", conflicts_with = "kubernetes")]
    spec_dir: Option<PathBuf>,

    /// Watch Database and Table resources in Kubernetes (KUBECONFIG, or the in-cluster service account).
    #[arg(long, env = "SCHEMAHERO_KUBERNETES")]
    kubernetes: bool,

    /// With --kubernetes: the namespaces to watch (repeatable or comma-separated; default all).
    #[arg(long = "namespace", env = "SCHEMAHERO_NAMESPACES", value_delimiter = ',')]
    namespaces: Vec<String>,

    /// How often to rescan --spec-dir for changed, new and removed files, in milliseconds, when
    /// file notifications are unavailable (or --poll-only). With notifications, changes are seen
    /// within milliseconds and this rescan only runs every 60 intervals (30 s by default) as a
    /// safety net, for changes that are not notified (a file behind a symlink leading out of
    /// the directory, a network filesystem written from another machine). A rescan compares
    /// file metadata (size, times, inode) and reads only the files that changed, plus the files
    /// that failed (retried on every rescan).
    #[arg(long, env = "SCHEMAHERO_POLL_INTERVAL_MS", default_value_t = 500, value_parser = clap::value_parser!(u64).range(1..))]
    poll_interval_ms: u64,

    /// Do not use file notifications: rescan --spec-dir every --poll-interval-ms.
    #[arg(long, env = "SCHEMAHERO_POLL_ONLY")]
    poll_only: bool,

    /// Log as JSON lines (for log collectors) instead of human-readable text.
    #[arg(long, env = "SCHEMAHERO_LOG_JSON")]
    log_json: bool,

    /// Serve Prometheus metrics on this address (`/metrics`), e.g. 0.0.0.0:9090.
    #[arg(long, env = "SCHEMAHERO_METRICS_LISTEN")]
    metrics_listen: Option<String>,

    /// Serve gRPC health (services `liveness`, `readiness` and "") in plaintext on this address
    /// for Kubernetes `grpc:` probes; ready while the planner has the full state.
    #[arg(long, env = "SCHEMAHERO_HEALTH_LISTEN")]
    health_listen: Option<String>,

    #[command(flatten)]
    tls: schemahero_tls::ClientTlsArgs,
}

/// The `schemahero-watcher` command: parses its arguments from the process's and runs until
/// stopped. The binary, and the image's multi-call binary, call this.
#[tokio::main]
pub async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    // Traces go to OTEL_EXPORTER_OTLP_ENDPOINT when it is set.
    let mut telemetry = schemahero_telemetry::init("schemahero-watcher", args.log_json, "info")?;
    if let Some(address) = &args.metrics_listen {
        let bound = schemahero_telemetry::metrics::spawn(address).await.with_context(|| format!("metrics on {address}"))?;
        tracing::info!(%bound, "metrics on /metrics");
    }

    let mut stream_config = StreamConfig::new(&args.planner);
    stream_config.tls = args.tls.load(&args.planner)?;
    stream_config.health = schemahero_telemetry::health::start(args.health_listen.as_deref()).await?;
    if let Some(spec_dir) = &args.spec_dir {
        let poll_interval = Duration::from_millis(args.poll_interval_ms);
        let source = DirectorySource::with_notifications(spec_dir, poll_interval, !args.poll_only).context("cannot watch --spec-dir")?;
        tracing::info!(spec_dir = %spec_dir.display(), planner = %args.planner, notifications = source.notifications(), "watching");
        run_stream_with(stream_config, source, shutdown_signal()).await.context("watcher stopped")?;
    } else {
        let client = kube::Client::try_default().await.context("cannot reach Kubernetes (KUBECONFIG or in-cluster config)")?;
        tracing::info!(namespaces = ?args.namespaces, planner = %args.planner, "watching Kubernetes");
        run_stream_with(stream_config, KubeSource::new(client, args.namespaces.clone()), shutdown_signal())
            .await
            .context("watcher stopped")?;
    }
    telemetry.shutdown();
    Ok(())
}

/// Completes on the first SIGTERM (how Kubernetes and systemd stop a process) or Ctrl-C.
async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::error!(error = %e, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(e) => {
                tracing::error!(error = %e, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => tracing::info!("Ctrl-C received"),
        _ = terminate => tracing::info!("SIGTERM received"),
    }
}
