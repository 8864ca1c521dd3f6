//! Functions, DatabaseExtensions and Views: database objects planned into Migrations like Tables, one
//! object at a time (they are few, and each is one catalog lookup, so they need neither the
//! tables' batches nor their debounce).
//!
//! An object whose live state already matches plans nothing, and its status says `Applied`; a
//! difference becomes a Migration (reviewed, approved, executed like a Table's, with the
//! resource's kind in `resource_kind`). When a resource with `removeOnDeletion` goes, the
//! planner records a Migration that drops the object (`DROP … IF EXISTS`, planned without a
//! connection, so a database that is unreachable then does not hold the deletion up) and then
//! lets the resource go (Kubernetes: removes its finalizer). Nothing is dropped without that
//! Migration being approved (or `immediateDeploy`).

use crate::core::{CoreError, DatabaseEntry, Key, MAX_SPEC_BYTES, PlannerCore};
use crate::model::{MigrationRecord, Phase, Reason, now_millis};
use crate::scheduler::retry_delay;
use crate::store::{Filter, MigrationStore};
use schemahero_plan::{Plan, fingerprint};
use schemahero_proto::v1 as pb;
use schemahero_schema::object::SchemaObject;
use std::sync::Arc;
use std::time::Duration;

/// A Function, DatabaseExtension or View resource: its kind and namespace/name.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ObjectKey {
    pub kind: String,
    pub key: Key,
}

impl std::fmt::Display for ObjectKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.kind, self.key)
    }
}

#[derive(Debug, Clone)]
pub struct ObjectEntry {
    pub object: SchemaObject,
    pub spec_json: String,
    pub spec_hash: String,
}

/// What the planner remembers of each object between plans.
#[derive(Debug, Default)]
pub(crate) struct ObjectMemory {
    /// A plan of it is running; `again` asks that plan to run once more when done.
    planning: bool,
    again: bool,
    planned: bool,
    failures: u32,
    /// (spec hash, live fingerprint) when it last planned to nothing.
    in_sync: Option<(String, String)>,
    /// The status phase and message last reported.
    reported: Option<(String, String)>,
}

/// What `record_object_plan` did.
enum Recorded {
    /// Nothing: the object was deleted or changed while this plan was made.
    Stale,
    /// Nothing to do: the object matches (or the reviewer rejected exactly this).
    InSync,
    /// The object's migration now open (new, or the one already there).
    Open(Box<MigrationRecord>),
}

/// What `plan_removal` did.
enum Removal {
    /// Recorded (or nothing to drop).
    Done,
    /// The object's Database is not known to the planner: nothing recorded yet.
    NoDatabase(Key),
}

fn namespace_or_default(namespace: &str) -> &str {
    if namespace.is_empty() { "default" } else { namespace }
}

impl<S: MigrationStore> PlannerCore<S> {
    /// A Function, DatabaseExtension or View appeared, changed, or (`deleting`) is being deleted.
    pub async fn upsert_object(self: &Arc<Self>, o: &pb::SchemaObject) -> Result<(), CoreError> {
        if o.name.is_empty() {
            return Err(CoreError::Invalid("upsert_object.name: must not be empty".into()));
        }
        let namespace = namespace_or_default(&o.namespace);
        let label = if o.source.is_empty() { format!("{} {namespace}/{}", o.kind, o.name) } else { o.source.clone() };
        if o.spec_json.len() > MAX_SPEC_BYTES {
            return Err(CoreError::Invalid(format!(
                "upsert_object.spec_json: {label}: the spec is {} bytes; at most {MAX_SPEC_BYTES} are accepted",
                o.spec_json.len()
            )));
        }
        let object = SchemaObject::from_spec_json(&o.kind, &o.name, namespace, &label, &o.spec_json)
            .map_err(|e| CoreError::Invalid(format!("upsert_object: {e}")))?;
        let okey = ObjectKey { kind: object.kind().to_string(), key: Key::new(namespace, &o.name) };
        if o.deleting {
            // Held by our finalizer: the spec that comes with the deletion is the resource's last.
            self.forget_object(&okey);
            return self.object_deleted(&okey, Some(object)).await;
        }
        let remove_on_deletion = object.remove_on_deletion();
        let entry = ObjectEntry { object, spec_json: o.spec_json.clone(), spec_hash: fingerprint(&o.spec_json) };
        let unchanged = {
            let mut r = self.resources();
            if let Some(seen) = r.object_resync.as_mut() {
                seen.insert(okey.clone());
            }
            let planned = r.object_memory.get(&okey).is_some_and(|m| m.planned);
            let previous = r.objects.insert(okey.clone(), entry.clone());
            planned && previous.is_some_and(|p| p.spec_hash == entry.spec_hash)
        };
        if remove_on_deletion {
            self.store().hold_object(&okey.kind, namespace, &o.name).await;
        } else {
            // removeOnDeletion may have been switched off since it was held.
            self.store().release_object(&okey.kind, namespace, &o.name).await;
        }
        if !unchanged {
            self.schedule_object(okey, Reason::Spec, Duration::ZERO);
        }
        Ok(())
    }

    /// A Function, DatabaseExtension or View resource is gone (an explicit deletion from the watcher).
    pub async fn delete_object(self: &Arc<Self>, r: &pb::SchemaObjectRef) -> Result<(), CoreError> {
        let okey = ObjectKey { kind: r.kind.clone(), key: Key::new(namespace_or_default(&r.namespace), &r.name) };
        let remembered = self.forget_object(&okey);
        self.object_deleted(&okey, remembered.map(|e| e.object)).await
    }

    /// An object the watcher did not list again in a resync: forgotten, its plans not yet
    /// approved superseded, but nothing dropped and the resource not let go. A resync gap is no
    /// deletion (a manifest that does not parse at the watcher's start, a CRD briefly not
    /// served): only an explicit deletion (`delete_object`, or `deleting` in Kubernetes, where
    /// the finalizer holds the resource until then) plans a removal.
    pub(crate) async fn object_missing(self: &Arc<Self>, okey: &ObjectKey) -> Result<(), CoreError> {
        if self.forget_object(okey).is_none() {
            return Ok(());
        }
        tracing::warn!(object = %okey, "not listed by the watcher's resync: forgotten; nothing is dropped (only a deletion drops)");
        self.supersede_planned(okey, &format!("the {} resource was not listed by the watcher", okey.kind)).await
    }

    fn forget_object(&self, okey: &ObjectKey) -> Option<ObjectEntry> {
        let mut r = self.resources();
        r.object_memory.remove(okey);
        r.objects.remove(okey)
    }

    async fn supersede_planned(&self, okey: &ObjectKey, why: &str) -> Result<(), CoreError> {
        let _guard = self.transitions_lock().await?;
        for mut m in self.object_migrations(okey).await? {
            if m.phase == Phase::Planned {
                m.phase = Phase::Superseded;
                m.error = why.to_string();
                m.version += 1;
                self.update(&m).await?;
            }
        }
        Ok(())
    }

    /// Supersedes the plans not yet approved for a deleted object, records its removal when
    /// it asked for one, then lets the resource go. `object` is `None` when the planner no
    /// longer knows it (already handled, or deleted while the planner was away).
    async fn object_deleted(self: &Arc<Self>, okey: &ObjectKey, object: Option<SchemaObject>) -> Result<(), CoreError> {
        let (namespace, name) = (okey.key.namespace.as_str(), okey.key.name.as_str());
        if let Some(object) = object {
            self.supersede_planned(okey, &format!("the {} resource was deleted", okey.kind)).await?;
            if object.remove_on_deletion() {
                match self.plan_removal(okey, &object).await {
                    Ok(Removal::Done) => {}
                    Ok(Removal::NoDatabase(db_key)) => {
                        if self.store().database_exists(&db_key.namespace, &db_key.name).await {
                            // Held until the Database is known again (its Secret resolves…).
                            self.wait_for_database(okey, &db_key).await;
                            self.retry_removal(okey.clone(), object);
                            return Ok(());
                        }
                        tracing::warn!(object = %okey, database = %db_key, "deleted with removeOnDeletion, but its Database is gone: nothing is dropped; letting the resource go");
                    }
                    Err(e) => {
                        // Held until it is recorded: tried again in the background (the watcher
                        // sends a deletion once), and the event says why meanwhile.
                        self.retry_removal(okey.clone(), object);
                        return Err(e);
                    }
                }
            }
        }
        self.store().release_object(&okey.kind, namespace, name).await;
        Ok(())
    }

    async fn wait_for_database(&self, okey: &ObjectKey, db_key: &Key) {
        let message =
            format!("waiting for Database {db_key} to be known to the planner to record the removal; the resource is held until then");
        tracing::warn!(object = %okey, database = %db_key, "deleted with removeOnDeletion, but its Database is not known (yet): holding the resource and retrying");
        self.store().report_object_phase(&okey.kind, &okey.key.namespace, &okey.key.name, "Deleting", &message).await;
    }

    /// Records a removal that could not be recorded (the store failed, the Database is not
    /// known yet), with backoff, then lets the resource go.
    fn retry_removal(self: &Arc<Self>, okey: ObjectKey, object: SchemaObject) {
        let core = Arc::clone(self);
        tokio::spawn(async move {
            for attempt in 1u32.. {
                tokio::time::sleep(retry_delay(attempt)).await;
                if core.resources().objects.contains_key(&okey) {
                    return; // re-created meanwhile: nothing to remove
                }
                match core.plan_removal(&okey, &object).await {
                    Ok(Removal::Done) => {}
                    Ok(Removal::NoDatabase(db_key)) => {
                        if core.store().database_exists(&db_key.namespace, &db_key.name).await {
                            tracing::debug!(object = %okey, database = %db_key, attempt, "the Database is not known yet; retrying");
                            continue;
                        }
                        tracing::warn!(object = %okey, database = %db_key, "its Database is gone: nothing is dropped; letting the resource go");
                    }
                    Err(e) => {
                        tracing::warn!(object = %okey, attempt, error = %e, "cannot record the removal yet; retrying");
                        continue;
                    }
                }
                core.store().release_object(&okey.kind, &okey.key.namespace, &okey.key.name).await;
                return;
            }
        });
    }

    /// Records the Migration that drops a deleted object with `removeOnDeletion`.
    async fn plan_removal(self: &Arc<Self>, okey: &ObjectKey, object: &SchemaObject) -> Result<Removal, CoreError> {
        let db_key = Key::new(&okey.key.namespace, object.database());
        let Some(database) = self.database(&db_key) else {
            return Ok(Removal::NoDatabase(db_key));
        };
        let mut warnings = Vec::new();
        let statements = schemahero_engine::object_removal(database.driver, object, &mut warnings);
        for w in warnings {
            tracing::warn!(warning = %w, "planning a removal");
        }
        if statements.is_empty() {
            return Ok(Removal::Done);
        }
        // `DROP … IF EXISTS` is right whatever the live state is by then.
        let plan = Plan { statements, fingerprint: schemahero_engine::UNCHECKED_FINGERPRINT.to_string() };
        let spec_json = object.spec_json().map_err(|e| CoreError::Invalid(format!("{okey}: {e}")))?;
        let entry = ObjectEntry { object: object.clone(), spec_hash: fingerprint(&spec_json), spec_json };
        if let Recorded::Open(m) = self.record_object_plan(okey, &entry, &database, &plan, Reason::Spec, true).await? {
            tracing::info!(object = %okey, migration = %m.id, phase = m.phase.as_str(), "planned the removal of a deleted object");
        }
        Ok(Removal::Done)
    }

    /// Plans the object after `delay` (in the background).
    pub(crate) fn schedule_object(self: &Arc<Self>, okey: ObjectKey, reason: Reason, delay: Duration) {
        let core = Arc::clone(self);
        tokio::spawn(async move {
            if !delay.is_zero() {
                tokio::time::sleep(delay).await;
            }
            core.plan_object(&okey, reason).await;
        });
    }

    /// Plans the objects of a Database that appeared or changed.
    pub(crate) fn schedule_objects_of(self: &Arc<Self>, database: &Key) {
        let keys: Vec<ObjectKey> = self
            .resources()
            .objects
            .iter()
            .filter(|(k, e)| k.key.namespace == database.namespace && e.object.database() == database.name)
            .map(|(k, _)| k.clone())
            .collect();
        for okey in keys {
            self.schedule_object(okey, Reason::Spec, Duration::ZERO);
        }
    }

    pub fn object_keys(&self) -> Vec<ObjectKey> {
        self.resources().objects.keys().cloned().collect()
    }

    /// Plans one object now, unless a plan of it is running (which then runs once more).
    pub async fn plan_object(self: &Arc<Self>, okey: &ObjectKey, reason: Reason) {
        {
            let mut r = self.resources();
            if !r.objects.contains_key(okey) {
                return;
            }
            let memory = r.object_memory.entry(okey.clone()).or_default();
            if memory.planning {
                memory.again = true;
                return;
            }
            memory.planning = true;
        }
        loop {
            self.plan_object_once(okey, reason).await;
            let mut r = self.resources();
            let known = r.objects.contains_key(okey);
            let Some(memory) = r.object_memory.get_mut(okey) else { return };
            if memory.again && known {
                memory.again = false;
                continue;
            }
            memory.planning = false;
            memory.again = false;
            if !known {
                r.object_memory.remove(okey);
            }
            return;
        }
    }

    async fn plan_object_once(self: &Arc<Self>, okey: &ObjectKey, reason: Reason) {
        let Some(entry) = self.resources().objects.get(okey).cloned() else { return };
        let db_key = Key::new(&okey.key.namespace, entry.object.database());
        let Some(database) = self.database(&db_key) else {
            // Planned when the Database arrives (`upsert_database`).
            tracing::info!(object = %okey, database = %db_key, "waiting for the object's Database");
            return;
        };
        let span = tracing::info_span!("planner.plan_object", object = %okey, reason = reason.as_str());
        let mut warnings = Vec::new();
        let plan = tracing::Instrument::instrument(
            async {
                let engine = self.engine_for(&db_key, &database).await?;
                engine.plan_object(&entry.object, &mut warnings).await
            },
            span,
        )
        .await;
        for w in &warnings {
            tracing::warn!(warning = %w, "planning");
        }
        let plan = match plan {
            Ok(plan) => plan,
            Err(e) => return self.retry_object(okey, reason, &e.to_string()),
        };
        let signature = (entry.spec_hash.clone(), plan.fingerprint.clone());
        let known_in_sync = self.resources().object_memory.get(okey).and_then(|m| m.in_sync.clone()) == Some(signature.clone());
        if plan.is_empty() && known_in_sync {
            return;
        }
        let recorded = match self.record_object_plan(okey, &entry, &database, &plan, reason, false).await {
            Ok(Recorded::Stale) => return, // deleted or changed meanwhile: its own event plans it
            Ok(Recorded::InSync) => None,
            Ok(Recorded::Open(m)) => Some(*m),
            Err(e) => return self.retry_object(okey, reason, &e.to_string()),
        };
        {
            let mut r = self.resources();
            let memory = r.object_memory.entry(okey.clone()).or_default();
            memory.failures = 0;
            memory.planned = true;
            memory.in_sync = recorded.is_none().then_some(signature);
        }
        let (phase, message) = match &recorded {
            // Nothing planned because the engine has no such objects (or the spec no section
            // for it): not "Applied".
            None if !warnings.is_empty() => ("Skipped", warnings.iter().map(|w| w.message.clone()).collect::<Vec<_>>().join("; ")),
            None => ("Applied", format!("the {} is as its spec says", okey.kind)),
            Some(m) => ("Planned", format!("migration {} is {}", m.id, m.phase.as_str())),
        };
        self.report_object_phase(okey, phase, message).await;
    }

    /// Shows the object's phase unless it is what was last shown.
    async fn report_object_phase(&self, okey: &ObjectKey, phase: &str, message: String) {
        let report = (phase.to_string(), message);
        {
            let mut r = self.resources();
            let Some(memory) = r.object_memory.get_mut(okey) else { return };
            if memory.reported.as_ref() == Some(&report) {
                return;
            }
            memory.reported = Some(report.clone());
        }
        self.store().report_object_phase(&okey.kind, &okey.key.namespace, &okey.key.name, &report.0, &report.1).await;
    }

    fn retry_object(self: &Arc<Self>, okey: &ObjectKey, reason: Reason, message: &str) {
        let attempt = {
            let mut r = self.resources();
            let Some(memory) = r.object_memory.get_mut(okey) else { return };
            memory.failures += 1;
            memory.in_sync = None;
            memory.failures
        };
        let delay = retry_delay(attempt);
        tracing::warn!(object = %okey, error = %message, attempt, retry_in_ms = delay.as_millis() as u64, "planning failed; retrying");
        self.schedule_object(okey.clone(), reason, delay);
    }

    /// The migrations of one object (not those of a Table of the same name).
    async fn object_migrations(&self, okey: &ObjectKey) -> Result<Vec<MigrationRecord>, CoreError> {
        let filter = Filter { namespace: Some(okey.key.namespace.clone()), table: Some(okey.key.name.clone()), ..Filter::default() };
        Ok(self.store().list(&filter).await?.into_iter().filter(|m| m.resource_kind == okey.kind).collect())
    }

    /// The object's migration now open, if any.
    pub(crate) async fn current_object_migration(&self, okey: &ObjectKey) -> Result<Option<MigrationRecord>, CoreError> {
        Ok(self.object_migrations(okey).await?.into_iter().rev().find(|m| m.phase.is_open()))
    }

    /// Records an object's plan: nothing when it is already the open migration's, supersedes
    /// a Planned one it replaces, waits for an approved or executing one. A `removal` (the
    /// object was deleted) never waits: its DROP is recorded after the open migration, and
    /// executors take a database's migrations one at a time in plan order, so it runs after it.
    /// A plan of an object that was deleted or changed while it was planned is not recorded.
    async fn record_object_plan(
        &self,
        okey: &ObjectKey,
        entry: &ObjectEntry,
        database: &DatabaseEntry,
        plan: &Plan,
        reason: Reason,
        removal: bool,
    ) -> Result<Recorded, CoreError> {
        let _guard = self.transitions_lock().await?;
        if !removal && self.resources().objects.get(okey).map(|e| e.spec_hash.as_str()) != Some(entry.spec_hash.as_str()) {
            return Ok(Recorded::Stale);
        }
        let existing = self.object_migrations(okey).await?;
        let open: Vec<&MigrationRecord> = existing.iter().filter(|m| m.phase.is_open()).collect();
        if let Some(same) = open.iter().find(|m| m.same_statements(&plan.statements))
            && let Some(next) = crate::admission::readmit(same, database, now_millis())
        {
            self.update(&next).await?;
            return Ok(Recorded::Open(Box::new(next)));
        }
        if let Some(same) = open.iter().find(|m| m.same_statements(&plan.statements)) {
            return Ok(Recorded::Open(Box::new((*same).clone())));
        }
        if plan.statements.is_empty() {
            for m in open.iter().filter(|m| m.phase == Phase::Planned) {
                let mut next = (*m).clone();
                next.phase = Phase::Superseded;
                next.error = format!("no longer needed: the {} already matches its spec", okey.kind);
                next.version += 1;
                self.update(&next).await?;
            }
            return Ok(Recorded::InSync);
        }
        if !removal && let Some(busy) = open.iter().find(|m| m.phase != Phase::Planned) {
            return Ok(Recorded::Open(Box::new((*busy).clone())));
        }
        if reason == Reason::Drift
            && let Some(last) = existing.last()
            && last.phase == Phase::Rejected
            && last.same_statements(&plan.statements)
        {
            return Ok(Recorded::InSync); // the reviewer already said no to exactly this
        }
        for m in open.iter().filter(|m| m.phase == Phase::Planned) {
            let mut next = (*m).clone();
            next.phase = Phase::Superseded;
            next.error = "replaced by a newer plan".into();
            next.version += 1;
            self.update(&next).await?;
        }
        // Strictly after every migration of the object (executors go in `planned_at` order).
        let now = existing.iter().map(|m| m.planned_at + 1).fold(now_millis(), i64::max);
        let seed = format!("{okey}{}{}{now}{}", entry.spec_hash, plan.fingerprint, existing.len());
        let admission = crate::admission::admit(database, &plan.statements);
        let record = MigrationRecord {
            id: format!("{}-{}", okey.key.name, &fingerprint(&seed)[..8]),
            namespace: okey.key.namespace.clone(),
            database: entry.object.database().to_string(),
            table_resource: okey.key.name.clone(),
            table: entry.object.object_name(),
            phase: admission.phase,
            statements: plan.statements.clone(),
            fingerprint: plan.fingerprint.clone(),
            spec_hash: entry.spec_hash.clone(),
            spec_json: entry.spec_json.clone(),
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
            resource_kind: okey.kind.clone(),
            approval_comment: String::new(),
            rejection_comment: String::new(),
            revision: 0,
            conditions: admission.conditions,
        };
        self.store().insert(&record).await?;
        schemahero_telemetry::metrics::counter("schemahero_migrations_total", &[("phase", record.phase.as_str())]).inc();
        tracing::info!(migration = %record.id, object = %okey, phase = record.phase.as_str(), statements = record.statements.len(), "planned");
        Ok(Recorded::Open(Box::new(record)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::Config;
    use crate::store::{SqlStore, SqlTransitionLock, StoreError};
    use std::sync::Mutex;
    use std::sync::atomic::{AtomicBool, Ordering};

    /// The SQL store, recording what it is asked to do with the resources.
    struct TestStore {
        inner: SqlStore,
        released: Mutex<Vec<String>>,
        phases: Mutex<Vec<(String, String)>>,
        database_exists: AtomicBool,
    }

    impl MigrationStore for TestStore {
        type TransitionLock = SqlTransitionLock;
        async fn lock_transitions(&self) -> Result<SqlTransitionLock, StoreError> {
            self.inner.lock_transitions().await
        }
        async fn release_object(&self, kind: &str, namespace: &str, name: &str) {
            self.released.lock().unwrap().push(format!("{kind} {namespace}/{name}"));
        }
        async fn report_object_phase(&self, _kind: &str, _namespace: &str, _name: &str, phase: &str, message: &str) {
            self.phases.lock().unwrap().push((phase.to_string(), message.to_string()));
        }
        async fn database_exists(&self, _namespace: &str, _name: &str) -> bool {
            self.database_exists.load(Ordering::SeqCst)
        }
        async fn insert(&self, m: &MigrationRecord) -> Result<(), StoreError> {
            self.inner.insert(m).await
        }
        async fn get(&self, id: &str) -> Result<Option<MigrationRecord>, StoreError> {
            self.inner.get(id).await
        }
        async fn list(&self, filter: &Filter) -> Result<Vec<MigrationRecord>, StoreError> {
            self.inner.list(filter).await
        }
        async fn update(&self, m: &MigrationRecord) -> Result<bool, StoreError> {
            self.inner.update(m).await
        }
        async fn next_fencing_token(&self) -> Result<i64, StoreError> {
            self.inner.next_fencing_token().await
        }
        async fn planned_spec_hash(&self, namespace: &str, table_resource: &str) -> Result<Option<String>, StoreError> {
            self.inner.planned_spec_hash(namespace, table_resource).await
        }
        async fn set_planned_spec_hash(&self, namespace: &str, table_resource: &str, hash: Option<&str>) -> Result<(), StoreError> {
            self.inner.set_planned_spec_hash(namespace, table_resource, hash).await
        }
    }

    async fn core(test: &str) -> Arc<PlannerCore<TestStore>> {
        let path = std::env::temp_dir().join(format!("planner-objects-{}-{test}.db", std::process::id()));
        let _ = std::fs::remove_file(&path);
        let inner = SqlStore::open(path.to_str().unwrap()).await.unwrap();
        let store = TestStore { inner, released: Mutex::default(), phases: Mutex::default(), database_exists: AtomicBool::new(false) };
        PlannerCore::new(
            store,
            Config { debounce: Duration::from_millis(10), drift_interval: Duration::from_secs(3600), validate_plans: true },
        )
    }

    const SPEC: &str = r#"{"database":"app","name":"double_it","removeOnDeletion":true,"schema":{"postgres":{"lang":"PLpgSQL","params":[{"name":"n","type":"integer"}],"return":"integer","as":"BEGIN RETURN n * 2; END;"}}}"#;

    fn function(deleting: bool) -> pb::SchemaObject {
        pb::SchemaObject {
            kind: "Function".into(),
            namespace: "default".into(),
            name: "double-it".into(),
            spec_json: SPEC.into(),
            deleting,
            ..Default::default()
        }
    }

    fn okey() -> ObjectKey {
        ObjectKey { kind: "Function".into(), key: Key::new("default", "double-it") }
    }

    /// A Database the planner knows but cannot reach (planning fails and retries quietly).
    fn unreachable_database(core: &Arc<PlannerCore<TestStore>>) {
        core.upsert_database(
            Key::new("default", "app"),
            "postgres",
            "postgres://postgres@127.0.0.1:1/none",
            false,
            false,
            Default::default(),
        )
        .unwrap();
    }

    async fn migrations(core: &PlannerCore<TestStore>) -> Vec<MigrationRecord> {
        core.store().list(&Filter::default()).await.unwrap()
    }

    fn is_drop(m: &MigrationRecord) -> bool {
        m.statements.iter().any(|s| s.sql.to_uppercase().contains("DROP FUNCTION"))
    }

    fn create_migration(phase: Phase) -> MigrationRecord {
        let object = SchemaObject::from_spec_json("Function", "double-it", "default", "test", SPEC).unwrap();
        MigrationRecord {
            id: "double-it-create".into(),
            namespace: "default".into(),
            database: "app".into(),
            table_resource: "double-it".into(),
            table: object.object_name(),
            phase,
            statements: vec![schemahero_plan::PlannedStatement::new(
                "double_it",
                "CREATE FUNCTION double_it(n integer) RETURNS integer AS $$ BEGIN RETURN n * 2; END; $$ LANGUAGE plpgsql",
            )],
            spec_hash: fingerprint(SPEC),
            spec_json: SPEC.into(),
            planned_at: now_millis() + 60_000, // even "later" than now: the drop still goes after it
            version: 1,
            resource_kind: "Function".into(),
            ..MigrationRecord::default()
        }
    }

    /// Finding 6: an approved CREATE open for the object does not swallow its removal; the DROP
    /// is recorded after it (and so is claimed after it).
    #[tokio::test]
    async fn removal_is_recorded_while_an_approved_migration_is_open() {
        let core = core("approved-open").await;
        unreachable_database(&core);
        core.store().insert(&create_migration(Phase::Approved)).await.unwrap();
        core.upsert_object(&function(true)).await.unwrap();
        let all = migrations(&core).await;
        let create = all.iter().find(|m| m.id == "double-it-create").unwrap();
        assert_eq!(create.phase, Phase::Approved);
        let drop = all.iter().find(|m| is_drop(m)).unwrap_or_else(|| panic!("no DROP recorded: {all:?}"));
        assert_eq!(drop.phase, Phase::Planned);
        assert!(drop.planned_at > create.planned_at, "the DROP must be ordered after the open CREATE");
        assert_eq!(*core.store().released.lock().unwrap(), vec!["Function default/double-it".to_string()]);
        // Approved too, it is claimed only after the CREATE (one at a time per database).
        core.approve(&drop.id, "test", "").await.unwrap();
        let first = core.claim("executor", 60).await.unwrap().expect("a claim");
        assert_eq!(first.migration.id, "double-it-create");
        assert!(core.claim("executor", 60).await.unwrap().is_none(), "the DROP waits for the CREATE");
    }

    /// Finding 7: a plan made before the object was deleted (or changed) is not recorded.
    #[tokio::test]
    async fn a_plan_of_an_object_deleted_meanwhile_is_not_recorded() {
        let core = core("stale").await;
        let object = SchemaObject::from_spec_json("Function", "double-it", "default", "test", SPEC).unwrap();
        let entry = ObjectEntry { object, spec_json: SPEC.into(), spec_hash: fingerprint(SPEC) };
        let database = DatabaseEntry {
            driver: schemahero_engine::Driver::Postgres,
            uri: "postgres://x".into(),
            immediate_deploy: true,
            deploy_seed_data: false,
            hazard_policy: Default::default(),
        };
        let plan = Plan { statements: create_migration(Phase::Planned).statements, fingerprint: "live".into() };
        // Not known (deleted while planned).
        let recorded = core.record_object_plan(&okey(), &entry, &database, &plan, Reason::Spec, false).await.unwrap();
        assert!(matches!(recorded, Recorded::Stale));
        // Known with another spec (changed while planned).
        let mut changed = entry.clone();
        changed.spec_hash = "other".into();
        core.resources().objects.insert(okey(), changed);
        let recorded = core.record_object_plan(&okey(), &entry, &database, &plan, Reason::Spec, false).await.unwrap();
        assert!(matches!(recorded, Recorded::Stale));
        assert!(migrations(&core).await.is_empty());
        // The removal path records whatever the planner knows.
        core.resources().objects.clear();
        let recorded = core.record_object_plan(&okey(), &entry, &database, &plan, Reason::Spec, true).await.unwrap();
        assert!(matches!(recorded, Recorded::Open(_)));
    }

    /// Finding 8: an object missing from a resync is forgotten, not dropped, and not let go.
    #[tokio::test]
    async fn a_resync_gap_drops_nothing() {
        let core = core("resync-gap").await;
        unreachable_database(&core);
        core.upsert_object(&function(false)).await.unwrap();
        core.resync_start();
        unreachable_database(&core); // listed again; the Function is not
        core.resync_end().await.unwrap();
        assert!(core.object_keys().is_empty(), "forgotten");
        assert!(migrations(&core).await.iter().all(|m| !is_drop(m)), "nothing dropped");
        assert!(core.store().released.lock().unwrap().is_empty(), "the resource is not let go");
        // An explicit deletion still drops.
        core.upsert_object(&function(true)).await.unwrap();
        assert!(migrations(&core).await.iter().any(is_drop));
        assert_eq!(core.store().released.lock().unwrap().len(), 1);
    }

    /// Finding 9: a deletion whose Database is not known is held while the Database exists,
    /// and recorded once it is known.
    #[tokio::test]
    async fn an_unknown_but_existing_database_holds_the_deletion() {
        let core = core("unknown-database").await;
        core.store().database_exists.store(true, Ordering::SeqCst);
        core.upsert_object(&function(true)).await.unwrap();
        assert!(core.store().released.lock().unwrap().is_empty(), "held while the Database exists");
        assert!(core.store().phases.lock().unwrap().iter().any(|(p, m)| p == "Deleting" && m.contains("default/app")));
        unreachable_database(&core);
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        while core.store().released.lock().unwrap().is_empty() {
            assert!(std::time::Instant::now() < deadline, "the removal was not recorded once the Database was known");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        assert!(migrations(&core).await.iter().any(is_drop));
    }

    /// Finding 9: with the Database gone for good, the resource is let go (nothing to drop).
    #[tokio::test]
    async fn a_gone_database_lets_the_deletion_go() {
        let core = core("gone-database").await;
        core.upsert_object(&function(true)).await.unwrap();
        assert_eq!(core.store().released.lock().unwrap().len(), 1);
        assert!(migrations(&core).await.is_empty());
    }
}
