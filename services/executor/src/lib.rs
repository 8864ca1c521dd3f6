//! An executor: asks the planner for approved migrations, applies each under a lease it keeps
//! renewing, and reports the outcome.
//!
//! Exactly once: each migration is recorded in a ledger table inside the target database in
//! the same transaction as its DDL, and checked before applying; the ledger's primary key makes
//! a second application fail and roll back. Before applying, the live schema is re-read and
//! compared with the fingerprint the plan was made against; if it changed, nothing is applied
//! and the planner re-plans.

mod engines;
pub mod entry;

pub use engines::Engines;
use schemahero_engine::{Driver, Engine};
use schemahero_proto::v1 as pb;
use schemahero_proto::v1::executor_service_client::ExecutorServiceClient;
use schemahero_schema::TableManifest;
use schemahero_schema::object::SchemaObject;
use schemahero_schema::spec::TableSpec;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use tonic::service::interceptor::InterceptedService;
use tonic::transport::Channel;

/// The planner's `ExecutorService` client; every call carries the current trace context.
type Client = ExecutorServiceClient<InterceptedService<Channel, schemahero_telemetry::TraceparentInterceptor>>;

#[derive(Debug, Clone)]
pub struct Config {
    pub planner: String,
    pub executor_id: String,
    pub lease_seconds: u32,
    pub poll_interval: Duration,
    /// mTLS to the planner (an https:// planner URL); None for plaintext.
    pub tls: Option<std::sync::Arc<schemahero_tls::ClientTls>>,
    /// Readiness for probes: ready while the planner answers claims.
    pub health: Option<schemahero_telemetry::health::Health>,
}

#[derive(Debug, thiserror::Error)]
pub enum ExecutorError {
    #[error("planner {0}: {1}")]
    Connect(String, tonic::transport::Error),
    #[error("planner: {0}")]
    Rpc(#[from] tonic::Status),
}

/// Claims and applies migrations until `shutdown` fires. Planner outages are retried.
pub async fn run(config: Config, mut shutdown: tokio::sync::watch::Receiver<bool>) {
    let engines = Engines::default();
    let mut backoff = Duration::from_millis(100);
    while !*shutdown.borrow() {
        let client = match connect(&config.planner, config.tls.as_ref()).await {
            Ok(c) => {
                backoff = Duration::from_millis(100);
                c
            }
            Err(e) => {
                set_ready(&config, false).await;
                tracing::warn!(error = %e, "cannot reach the planner; retrying");
                tokio::select! {
                    _ = tokio::time::sleep(backoff) => {}
                    _ = shutdown.changed() => {}
                }
                backoff = (backoff * 2).min(Duration::from_secs(5));
                continue;
            }
        };
        if let Err(e) = work(&config, &engines, client, &mut shutdown).await {
            set_ready(&config, false).await;
            tracing::warn!(error = %e, "lost the planner; reconnecting");
        }
    }
    tracing::info!(executor = %config.executor_id, "executor stopped");
}

async fn set_ready(config: &Config, ready: bool) {
    if let Some(health) = &config.health {
        health.set_ready(ready).await;
    }
}

async fn connect(planner: &str, tls: Option<&std::sync::Arc<schemahero_tls::ClientTls>>) -> Result<Client, ExecutorError> {
    let endpoint = Channel::from_shared(planner.to_string())
        .map_err(|_| ExecutorError::Rpc(tonic::Status::invalid_argument(format!("--planner {planner:?} is not a URL"))))?
        .connect_timeout(Duration::from_secs(5))
        // Every call has a deadline: a planner that stops answering is noticed and reconnected.
        .timeout(Duration::from_secs(30));
    let channel = schemahero_tls::client::connect(&endpoint, tls).await.map_err(|e| ExecutorError::Connect(planner.to_string(), e))?;
    Ok(ExecutorServiceClient::with_interceptor(channel, schemahero_telemetry::TraceparentInterceptor))
}

async fn work(
    config: &Config,
    engines: &Engines,
    mut client: Client,
    shutdown: &mut tokio::sync::watch::Receiver<bool>,
) -> Result<(), ExecutorError> {
    while !*shutdown.borrow() {
        let claim = client
            .claim_migration(pb::ClaimMigrationRequest { executor_id: config.executor_id.clone(), lease_seconds: config.lease_seconds })
            .await?
            .into_inner()
            .claim;
        set_ready(config, true).await;
        match claim {
            Some(claim) => execute(config, engines, client.clone(), claim).await,
            None => {
                tokio::select! {
                    _ = tokio::time::sleep(config.poll_interval) => {}
                    _ = shutdown.changed() => {}
                }
            }
        }
    }
    Ok(())
}

/// Renews the lease every third of its length; flags when the lease is lost.
fn keep_lease(config: &Config, mut client: Client, id: String, token: u64, lost: Arc<AtomicBool>) -> tokio::task::JoinHandle<()> {
    let lease_seconds = config.lease_seconds;
    let every = Duration::from_millis(u64::from(lease_seconds) * 1000 / 3).max(Duration::from_millis(100));
    // Renewals belong to the execution's trace.
    let parent = tracing::Span::current();
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(every).await;
            let span = tracing::info_span!(parent: &parent, "executor.lease", migration = %id, fencing_token = token);
            let request = pb::RenewLeaseRequest { migration_id: id.clone(), fencing_token: token, lease_seconds };
            let renewed = tracing::Instrument::instrument(client.renew_lease(request), span).await;
            if let Err(status) = renewed {
                if status.code() == tonic::Code::FailedPrecondition || status.code() == tonic::Code::NotFound {
                    tracing::warn!(migration = %id, error = %status.message(), "lease lost");
                    lost.store(true, Ordering::SeqCst);
                    return;
                }
                tracing::warn!(migration = %id, error = %status.message(), "could not renew the lease; retrying");
            }
        }
    })
}

async fn execute(config: &Config, engines: &Engines, client: Client, claim: pb::Claim) {
    let Some(migration) = claim.migration.clone() else { return };
    // The execution continues the migration's trace (started when it was planned, possibly
    // hours ago): one trace follows one change from the watcher to the database.
    let span = tracing::info_span!(
        "executor.execute",
        migration = %migration.id,
        database = %migration.database,
        attempt = migration.attempts,
        fencing_token = claim.fencing_token,
        executor = %config.executor_id,
        outcome = tracing::field::Empty,
        trace_id = %migration.trace_id,
    );
    schemahero_telemetry::set_parent(&span, &migration.traceparent);
    tracing::Instrument::instrument(execute_traced(config, engines, client, claim, migration), span).await;
}

async fn execute_traced(config: &Config, engines: &Engines, mut client: Client, claim: pb::Claim, migration: pb::Migration) {
    let id = migration.id.clone();
    let token = claim.fencing_token;
    tracing::info!(migration = %id, database = %migration.database, attempt = migration.attempts, "claimed");
    let lost = Arc::new(AtomicBool::new(false));
    let lease = keep_lease(config, client.clone(), id.clone(), token, Arc::clone(&lost));
    let started = std::time::Instant::now();
    let (outcome, error) = apply(config, engines, &claim, &migration, &lost).await;
    lease.abort();
    let outcome_name = outcome.as_str_name();
    tracing::Span::current().record("outcome", outcome_name);
    schemahero_telemetry::metrics::counter("schemahero_executor_outcomes_total", &[("outcome", outcome_name)]).inc();
    schemahero_telemetry::metrics::histogram("schemahero_migration_apply_duration_seconds", &[]).observe(started.elapsed().as_secs_f64());
    if lost.load(Ordering::SeqCst) && outcome != pb::Outcome::Executed {
        return; // another executor owns it now
    }
    let report = pb::ReportResultRequest { migration_id: id.clone(), fencing_token: token, outcome: outcome as i32, error: error.clone() };
    // The planner (or its store) may be restarting: keep reporting for as long as the lease
    // would have lasted. Past that the lease expires, the next claim finds the ledger row and
    // the migration is Executed all the same; only a refusal on the merits ends it early.
    let deadline = std::time::Instant::now() + Duration::from_secs(u64::from(config.lease_seconds).max(5));
    let mut backoff = Duration::from_millis(200);
    loop {
        match client.report_result(report.clone()).await {
            Ok(response) => {
                let phase = response.into_inner().migration.map(|m| pb::Phase::try_from(m.phase).unwrap_or_default()).unwrap_or_default();
                tracing::info!(migration = %id, phase = ?phase, error, "reported");
                return;
            }
            Err(status)
                if matches!(
                    status.code(),
                    tonic::Code::Unavailable | tonic::Code::Internal | tonic::Code::Unknown | tonic::Code::DeadlineExceeded
                ) && std::time::Instant::now() + backoff < deadline =>
            {
                tracing::warn!(migration = %id, error = %status.message(), "could not report; retrying");
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(Duration::from_secs(5));
            }
            Err(status) => {
                tracing::warn!(migration = %id, error = %status.message(), "report refused");
                return;
            }
        }
    }
}

async fn apply(
    config: &Config,
    engines: &Engines,
    claim: &pb::Claim,
    migration: &pb::Migration,
    lost: &AtomicBool,
) -> (pb::Outcome, String) {
    let driver = match Driver::parse(&claim.driver) {
        Ok(d) => d,
        Err(e) => return (pb::Outcome::Failed, e.to_string()),
    };
    let engine = match engines.get(driver, &claim.uri).await {
        Ok(e) => e,
        Err(e) => return (pb::Outcome::Retry, format!("database unreachable: {e}")),
    };
    let result = apply_on(config, &engine, claim, migration, lost).await;
    if result.0 != pb::Outcome::Executed {
        // The next attempt connects afresh, whatever went wrong.
        engines.forget(driver, &claim.uri);
    }
    result
}

async fn apply_on(config: &Config, engine: &Engine, claim: &pb::Claim, m: &pb::Migration, lost: &AtomicBool) -> (pb::Outcome, String) {
    match engine.ledger_contains(&m.id).await {
        Ok(true) => return (pb::Outcome::Executed, String::new()),
        Ok(false) => {}
        Err(e) => return (pb::Outcome::Retry, format!("cannot read the ledger: {e}")),
    }
    let check = tracing::info_span!("executor.fingerprint_check", planned = %short(&m.fingerprint));
    match tracing::Instrument::instrument(live_fingerprint(engine, claim, m), check).await {
        Ok(Some(live)) if live != m.fingerprint => {
            return (
                pb::Outcome::Stale,
                format!("live schema fingerprint {} differs from the planned {}", short(&live), short(&m.fingerprint)),
            );
        }
        Ok(_) => {}
        Err(outcome) => return outcome,
    }
    if lost.load(Ordering::SeqCst) {
        return (pb::Outcome::Retry, "lease lost before applying".into());
    }
    let statements: Vec<schemahero_plan::PlannedStatement> = m.statements.iter().map(Into::into).collect();
    let applying = tracing::info_span!("executor.apply", statements = statements.len());
    match tracing::Instrument::instrument(engine.apply_recorded(&statements, &m.id, claim.fencing_token, &config.executor_id), applying)
        .await
    {
        Ok(()) => (pb::Outcome::Executed, String::new()),
        Err(e) if e.is_connection_lost() => {
            // The server went away mid-apply (a restart, a failover, the network). Postgres
            // rolled the transaction back, or committed it with the ledger row if the loss came
            // after COMMIT: the next attempt reads the ledger first, so it never applies twice.
            tracing::warn!(migration = %m.id, error = %e, "lost the database connection while applying; will retry");
            (pb::Outcome::Retry, format!("database connection lost while applying (retrying): {e}"))
        }
        Err(e) if e.is_lock_timeout() => {
            // A long transaction held a lock the migration needs; the lock-timeout hint made the
            // statement give up rather than stall every query on the table behind it. Nothing is
            // wrong with the plan: try again later (the attempt re-reads the ledger and checks
            // the fingerprint, so whatever part of it committed is neither applied twice nor
            // missed: a changed schema is re-planned).
            tracing::warn!(migration = %m.id, error = %e, "a statement's lock timeout fired while applying; will retry");
            (pb::Outcome::Retry, format!("lock timeout while applying (retrying): {e}"))
        }
        Err(e) => match engine.ledger_contains(&m.id).await {
            // Someone else applied it while we tried: our transaction rolled back.
            Ok(true) => (pb::Outcome::Executed, String::new()),
            _ => (pb::Outcome::Failed, e.to_string()),
        },
    }
}

/// The fingerprint of the live state the migration's plan depends on (its table, or its
/// Function, DatabaseExtension or View); `None` when there is nothing to compare (the removal of a
/// deleted object, planned with `IF EXISTS` and an unchecked fingerprint).
async fn live_fingerprint(engine: &Engine, claim: &pb::Claim, m: &pb::Migration) -> Result<Option<String>, (pb::Outcome, String)> {
    let source = format!("{}/{}", m.namespace, m.table_resource);
    let mut warnings = Vec::new();
    if !m.resource_kind.is_empty() {
        if m.fingerprint.is_empty() || m.fingerprint == schemahero_engine::UNCHECKED_FINGERPRINT {
            return Ok(None);
        }
        let object = SchemaObject::from_spec_json(&m.resource_kind, &m.table_resource, &m.namespace, &source, &claim.spec_json)
            .map_err(|e| (pb::Outcome::Failed, format!("the planned spec does not parse: {e}")))?;
        return match engine.object_fingerprint(&object).await {
            Ok(f) => Ok(Some(f)),
            Err(e) => Err((pb::Outcome::Retry, format!("cannot read the live schema: {e}"))),
        };
    }
    let spec: TableSpec =
        serde_json::from_str(&claim.spec_json).map_err(|e| (pb::Outcome::Failed, format!("the planned spec does not parse: {e}")))?;
    let manifest = TableManifest { source, metadata_name: None, namespace: None, spec };
    match engine.plan(&[manifest], true, &mut warnings).await {
        Ok(plan) => Ok(Some(plan.fingerprint)),
        Err(e) => Err((pb::Outcome::Retry, format!("cannot read the live schema: {e}"))),
    }
}

fn short(fingerprint: &str) -> &str {
    fingerprint.get(..12).unwrap_or(fingerprint)
}
