//! The planner's state and decisions: which resources exist, when a table is planned, and how
//! a migration moves through its phases.
//!
//! Planned → Approved → Executing → Executed, or Rejected, Failed, Superseded (a newer plan for
//! the same table replaced one not yet approved). Resources live in memory (the watcher resyncs
//! them after every reconnect); migrations and the spec hash last planned per table live in
//! the store, so a restart neither loses an approval nor plans an unchanged table again.

use crate::model::{MigrationCondition, MigrationRecord, Phase, now_millis};
use crate::objects::{ObjectEntry, ObjectKey, ObjectMemory};
use crate::scheduler::{DbQueue, Reason, ReportedCondition, ReportedKey, TableMemory};
use crate::store::{Filter, MigrationStore, StoreError};
use schemahero_engine::{Driver, Engine};
use schemahero_plan::policy::HazardPolicy;
use schemahero_plan::{Plan, fingerprint};
use schemahero_schema::Warning;
use schemahero_schema::spec::TableSpec;
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

pub use crate::model::Key;

/// The largest Table spec (as JSON) the planner accepts: far above any real table (a spec of a
/// thousand columns is ~100 KiB), small enough that a hostile or broken client cannot make the
/// planner hold, parse and hash megabytes per event.
pub const MAX_SPEC_BYTES: usize = 1024 * 1024;

/// The longest approval or rejection comment kept on a migration: a paragraph, not a document.
pub const MAX_COMMENT_BYTES: usize = 4096;

#[derive(Debug, Clone, PartialEq)]
pub struct DatabaseEntry {
    pub driver: Driver,
    pub uri: String,
    pub immediate_deploy: bool,
    /// Plan the Tables' seedData (SchemaHero's `deploySeedData`).
    pub deploy_seed_data: bool,
    /// What `immediateDeploy` may approve by itself, and what may not run at all.
    pub hazard_policy: HazardPolicy,
}

#[derive(Debug, Clone)]
pub struct TableEntry {
    pub source: String,
    pub spec: TableSpec,
    /// traceparent of the watcher event that brought this version (planning continues it).
    pub traceparent: String,
    pub spec_json: String,
    pub spec_hash: String,
}

#[derive(Debug, Clone)]
pub struct Config {
    pub debounce: Duration,
    pub drift_interval: Duration,
    /// Try every new plan on a scratch copy of the schema first (`Validated` condition).
    pub validate_plans: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum CoreError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("{0}")]
    Invalid(String),
    #[error("migration {0} not found")]
    NotFound(String),
    #[error("{0}")]
    Precondition(String),
    #[error("planning {table}: {message}")]
    Plan { table: String, message: String },
    /// A compare-and-set lost: someone changed the migration since it was read.
    #[error("migration {0} changed concurrently; try again")]
    Conflict(String),
}

#[derive(Default)]
pub(crate) struct Resources {
    pub(crate) databases: HashMap<Key, DatabaseEntry>,
    pub(crate) tables: HashMap<Key, TableEntry>,
    pub(crate) engines: HashMap<Key, (String, Arc<Engine>)>,
    /// Resources seen since a ResyncStart, if one is under way.
    resync: Option<(HashSet<Key>, HashSet<Key>)>,
    /// Per database: the tables waiting to be planned.
    pub(crate) queues: HashMap<Key, DbQueue>,
    pub(crate) memory: HashMap<Key, TableMemory>,
    /// Batches with drift entries being planned now (a drift pass waits for them).
    pub(crate) drift_batches: usize,
    /// The condition last reported per (kind of resource, namespace, name, condition).
    pub(crate) reported: HashMap<ReportedKey, ReportedCondition>,
    /// Functions, DatabaseExtensions and Views (see `objects`).
    pub(crate) objects: HashMap<ObjectKey, ObjectEntry>,
    pub(crate) object_memory: HashMap<ObjectKey, ObjectMemory>,
    /// Objects seen since a ResyncStart, if one is under way.
    pub(crate) object_resync: Option<HashSet<ObjectKey>>,
}

pub struct PlannerCore<S: MigrationStore> {
    store: S,
    pub(crate) config: Config,
    resources: Mutex<Resources>,
    /// Serializes migration state transitions (claims, approvals, new plans).
    transitions: tokio::sync::Mutex<()>,
    /// Marked changed after every migration this process writes: wakes WatchMigrations streams
    /// at once (changes by other replicas are found by their periodic look at the store).
    changes: tokio::sync::watch::Sender<()>,
}

impl<S: MigrationStore> PlannerCore<S> {
    pub fn new(store: S, config: Config) -> Arc<Self> {
        Arc::new(Self {
            store,
            config,
            resources: Mutex::new(Resources::default()),
            transitions: tokio::sync::Mutex::new(()),
            changes: tokio::sync::watch::Sender::new(()),
        })
    }

    /// Changes whenever this process writes a migration.
    pub fn subscribe_changes(&self) -> tokio::sync::watch::Receiver<()> {
        self.changes.subscribe()
    }

    fn changed(&self) {
        self.changes.send_modify(|_| {});
    }

    /// Writes `m` (its `version` already increased) if nobody changed it since it was read;
    /// a lost compare-and-set is [`CoreError::Conflict`], never a silent success.
    pub(crate) async fn update(&self, m: &MigrationRecord) -> Result<(), CoreError> {
        if self.store.update(m).await? {
            self.changed();
            Ok(())
        } else {
            Err(CoreError::Conflict(m.id.clone()))
        }
    }

    pub fn store(&self) -> &S {
        &self.store
    }

    /// Serializes transitions within this process and, through the store, across replicas.
    pub(crate) async fn transitions_lock(&self) -> Result<(tokio::sync::MutexGuard<'_, ()>, S::TransitionLock), CoreError> {
        let local = self.transitions.lock().await;
        let shared = self.store.lock_transitions().await?;
        Ok((local, shared))
    }

    pub(crate) fn database(&self, key: &Key) -> Option<DatabaseEntry> {
        self.resources().databases.get(key).cloned()
    }

    pub(crate) fn resources(&self) -> std::sync::MutexGuard<'_, Resources> {
        // A poisoned lock only means another task panicked mid-update of plain maps; keep going.
        self.resources.lock().unwrap_or_else(|p| p.into_inner())
    }

    // ---- resources -------------------------------------------------------------------------

    pub fn upsert_database(
        self: &Arc<Self>,
        key: Key,
        driver: &str,
        uri: &str,
        immediate_deploy: bool,
        deploy_seed_data: bool,
        hazard_policy: HazardPolicy,
    ) -> Result<(), CoreError> {
        if key.name.is_empty() {
            return Err(CoreError::Invalid("upsert_database.name: must not be empty".into()));
        }
        let driver = Driver::parse(driver).map_err(|e| CoreError::Invalid(format!("upsert_database.driver: {e}")))?;
        if uri.trim().is_empty() {
            return Err(CoreError::Invalid(format!("upsert_database.uri: database {}/{} has no connection URI", key.namespace, key.name)));
        }
        let entry = DatabaseEntry { driver, uri: uri.to_string(), immediate_deploy, deploy_seed_data, hazard_policy };
        let (affected, changed): (Vec<Key>, bool) = {
            let mut r = self.resources();
            if let Some((dbs, _)) = r.resync.as_mut() {
                dbs.insert(key.clone());
            }
            let changed = r.databases.get(&key) != Some(&entry);
            if changed {
                r.engines.remove(&key);
            }
            r.databases.insert(key.clone(), entry);
            (
                r.tables
                    .iter()
                    .filter(|(k, t)| k.namespace == key.namespace && t.spec.database == key.name)
                    .map(|(k, _)| k.clone())
                    .collect(),
                changed,
            )
        };
        // A new or changed Database (a planner start, a new URI) means its tables must be
        // compared with what is there now, whatever was planned before.
        for table in affected {
            self.schedule_for(table, changed, Reason::Spec, Duration::ZERO);
        }
        self.schedule_objects_of(&key);
        Ok(())
    }

    pub fn delete_database(&self, key: &Key) {
        let mut r = self.resources();
        r.databases.remove(key);
        r.engines.remove(key);
    }

    pub fn upsert_table(self: &Arc<Self>, key: Key, source: &str, spec_json: &str, traceparent: &str) -> Result<(), CoreError> {
        if key.name.is_empty() {
            return Err(CoreError::Invalid("upsert_table.name: must not be empty".into()));
        }
        let label = if source.is_empty() { format!("{}/{}", key.namespace, key.name) } else { source.to_string() };
        if spec_json.len() > MAX_SPEC_BYTES {
            return Err(CoreError::Invalid(format!(
                "upsert_table.spec_json: {label}: the spec is {} bytes; at most {MAX_SPEC_BYTES} are accepted",
                spec_json.len()
            )));
        }
        let spec: TableSpec = serde_json::from_str(spec_json)
            .map_err(|e| CoreError::Invalid(format!("upsert_table.spec_json: {label}: not a Table spec: {e}")))?;
        let mut warnings: Vec<Warning> = Vec::new();
        schemahero_schema::validate::validate_table(&label, &spec, &mut warnings).map_err(|e| CoreError::Invalid(e.to_string()))?;
        let entry = TableEntry {
            source: label,
            spec,
            traceparent: traceparent.to_string(),
            spec_json: spec_json.to_string(),
            spec_hash: fingerprint(spec_json),
        };
        let unchanged = {
            let mut r = self.resources();
            if let Some((_, tables)) = r.resync.as_mut() {
                tables.insert(key.clone());
            }
            let planned_here = r.memory.get(&key).is_some_and(|m| m.last_planned.is_some());
            let previous = r.tables.insert(key.clone(), entry.clone());
            // The same spec again (a resync, a status-only change of the resource): nothing to
            // plan that the drift pass would not find; the trace of the new event is kept.
            planned_here && previous.is_some_and(|p| p.spec_hash == entry.spec_hash)
        };
        if !unchanged {
            self.schedule(key, false);
        }
        Ok(())
    }

    /// Forgets a Table resource. The database table stays (as in SchemaHero); plans not yet
    /// approved for it are superseded.
    pub async fn delete_table(&self, key: &Key) -> Result<(), CoreError> {
        {
            let mut r = self.resources();
            r.tables.remove(key);
            r.memory.remove(key);
            r.reported.retain(|(kind, ns, name, _), _| !(*kind == "Table" && *ns == key.namespace && *name == key.name));
        }
        let _guard = self.transitions_lock().await?;
        for mut m in
            self.store.list(&Filter { namespace: Some(key.namespace.clone()), table: Some(key.name.clone()), ..Filter::default() }).await?
        {
            if m.phase == Phase::Planned && m.is_table() {
                m.phase = Phase::Superseded;
                m.error = "the Table resource was deleted".into();
                m.version += 1;
                self.update(&m).await?;
            }
        }
        self.store.set_planned_spec_hash(&key.namespace, &key.name, None).await?;
        Ok(())
    }

    pub fn resync_start(&self) {
        let mut r = self.resources();
        r.resync = Some((HashSet::new(), HashSet::new()));
        r.object_resync = Some(HashSet::new());
    }

    /// Ends a resync: resources the watcher did not send again were deleted while it was away.
    pub async fn resync_end(self: &Arc<Self>) -> Result<(), CoreError> {
        let (gone_dbs, gone_tables, gone_objects) = {
            let mut r = self.resources();
            let Some((dbs, tables)) = r.resync.take() else { return Ok(()) };
            let objects = r.object_resync.take().unwrap_or_default();
            let gone_dbs: Vec<Key> = r.databases.keys().filter(|k| !dbs.contains(*k)).cloned().collect();
            let gone_tables: Vec<Key> = r.tables.keys().filter(|k| !tables.contains(*k)).cloned().collect();
            let gone_objects: Vec<ObjectKey> = r.objects.keys().filter(|k| !objects.contains(*k)).cloned().collect();
            (gone_dbs, gone_tables, gone_objects)
        };
        // Objects missing from a resync are forgotten, never dropped: a gap in the listing is no
        // deletion (see `object_missing`).
        for k in gone_objects {
            self.object_missing(&k).await?;
        }
        for k in gone_dbs {
            self.delete_database(&k);
        }
        for k in gone_tables {
            self.delete_table(&k).await?;
        }
        Ok(())
    }

    pub fn table_keys(&self) -> Vec<Key> {
        self.resources().tables.keys().cloned().collect()
    }

    // ---- planning --------------------------------------------------------------------------

    #[allow(clippy::too_many_arguments)] // one table's pieces of the batch, each borrowed
    pub(crate) async fn record_plan(
        &self,
        key: &Key,
        table: &TableEntry,
        database: &DatabaseEntry,
        plan: &Plan,
        reason: Reason,
        preloaded: Option<&[MigrationRecord]>,
        validation: Option<MigrationCondition>,
    ) -> Result<Option<MigrationRecord>, CoreError> {
        let statements = plan.statements.clone();
        let _guard = self.transitions_lock().await?;
        let existing: Vec<MigrationRecord> = match preloaded {
            // The store's own listing of the table's database, read at the start of the batch.
            Some(all) => {
                all.iter().filter(|m| m.namespace == key.namespace && m.table_resource == key.name && m.is_table()).cloned().collect()
            }
            None => self
                .store
                .list(&Filter { namespace: Some(key.namespace.clone()), table: Some(key.name.clone()), ..Filter::default() })
                .await?
                .into_iter()
                .filter(MigrationRecord::is_table)
                .collect(),
        };
        let open: Vec<&MigrationRecord> = existing.iter().filter(|m| m.phase.is_open()).collect();
        if let Some(same) = open.iter().find(|m| m.same_statements(&statements)) {
            // The same plan again; the Database's policy may have changed since.
            if let Some(next) = crate::admission::readmit(same, database, now_millis()) {
                self.update(&next).await?;
                tracing::info!(migration = %next.id, phase = next.phase.as_str(), "hazard policy judged it again");
                return Ok(Some(next));
            }
            return Ok(Some((*same).clone()));
        }
        if statements.is_empty() {
            for m in open.iter().filter(|m| m.phase == Phase::Planned) {
                self.set_phase(m, Phase::Superseded, "no longer needed: the table already matches its spec").await?;
            }
            return Ok(None);
        }
        if let Some(busy) = open.iter().find(|m| m.phase != Phase::Planned) {
            // Approved or executing: let it finish; the next drift check plans what remains.
            return Ok(Some((*busy).clone()));
        }
        if reason == Reason::Drift
            && let Some(last) = existing.last()
            && last.phase == Phase::Rejected
            && last.same_statements(&statements)
        {
            return Ok(None); // the reviewer already said no to exactly this
        }
        for m in open.iter().filter(|m| m.phase == Phase::Planned) {
            self.set_phase(m, Phase::Superseded, "replaced by a newer plan").await?;
        }
        let now = now_millis();
        let mut admission = crate::admission::admit(database, &statements);
        if let Some(validation) = validation {
            // A plan that failed validation waits for a new plan, whatever immediateDeploy says.
            if validation.status == "False" && admission.phase == Phase::Approved {
                admission.phase = Phase::Planned;
                admission.approved_by.clear();
            }
            admission.conditions.push(validation);
        }
        let id =
            format!("{}-{}", key.name, &fingerprint(&format!("{key}{}{}{now}{}", table.spec_hash, plan.fingerprint, existing.len()))[..8]);
        let record = MigrationRecord {
            id,
            namespace: key.namespace.clone(),
            database: table.spec.database.clone(),
            table_resource: key.name.clone(),
            table: table.spec.name.clone(),
            phase: admission.phase,
            statements,
            fingerprint: plan.fingerprint.clone(),
            spec_hash: table.spec_hash.clone(),
            spec_json: table.spec_json.clone(),
            planned_at: now,
            approved_at: if admission.phase == Phase::Approved { now } else { 0 },
            executed_at: 0,
            trace_id: schemahero_telemetry::current_trace_id(),
            traceparent: schemahero_telemetry::current_traceparent(),
            error: String::new(),
            waiting_reason: String::new(),
            attempts: 0,
            executor: String::new(),
            reason,
            fencing_token: 0,
            lease_expires_at: 0,
            not_before: 0,
            version: 1,
            approved_by: admission.approved_by,
            rejected_by: String::new(),
            recalculated_by: String::new(),
            resource_kind: String::new(),
            approval_comment: String::new(),
            rejection_comment: String::new(),
            revision: 0,
            conditions: admission.conditions,
        };
        self.store.insert(&record).await?;
        self.changed();
        schemahero_telemetry::metrics::counter("schemahero_migrations_total", &[("phase", record.phase.as_str())]).inc();
        schemahero_telemetry::metrics::counter("schemahero_tables_planned_total", &[]).inc();
        if reason == Reason::Drift {
            schemahero_telemetry::metrics::counter("schemahero_drift_detected_total", &[]).inc();
        }
        tracing::info!(migration = %record.id, phase = record.phase.as_str(), reason = reason.as_str(), statements = record.statements.len(), "planned");
        Ok(Some(record))
    }

    async fn set_phase(&self, m: &MigrationRecord, phase: Phase, note: &str) -> Result<MigrationRecord, CoreError> {
        let mut next = m.clone();
        next.phase = phase;
        if !note.is_empty() {
            next.error = note.to_string();
        }
        next.version += 1;
        self.update(&next).await?;
        Ok(next)
    }

    pub fn drift_interval(&self) -> Duration {
        self.config.drift_interval
    }

    // ---- review ----------------------------------------------------------------------------

    pub async fn get(&self, id: &str) -> Result<MigrationRecord, CoreError> {
        if id.trim().is_empty() {
            return Err(CoreError::Invalid("id: must not be empty".into()));
        }
        self.store.get(id).await?.ok_or_else(|| CoreError::NotFound(id.to_string()))
    }

    pub async fn list(&self, filter: &Filter) -> Result<Vec<MigrationRecord>, CoreError> {
        Ok(self.store.list(filter).await?)
    }

    /// Approves a Planned migration on behalf of `actor` (recorded as `approved_by`), keeping
    /// the reviewer's `comment` (may be empty).
    pub async fn approve(&self, id: &str, actor: &str, comment: &str) -> Result<MigrationRecord, CoreError> {
        check_comment(comment)?;
        let _guard = self.transitions_lock().await?;
        let m = self.get(id).await?;
        if m.phase != Phase::Planned {
            return Err(CoreError::Precondition(format!(
                "migration {id} is {}; only Planned migrations can be approved",
                m.phase.as_str()
            )));
        }
        if let Some(why) = m.refusal() {
            return Err(CoreError::Precondition(format!("migration {id} cannot be approved: {why}")));
        }
        // The approval joins the migration's trace, however long after planning it comes.
        let span = tracing::info_span!("planner.approve", migration = %id);
        schemahero_telemetry::set_parent(&span, &m.traceparent);
        let mut next = m.clone();
        next.phase = Phase::Approved;
        next.approved_at = now_millis();
        next.approved_by = actor.to_string();
        next.approval_comment = comment.to_string();
        next.version += 1;
        tracing::Instrument::instrument(self.update(&next), span).await?;
        schemahero_telemetry::metrics::counter("schemahero_migrations_total", &[("phase", "Approved")]).inc();
        tracing::info!(migration = %id, by = %actor, "approved");
        Ok(next)
    }

    /// Rejects a Planned or Approved migration on behalf of `actor` (recorded as `rejected_by`),
    /// keeping the reviewer's `comment` (may be empty).
    pub async fn reject(&self, id: &str, actor: &str, comment: &str) -> Result<MigrationRecord, CoreError> {
        check_comment(comment)?;
        let _guard = self.transitions_lock().await?;
        let m = self.get(id).await?;
        if !matches!(m.phase, Phase::Planned | Phase::Approved) {
            return Err(CoreError::Precondition(format!(
                "migration {id} is {}; only Planned or Approved migrations can be rejected",
                m.phase.as_str()
            )));
        }
        let mut rejected = m.clone();
        rejected.rejected_by = actor.to_string();
        rejected.rejection_comment = comment.to_string();
        let next = self.set_phase(&rejected, Phase::Rejected, "").await?;
        tracing::info!(migration = %id, by = %actor, "rejected");
        Ok(next)
    }

    /// Plans the migration's table afresh; returns the migration now current for it (the same
    /// one when nothing changed).
    /// `actor` is recorded as `recalculated_by` on the migration returned.
    pub async fn recalculate(self: &Arc<Self>, id: &str, actor: &str) -> Result<MigrationRecord, CoreError> {
        let m = self.get(id).await?;
        let key = Key::new(&m.namespace, &m.table_resource);
        let current = if m.is_table() {
            if !self.resources().tables.contains_key(&key) {
                return Err(CoreError::Precondition(format!("the Table {key} of migration {id} is not known to the planner (yet)")));
            }
            self.plan_table(&key, true, Reason::Recalculate).await?
        } else {
            let okey = ObjectKey { kind: m.resource_kind.clone(), key };
            if !self.resources().objects.contains_key(&okey) {
                return Err(CoreError::Precondition(format!("the {okey} of migration {id} is not known to the planner (yet)")));
            }
            self.plan_object(&okey, Reason::Recalculate).await;
            self.current_object_migration(&okey).await?
        };
        let current = match current {
            Some(c) => c,
            None => self.get(id).await?,
        };
        if current.recalculated_by == actor {
            return Ok(current);
        }
        let _guard = self.transitions_lock().await?;
        let mut next = self.get(&current.id).await?;
        next.recalculated_by = actor.to_string();
        next.version += 1;
        self.update(&next).await?;
        tracing::info!(migration = %next.id, by = %actor, "recalculated");
        Ok(next)
    }
}

/// A reviewer's comment is kept as written, within [`MAX_COMMENT_BYTES`].
fn check_comment(comment: &str) -> Result<(), CoreError> {
    if comment.len() > MAX_COMMENT_BYTES {
        return Err(CoreError::Invalid(format!("comment: {} bytes; at most {MAX_COMMENT_BYTES} are kept", comment.len())));
    }
    Ok(())
}
