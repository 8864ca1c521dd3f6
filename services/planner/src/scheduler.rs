//! When and how tables are planned: one work queue per database, planned in batches from one
//! bulk introspection.
//!
//! A change to a table is planned at once when the table has been quiet (leading edge); further
//! changes to it within the debounce interval coalesce into one plan at the end of the interval
//! (trailing edge). Each database has at most one batch in flight, so the work (and the
//! connections) a database costs is bounded whatever the number of tables: everything that
//! arrives while a batch runs is planned together in the next one. A table whose planning fails
//! (database unreachable, introspection or seed query failing) is retried with backoff, and its
//! status says why meanwhile.
//!
//! Unchanged tables are recognised cheaply: the per-table fingerprint of the live definition
//! comes out of the bulk introspection, and a table whose spec hash and live fingerprint are the
//! ones it last planned to nothing is skipped without touching the store.

use crate::core::{CoreError, DatabaseEntry, Key, PlannerCore, TableEntry};
use crate::model::{MigrationCondition, MigrationRecord};
use crate::store::{ConditionKind, ConditionReason, ConditionReport, ConditionTarget, MigrationStore};
use futures_util::StreamExt;
use schemahero_engine::{Engine, EngineError, PoolLimits};
use schemahero_plan::Plan;
use schemahero_schema::TableManifest;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;
use tokio::time::Instant;

pub use crate::model::Reason;

/// A table waiting in its database's queue.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Pending {
    pub force: bool,
    pub reason: Reason,
    pub due: Instant,
}

/// One database's queue; a worker task drains it while it is not empty.
#[derive(Default)]
pub(crate) struct DbQueue {
    pub pending: HashMap<Key, Pending>,
    pub worker: bool,
    pub wake: Arc<tokio::sync::Notify>,
}

/// What the planner remembers of each table between plans.
#[derive(Debug, Clone, Default)]
pub(crate) struct TableMemory {
    /// When its last plan started (for the trailing-edge debounce).
    pub last_planned: Option<Instant>,
    /// Consecutive failed attempts (for the retry backoff).
    pub failures: u32,
    /// (spec hash, live fingerprint) when it last planned to nothing.
    pub in_sync: Option<(String, String)>,
}

/// Tables of one batch recorded at the same time.
const RECORDING_CONCURRENCY: usize = 8;

/// Delay before retry `attempt` (1, 2, …): 0.5 s doubling up to 30 s.
pub fn retry_delay(attempt: u32) -> Duration {
    let exponent = attempt.clamp(1, 7) - 1;
    (Duration::from_millis(500) * (1u32 << exponent)).min(Duration::from_secs(30))
}

/// How one table of a batch came out.
enum TableOutcome {
    Unchanged,
    Planned(Option<Box<MigrationRecord>>),
    Failed(String),
}

impl<S: MigrationStore> PlannerCore<S> {
    /// Plans a table soon: at once if it has been quiet for the debounce interval, else at the
    /// end of it. Several requests before it is planned become one.
    pub fn schedule(self: &Arc<Self>, key: Key, force: bool) {
        self.schedule_for(key, force, Reason::Spec, Duration::ZERO);
    }

    pub(crate) fn schedule_for(self: &Arc<Self>, key: Key, force: bool, reason: Reason, delay: Duration) {
        let now = Instant::now();
        let mut r = self.resources();
        let Some(database) = r.tables.get(&key).map(|t| t.spec.database.clone()) else { return };
        let debounced = r.memory.get(&key).and_then(|m| m.last_planned).map(|at| at + self.config.debounce).filter(|at| *at > now);
        let due = debounced.unwrap_or(now).max(now + delay);
        let db_key = Key::new(&key.namespace, database);
        let queue = r.queues.entry(db_key.clone()).or_default();
        let entry = queue.pending.entry(key).or_insert(Pending { force, reason, due });
        entry.force |= force;
        if reason != Reason::Spec {
            entry.reason = reason;
        }
        entry.due = entry.due.min(due);
        queue.wake.notify_one();
        if !queue.worker {
            queue.worker = true;
            let core = Arc::clone(self);
            tokio::spawn(async move { core.run_queue(db_key).await });
        }
    }

    /// Plans the database's queue until it is empty.
    async fn run_queue(self: Arc<Self>, db_key: Key) {
        loop {
            let (batch, wait) = {
                let mut r = self.resources();
                let Some(queue) = r.queues.get_mut(&db_key) else { return };
                let now = Instant::now();
                let ready: Vec<Key> = queue.pending.iter().filter(|(_, p)| p.due <= now).map(|(k, _)| k.clone()).collect();
                let batch: Vec<(Key, Pending)> = ready.into_iter().filter_map(|k| queue.pending.remove_entry(&k)).collect();
                if batch.is_empty() {
                    match queue.pending.values().map(|p| p.due).min() {
                        Some(due) => (batch, Some((due, Arc::clone(&queue.wake)))),
                        None => {
                            r.queues.remove(&db_key);
                            return;
                        }
                    }
                } else {
                    (batch, None)
                }
            };
            if let Some((due, wake)) = wait {
                tokio::select! {
                    _ = tokio::time::sleep_until(due) => {}
                    _ = wake.notified() => {}
                }
                continue;
            }
            self.plan_batch(&db_key, batch).await;
        }
    }

    /// Re-plans every known table (forced), to find drift made outside SchemaHero: each
    /// database's tables in one batch. Returns when the pass is done (or after `limit`).
    pub async fn drift_check(self: &Arc<Self>, limit: Duration) {
        let started = std::time::Instant::now();
        let keys = self.table_keys();
        for key in &keys {
            self.schedule_for(key.clone(), true, Reason::Drift, Duration::ZERO);
        }
        let deadline = Instant::now() + limit;
        while Instant::now() < deadline {
            let busy = {
                let r = self.resources();
                r.drift_batches > 0 || r.queues.values().any(|q| q.pending.values().any(|p| p.reason == Reason::Drift))
            };
            if !busy {
                break;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        // Functions and DatabaseExtensions: one catalog lookup each.
        for okey in self.object_keys() {
            self.plan_object(&okey, Reason::Drift).await;
        }
        let elapsed = started.elapsed();
        schemahero_telemetry::metrics::histogram("schemahero_drift_pass_duration_seconds", &[]).observe(elapsed.as_secs_f64());
        tracing::info!(tables = keys.len(), ms = elapsed.as_millis() as u64, "drift pass done");
    }

    /// Plans one table now (what `recalculate` needs: the answer). Returns the migration now
    /// open for the table, if any.
    pub async fn plan_table(self: &Arc<Self>, key: &Key, force: bool, reason: Reason) -> Result<Option<MigrationRecord>, CoreError> {
        let Some(database) = self.resources().tables.get(key).map(|t| t.spec.database.clone()) else { return Ok(None) };
        let db_key = Key::new(&key.namespace, database);
        let pending = Pending { force, reason, due: Instant::now() };
        let mut outcomes = self.plan_batch(&db_key, vec![(key.clone(), pending)]).await;
        match outcomes.pop() {
            Some(TableOutcome::Planned(m)) => Ok(m.map(|m| *m)),
            Some(TableOutcome::Failed(message)) => Err(CoreError::Plan { table: format!("{}/{}", key.namespace, key.name), message }),
            Some(TableOutcome::Unchanged) | None => Ok(self.current_migration(key).await?),
        }
    }

    async fn current_migration(&self, key: &Key) -> Result<Option<MigrationRecord>, CoreError> {
        let filter = crate::store::Filter { namespace: Some(key.namespace.clone()), table: Some(key.name.clone()), ..Default::default() };
        Ok(self.store().list(&filter).await?.into_iter().rev().find(|m| m.phase.is_open() && m.is_table()))
    }

    /// Plans a batch of tables of one database from one bulk introspection. Returns one
    /// outcome per table that was still known (in batch order).
    async fn plan_batch(self: &Arc<Self>, db_key: &Key, batch: Vec<(Key, Pending)>) -> Vec<TableOutcome> {
        let started = std::time::Instant::now();
        let (database, tables) = {
            let mut r = self.resources();
            let now = Instant::now();
            let tables: Vec<(Key, Pending, TableEntry)> = batch
                .into_iter()
                .filter_map(|(k, p)| {
                    let entry = r.tables.get(&k).filter(|t| t.spec.database == db_key.name).cloned()?;
                    r.memory.entry(k.clone()).or_default().last_planned = Some(now);
                    Some((k, p, entry))
                })
                .collect();
            (r.databases.get(db_key).cloned(), tables)
        };
        if tables.is_empty() {
            return Vec::new();
        }
        let drift = tables.iter().any(|(_, p, _)| p.reason == Reason::Drift);
        if drift {
            self.resources().drift_batches += 1;
        }
        let outcomes = self.plan_known(db_key, database, tables, started).await;
        if drift {
            self.resources().drift_batches -= 1;
        }
        outcomes
    }

    async fn plan_known(
        self: &Arc<Self>,
        db_key: &Key,
        database: Option<DatabaseEntry>,
        mut tables: Vec<(Key, Pending, TableEntry)>,
        started: std::time::Instant,
    ) -> Vec<TableOutcome> {
        let Some(database) = database else {
            for (key, _, table) in &tables {
                tracing::info!(namespace = %key.namespace, table = %key.name, database = %table.spec.database, "waiting for the table's Database");
                let message = format!("Database {} is not known (yet)", table.spec.database);
                self.report_condition(
                    table_target(key),
                    ConditionReport::new(ConditionKind::Planned, false, ConditionReason::WaitingForDatabase, message),
                )
                .await;
            }
            return Vec::new();
        };
        // Tables whose spec was already planned need nothing unless forced.
        let unforced: Vec<Key> = tables.iter().filter(|(_, p, _)| !p.force).map(|(k, _, _)| k.clone()).collect();
        let planned_hashes = if unforced.is_empty() {
            HashMap::new()
        } else {
            match self.store().planned_spec_hashes(&unforced).await {
                Ok(h) => h,
                Err(e) => {
                    let message = e.to_string();
                    return self.retry_all(&tables, ConditionReason::StoreUnavailable, &message).await;
                }
            }
        };
        tables.retain(|(k, p, t)| p.force || planned_hashes.get(k) != Some(&t.spec_hash));
        if tables.is_empty() {
            return Vec::new();
        }

        let span = if tables.len() == 1 {
            plan_table_span(&tables[0].0, tables[0].1.reason, &tables[0].2)
        } else {
            tracing::info_span!("planner.plan_batch", namespace = %db_key.namespace, database = %db_key.name, tables = tables.len())
        };
        let outcomes = tracing::Instrument::instrument(self.plan_batch_traced(db_key, &database, &tables, &planned_hashes), span).await;
        for ((_, pending, _), outcome) in tables.iter().zip(&outcomes) {
            let reason = pending.reason.as_str();
            let label = match outcome {
                TableOutcome::Unchanged => "unchanged",
                TableOutcome::Planned(Some(_)) => "migration",
                TableOutcome::Planned(None) => "nothing",
                TableOutcome::Failed(_) => "error",
            };
            schemahero_telemetry::metrics::counter("schemahero_plans_total", &[("reason", reason), ("outcome", label)]).inc();
        }
        schemahero_telemetry::metrics::histogram("schemahero_plan_duration_seconds", &[("reason", "batch")])
            .observe(started.elapsed().as_secs_f64());
        let count = |f: fn(&TableOutcome) -> bool| outcomes.iter().filter(|o| f(o)).count();
        tracing::info!(
            database = %format!("{}/{}", db_key.namespace, db_key.name),
            tables = tables.len(),
            unchanged = count(|o| matches!(o, TableOutcome::Unchanged)),
            migrations = count(|o| matches!(o, TableOutcome::Planned(Some(_)))),
            failed = count(|o| matches!(o, TableOutcome::Failed(_))),
            ms = started.elapsed().as_millis() as u64,
            "planned a batch"
        );
        outcomes
    }

    async fn plan_batch_traced(
        self: &Arc<Self>,
        db_key: &Key,
        database: &DatabaseEntry,
        tables: &[(Key, Pending, TableEntry)],
        planned_hashes: &HashMap<Key, String>,
    ) -> Vec<TableOutcome> {
        let single = tables.len() == 1;
        let db_target = ConditionTarget::Database { namespace: &db_key.namespace, name: &db_key.name };
        let engine = match self.engine_for(db_key, database).await {
            Ok(engine) => {
                self.report_condition(db_target, ConditionReport::new(ConditionKind::Connected, true, ConditionReason::Connected, ""))
                    .await;
                engine
            }
            Err(e) => {
                // Engine errors never carry the password.
                let message = e.to_string();
                self.report_condition(
                    db_target,
                    ConditionReport::new(ConditionKind::Connected, false, ConditionReason::ConnectFailed, message.clone()),
                )
                .await;
                return self.retry_all(tables, ConditionReason::DatabaseUnreachable, &message).await;
            }
        };
        let manifests: Vec<TableManifest> = tables
            .iter()
            .map(|(key, _, table)| TableManifest {
                source: table.source.clone(),
                metadata_name: Some(key.name.clone()),
                namespace: Some(key.namespace.clone()),
                spec: table.spec.clone(),
            })
            .collect();
        let mut warnings = Vec::new();
        let plans: Vec<Result<Plan, EngineError>> = match engine.plan_each(&manifests, database.deploy_seed_data, &mut warnings).await {
            Ok(plans) => plans,
            Err(e) => return self.retry_all(tables, ConditionReason::PlanFailed, &e.to_string()).await,
        };
        for w in warnings {
            tracing::warn!(warning = %w, "planning");
        }
        // Stores that would otherwise be asked once per table read the database's migrations
        // once; they are only needed for tables that did not come out unchanged.
        let preloaded = match self.store().preload_migrations(&db_key.namespace, &db_key.name, tables.len()).await {
            Ok(preloaded) => preloaded,
            Err(e) => return self.retry_all(tables, ConditionReason::StoreUnavailable, &e.to_string()).await,
        };
        let preloaded = preloaded.as_deref();
        let keys: Vec<&Key> = tables.iter().map(|(k, _, _)| k).collect();
        let validations = self.validate_batch(&engine, &manifests, &keys, &plans, preloaded).await;
        // Recording is store round trips (and, in Kubernetes, API requests): a few tables at a
        // time, results kept in batch order.
        let mut work: Vec<futures_util::future::BoxFuture<'_, TableOutcome>> = Vec::with_capacity(tables.len());
        for (((key, pending, table), plan), validation) in tables.iter().zip(plans).zip(validations) {
            work.push(Box::pin(async move {
                match plan {
                    Err(e) => self.retry_one(key, pending, ConditionReason::PlanFailed, &e.to_string()).await,
                    Ok(plan) => {
                        let planned_hash = planned_hashes.get(key);
                        let take = self.take_plan(key, pending.reason, table, database, plan, planned_hash, preloaded, validation);
                        if single {
                            take.await
                        } else {
                            tracing::Instrument::instrument(take, plan_table_span(key, pending.reason, table)).await
                        }
                    }
                }
            }));
        }
        futures_util::stream::iter(work).buffered(RECORDING_CONCURRENCY).collect().await
    }

    /// Records one table's plan (unless the table is known to be unchanged).
    #[allow(clippy::too_many_arguments)] // one table's pieces of the batch, each borrowed
    async fn take_plan(
        self: &Arc<Self>,
        key: &Key,
        reason: Reason,
        table: &TableEntry,
        database: &DatabaseEntry,
        plan: Plan,
        planned_hash: Option<&String>,
        preloaded: Option<&[MigrationRecord]>,
        validation: Option<MigrationCondition>,
    ) -> TableOutcome {
        let signature = (table.spec_hash.clone(), plan.fingerprint.clone());
        let known_in_sync = self.resources().memory.get(key).and_then(|m| m.in_sync.clone()) == Some(signature.clone());
        if plan.is_empty() && known_in_sync {
            self.resources().memory.entry(key.clone()).or_default().failures = 0;
            return TableOutcome::Unchanged;
        }
        tracing::Span::current().record("trace_id", schemahero_telemetry::current_trace_id());
        let recorded = match self.record_plan(key, table, database, &plan, reason, preloaded, validation).await {
            Ok(recorded) => recorded,
            Err(e) => {
                return self
                    .retry_one(
                        key,
                        &Pending { force: true, reason, due: Instant::now() },
                        ConditionReason::StoreUnavailable,
                        &e.to_string(),
                    )
                    .await;
            }
        };
        {
            let mut r = self.resources();
            let memory = r.memory.entry(key.clone()).or_default();
            memory.failures = 0;
            memory.in_sync = recorded.is_none().then_some(signature);
        }
        let (planned, drifted) = match &recorded {
            Some(m) => (
                ConditionReport::new(
                    ConditionKind::Planned,
                    true,
                    ConditionReason::MigrationPlanned,
                    format!("migration {} is {}", m.id, m.phase.as_str()),
                ),
                ConditionReport::new(
                    ConditionKind::Drifted,
                    m.reason == Reason::Drift,
                    if m.reason == Reason::Drift { ConditionReason::LiveSchemaChanged } else { ConditionReason::NoDrift },
                    "",
                ),
            ),
            None => (
                ConditionReport::new(ConditionKind::Planned, true, ConditionReason::InSync, "the table matches its spec"),
                ConditionReport::new(ConditionKind::Drifted, false, ConditionReason::NoDrift, ""),
            ),
        };
        let target = table_target(key);
        let conditions = self
            .unreported(target, vec![ConditionReport::new(ConditionKind::Error, false, ConditionReason::Planned, ""), planned, drifted]);
        let new_hash = (planned_hash != Some(&table.spec_hash)).then_some(table.spec_hash.as_str());
        if new_hash.is_some() || !conditions.is_empty() {
            match self.store().record_planned(&key.namespace, &key.name, new_hash, conditions.clone()).await {
                Ok(()) => self.mark_reported(target, conditions),
                Err(e) => {
                    tracing::warn!(namespace = %key.namespace, table = %key.name, error = %e, "could not record the planned spec hash")
                }
            }
        }
        TableOutcome::Planned(recorded.map(Box::new))
    }

    async fn retry_all(
        self: &Arc<Self>,
        tables: &[(Key, Pending, TableEntry)],
        reason: ConditionReason,
        message: &str,
    ) -> Vec<TableOutcome> {
        let mut outcomes = Vec::with_capacity(tables.len());
        for (key, pending, _) in tables {
            outcomes.push(self.retry_one(key, pending, reason, message).await);
        }
        outcomes
    }

    /// Shows why the table could not be planned and plans it again after a backoff.
    async fn retry_one(self: &Arc<Self>, key: &Key, pending: &Pending, reason: ConditionReason, message: &str) -> TableOutcome {
        let attempt = {
            let mut r = self.resources();
            let memory = r.memory.entry(key.clone()).or_default();
            memory.failures += 1;
            memory.in_sync = None;
            memory.failures
        };
        let delay = retry_delay(attempt);
        tracing::warn!(namespace = %key.namespace, table = %key.name, error = %message, attempt, retry_in_ms = delay.as_millis() as u64, "planning failed; retrying");
        let shown = format!("{message} (attempt {attempt}; retrying in {:.1} s)", delay.as_secs_f64());
        self.report_condition(table_target(key), ConditionReport::new(ConditionKind::Error, true, reason, shown)).await;
        self.schedule_for(key.clone(), pending.force, pending.reason, delay);
        TableOutcome::Failed(message.to_string())
    }

    pub(crate) async fn engine_for(&self, key: &Key, db: &DatabaseEntry) -> Result<Arc<Engine>, EngineError> {
        if let Some((uri, engine)) = self.resources().engines.get(key)
            && *uri == db.uri
        {
            return Ok(Arc::clone(engine));
        }
        let engine = Arc::new(Engine::connect_with(db.driver, &db.uri, PoolLimits::SERVICE).await?);
        self.resources().engines.insert(key.clone(), (db.uri.clone(), Arc::clone(&engine)));
        Ok(engine)
    }

    /// Reports a condition unless it is what was last reported for that resource.
    pub(crate) async fn report_condition(&self, target: ConditionTarget<'_>, condition: ConditionReport) {
        self.report_conditions(target, vec![condition]).await;
    }

    /// Reports the conditions that differ from what was last reported for that resource, in
    /// one store write.
    pub(crate) async fn report_conditions(&self, target: ConditionTarget<'_>, conditions: Vec<ConditionReport>) {
        let changed = self.unreported(target, conditions);
        if changed.is_empty() {
            return;
        }
        self.store().report_conditions(target, changed.clone()).await;
        self.mark_reported(target, changed);
    }

    /// The conditions that differ from what was last reported for the resource.
    fn unreported(&self, target: ConditionTarget<'_>, conditions: Vec<ConditionReport>) -> Vec<ConditionReport> {
        let r = self.resources();
        conditions
            .into_iter()
            .filter(|c| r.reported.get(&reported_key(target, c.kind)) != Some(&(c.status, c.reason, c.message.clone())))
            .collect()
    }

    fn mark_reported(&self, target: ConditionTarget<'_>, conditions: Vec<ConditionReport>) {
        let mut r = self.resources();
        for c in conditions {
            r.reported.insert(reported_key(target, c.kind), (c.status, c.reason, c.message));
        }
    }
}

/// (kind of resource, namespace, name, condition).
pub(crate) type ReportedKey = (&'static str, String, String, ConditionKind);
/// (status, reason, message) of a condition as last reported.
pub(crate) type ReportedCondition = (bool, ConditionReason, String);

fn reported_key(target: ConditionTarget<'_>, kind: ConditionKind) -> ReportedKey {
    match target {
        ConditionTarget::Table { namespace, name } => ("Table", namespace.to_string(), name.to_string(), kind),
        ConditionTarget::Database { namespace, name } => ("Database", namespace.to_string(), name.to_string(), kind),
    }
}

fn table_target(key: &Key) -> ConditionTarget<'_> {
    ConditionTarget::Table { namespace: &key.namespace, name: &key.name }
}

fn plan_table_span(key: &Key, reason: Reason, table: &TableEntry) -> tracing::Span {
    let span = tracing::info_span!("planner.plan_table", namespace = %key.namespace, table = %key.name, reason = reason.as_str(), trace_id = tracing::field::Empty);
    if reason == Reason::Spec {
        // Continue the trace of the watcher event that brought this spec.
        schemahero_telemetry::set_parent(&span, &table.traceparent);
    }
    span
}

#[cfg(test)]
mod tests {
    use super::retry_delay;
    use std::time::Duration;

    #[test]
    fn retries_back_off_from_half_a_second_to_thirty() {
        assert_eq!(retry_delay(1), Duration::from_millis(500));
        assert_eq!(retry_delay(2), Duration::from_secs(1));
        assert_eq!(retry_delay(4), Duration::from_secs(4));
        assert_eq!(retry_delay(7), Duration::from_secs(30));
        assert_eq!(retry_delay(50), Duration::from_secs(30));
    }
}
