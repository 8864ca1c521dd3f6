use crate::core::{Config, PlannerCore};
use crate::kube_store::KubeStore;
use crate::leadership::{self, ElectionConfig, Leadership};
use crate::store::MigrationStore;
use crate::store::SqlStore;
use anyhow::Context;
use clap::Parser;
use schemahero_telemetry::health::Health;
use std::sync::Arc;
use std::time::Duration;

/// The SchemaHero planner: plans migrations for the Tables watchers stream to it, keeps them in
/// a store, serves review (approve/reject/recalculate) and hands approved migrations to
/// executors. Serves gRPC health and reflection.
#[derive(Parser)]
#[command(name = "schemahero-planner", version)]
struct Args {
    /// Address to listen on (port 0 picks a free port; the address is printed on stdout).
    #[arg(long, env = "SCHEMAHERO_PLANNER_LISTEN", default_value = "127.0.0.1:7070")]
    listen: String,
    /// Migration store: a SQLite file path or sqlite: URL (default), or a postgres:// URL for several planner replicas.
    #[arg(long, env = "SCHEMAHERO_STORE", default_value = "schemahero-planner.db", hide_env_values = true)]
    store: String,
    /// Re-plan every table this often to detect drift made outside SchemaHero.
    #[arg(long, env = "SCHEMAHERO_DRIFT_INTERVAL_SECS", default_value_t = 60)]
    drift_interval_secs: u64,
    /// Wait this long after a change to a table before planning it (changes in between restart the wait).
    #[arg(long, env = "SCHEMAHERO_DEBOUNCE_MS", default_value_t = 200)]
    debounce_ms: u64,
    /// Before offering a migration, apply its statements to a scratch copy of the schema (no
    /// data) and check that planning again there is empty: its `Validated` condition, and a
    /// migration that fails it is never approved nor executed. Postgres needs CREATEDB once
    /// for `<database>_shscratch`; without it the condition is Unknown.
    #[arg(long, env = "SCHEMAHERO_VALIDATE_PLANS", default_value_t = true, action = clap::ArgAction::Set)]
    validate_plans: bool,
    /// Log as JSON lines.
    #[arg(long, env = "SCHEMAHERO_LOG_JSON")]
    log_json: bool,
    /// Serve Prometheus metrics on this address (`/metrics`), e.g. 0.0.0.0:9090.
    #[arg(long, env = "SCHEMAHERO_METRICS_LISTEN")]
    metrics_listen: Option<String>,
    /// Keep migrations as Migration resources in Kubernetes (KUBECONFIG or in-cluster) instead of
    /// --store, and act on approvals made by patching them.
    #[arg(long, env = "SCHEMAHERO_KUBERNETES")]
    kubernetes: bool,
    /// With --kubernetes: the planner's own namespace (holds the fencing-token ConfigMap).
    #[arg(long, env = "SCHEMAHERO_NAMESPACE", default_value = "schemahero-system")]
    namespace: String,
    /// With --kubernetes: the namespaces whose Tables and Migrations this planner serves
    /// (repeatable or comma-separated; default all).
    #[arg(long = "watch-namespace", env = "SCHEMAHERO_WATCH_NAMESPACES", value_delimiter = ',')]
    watch_namespaces: Vec<String>,
    /// Events per second one watcher stream may send (bursts of five seconds' worth); a faster
    /// watcher is slowed down, never dropped.
    #[arg(long, env = "SCHEMAHERO_STREAM_EVENT_RATE", default_value_t = 2000)]
    stream_event_rate: u32,
    /// The longest a unary call may take, in seconds (a shorter client deadline wins).
    #[arg(long, env = "SCHEMAHERO_REQUEST_TIMEOUT_SECS", default_value_t = 30)]
    request_timeout_secs: u64,
    /// Serve gRPC health (services `liveness`, `readiness` and "") in plaintext on this address
    /// for Kubernetes `grpc:` probes, which cannot present a client certificate; nothing else is
    /// served there. "" and `readiness` are SERVING only while this replica plans and serves.
    #[arg(long, env = "SCHEMAHERO_HEALTH_LISTEN")]
    health_listen: Option<String>,
    /// With --kubernetes: elect one active planner among replicas through a coordination.k8s.io
    /// Lease in --namespace; the others wait (not listening, not ready) until it is free.
    #[arg(long, env = "SCHEMAHERO_LEADER_ELECTION", default_value_t = true, action = clap::ArgAction::Set)]
    leader_election: bool,
    /// With --kubernetes: the Lease's name.
    #[arg(long, env = "SCHEMAHERO_LEASE_NAME", default_value = "schemahero-planner")]
    lease_name: String,
    /// With --kubernetes: how long the Lease stays valid after its last renewal (a dead leader is
    /// replaced within it); the leader renews it half of this before it expires.
    #[arg(long, env = "SCHEMAHERO_LEASE_DURATION_SECS", default_value_t = 15)]
    lease_duration_secs: u64,
    /// With --kubernetes: this replica's name in the Lease (default: POD_NAME, else host name and
    /// process id).
    #[arg(long, env = "SCHEMAHERO_LEADER_IDENTITY")]
    leader_identity: Option<String>,
    #[command(flatten)]
    tls: schemahero_tls::ServerTlsArgs,
}

/// The `schemahero-planner` command: parses its arguments from the process's and runs until
/// stopped. The binary, and the image's multi-call binary, call this.
#[tokio::main]
pub async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    // Traces go to OTEL_EXPORTER_OTLP_ENDPOINT when it is set.
    let mut telemetry = schemahero_telemetry::init("schemahero-planner", args.log_json, "info")?;
    if let Some(address) = &args.metrics_listen {
        let bound = schemahero_telemetry::metrics::spawn(address).await.with_context(|| format!("metrics on {address}"))?;
        tracing::info!(%bound, "metrics on /metrics");
    }
    let health = schemahero_telemetry::health::start(args.health_listen.as_deref()).await?;
    let config = Config {
        debounce: Duration::from_millis(args.debounce_ms),
        drift_interval: Duration::from_secs(args.drift_interval_secs.max(1)),
        validate_plans: args.validate_plans,
    };
    if args.kubernetes {
        let client = kube::Client::try_default().await.context("cannot reach Kubernetes (KUBECONFIG or in-cluster config)")?;
        // Elect before listening: a waiting replica accepts no connection, so no watcher or
        // executor talks to a planner that does not plan.
        let leadership = if args.leader_election {
            let election = ElectionConfig {
                namespace: args.namespace.clone(),
                lease_name: args.lease_name.clone(),
                identity: args.leader_identity.clone().unwrap_or_else(leadership::default_identity),
                lease_duration: Duration::from_secs(args.lease_duration_secs),
            };
            let lease_client =
                leadership::lease_client(election.lease_duration).await.context("cannot reach Kubernetes for the leader Lease")?;
            Some(Arc::new(Leadership::acquire(lease_client, election).await?))
        } else {
            None
        };
        let (listener, options) = listen(&args).await?;
        let core = PlannerCore::new(KubeStore::new(client.clone(), &args.namespace, args.watch_namespaces.clone()), config);
        let controller = tokio::spawn(crate::kube_controller::run(client, Arc::clone(&core), args.watch_namespaces.clone()));
        let kept = leadership.clone();
        let stop = async move {
            let lost = async move {
                match kept {
                    Some(l) => l.keep().await,
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                _ = shutdown_signal() => Stop::Signal,
                lost = lost => Stop::Lost(lost),
            }
        };
        set_ready(&health, true).await;
        let lease = leadership.clone();
        let may_act_for = move || lease.as_ref().map_or(DRAIN_AFTER_SIGNAL, |l| l.safe_for());
        let stopped = serve_until(listener, core, options, stop, may_act_for).await;
        set_ready(&health, false).await;
        controller.abort();
        if let Stop::Lost(lost) = stopped? {
            // Fail-stop: exit non-zero so Kubernetes restarts this replica as a candidate.
            anyhow::bail!("stopped planning: lost leadership ({lost})");
        }
        if let Some(leadership) = leadership {
            match leadership.release().await {
                Ok(()) => tracing::info!("released the leader Lease"),
                Err(e) => tracing::warn!(error = %e, "could not release the leader Lease; it expires on its own"),
            }
        }
    } else {
        let (listener, options) = listen(&args).await?;
        let store = SqlStore::open(&args.store).await?;
        set_ready(&health, true).await;
        let stop = async {
            shutdown_signal().await;
            Stop::Signal
        };
        serve_until(listener, PlannerCore::new(store, config), options, stop, || DRAIN_AFTER_SIGNAL).await?;
    }
    tracing::info!("planner stopped");
    telemetry.shutdown();
    Ok(())
}

/// Why serving ended.
#[derive(Debug, Clone)]
enum Stop {
    /// SIGTERM or Ctrl-C.
    Signal,
    /// Another replica leads now, or the Lease could not be renewed.
    Lost(leadership::Lost),
}

/// How long open calls (a watcher's stream never ends by itself) may go on after a signal.
const DRAIN_AFTER_SIGNAL: Duration = Duration::from_secs(5);

/// Serves until `stop` resolves, then drains: open calls get [`DRAIN_AFTER_SIGNAL`] after a
/// signal, but no longer than `may_act_for()` (how long the leader Lease is still surely
/// ours: nothing renews it while draining), and none after leadership is lost (another replica
/// may be acting already); then they are closed.
async fn serve_until<S: MigrationStore>(
    listener: tokio::net::TcpListener,
    core: Arc<PlannerCore<S>>,
    options: crate::ServeOptions,
    stop: impl std::future::Future<Output = Stop> + Send + 'static,
    may_act_for: impl Fn() -> Duration,
) -> anyhow::Result<Stop> {
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(None::<Stop>);
    tokio::spawn(async move {
        let why = stop.await;
        let _ = stop_tx.send(Some(why));
    });
    let stopped = |mut rx: tokio::sync::watch::Receiver<Option<Stop>>| async move {
        match rx.wait_for(Option::is_some).await {
            Ok(why) => why.clone().unwrap_or(Stop::Signal),
            Err(_) => Stop::Signal,
        }
    };
    let graceful = {
        let rx = stop_rx.clone();
        async move {
            stopped(rx).await;
        }
    };
    let serve = crate::serve_core(listener, core, options, graceful);
    tokio::pin!(serve);
    let deadline = async {
        let drain = match stopped(stop_rx.clone()).await {
            Stop::Signal => DRAIN_AFTER_SIGNAL.min(may_act_for()),
            Stop::Lost(_) => Duration::ZERO,
        };
        tokio::time::sleep(drain).await;
    };
    tokio::select! {
        served = &mut serve => served?,
        () = deadline => tracing::warn!("closing the connections still open"),
    }
    Ok(stopped(stop_rx).await)
}

/// Binds --listen and loads the TLS material for it.
async fn listen(args: &Args) -> anyhow::Result<(tokio::net::TcpListener, crate::ServeOptions)> {
    let listener = tokio::net::TcpListener::bind(&args.listen).await.with_context(|| format!("listening on {}", args.listen))?;
    let address = listener.local_addr()?;
    let tls = args.tls.load(address)?;
    println!("planner listening on {address}");
    tracing::info!(%address, tls = tls.is_some(), "planner listening");
    let options = crate::ServeOptions {
        tls,
        stream_events_per_second: args.stream_event_rate,
        request_timeout: Duration::from_secs(args.request_timeout_secs.max(1)),
    };
    Ok((listener, options))
}

async fn set_ready(health: &Option<Health>, ready: bool) {
    if let Some(health) = health {
        health.set_ready(ready).await;
    }
}

async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(s) => s,
            Err(_) => {
                let _ = ctrl_c.await;
                return;
            }
        };
        tokio::select! {
            _ = ctrl_c => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    let _ = ctrl_c.await;
}
