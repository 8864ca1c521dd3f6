//! Functions and DatabaseExtensions: database objects planned into Migrations like Tables, one
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

/// A Function or DatabaseExtension resource: its kind and namespace/name.
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

fn namespace_or_default(namespace: &str) -> &str {
    if namespace.is_empty() { "default" } else { namespace }
}

impl<S: MigrationStore> PlannerCore<S> {
    /// A Function or DatabaseExtension appeared, changed, or (`deleting`) is being deleted.
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

    /// A Function or DatabaseExtension resource is gone.
    pub async fn delete_object(self: &Arc<Self>, r: &pb::SchemaObjectRef) -> Result<(), CoreError> {
        let okey = ObjectKey { kind: r.kind.clone(), key: Key::new(namespace_or_default(&r.namespace), &r.name) };
        let remembered = self.forget_object(&okey);
        self.object_deleted(&okey, remembered.map(|e| e.object)).await
    }

    fn forget_object(&self, okey: &ObjectKey) -> Option<ObjectEntry> {
        let mut r = self.resources();
        r.object_memory.remove(okey);
        r.objects.remove(okey)
    }

    /// Supersedes the plans not yet approved for a deleted object, records its removal when
    /// it asked for one, then lets the resource go. `object` is `None` when the planner no
    /// longer knows it (already handled, or deleted while the planner was away).
    async fn object_deleted(self: &Arc<Self>, okey: &ObjectKey, object: Option<SchemaObject>) -> Result<(), CoreError> {
        let (namespace, name) = (okey.key.namespace.as_str(), okey.key.name.as_str());
        if let Some(object) = object {
            {
                let _guard = self.transitions_lock().await?;
                for mut m in self.object_migrations(okey).await? {
                    if m.phase == Phase::Planned {
                        m.phase = Phase::Superseded;
                        m.error = format!("the {} resource was deleted", okey.kind);
                        m.version += 1;
                        self.update(&m).await?;
                    }
                }
            }
            if object.remove_on_deletion()
                && let Err(e) = self.plan_removal(okey, &object).await
            {
                // Held until it is recorded: tried again in the background (the watcher sends a
                // deletion once), and the event says why meanwhile.
                self.retry_removal(okey.clone(), object);
                return Err(e);
            }
        }
        self.store().release_object(&okey.kind, namespace, name).await;
        Ok(())
    }

    /// Records a removal that could not be recorded (the store failed), with backoff, then
    /// lets the resource go.
    fn retry_removal(self: &Arc<Self>, okey: ObjectKey, object: SchemaObject) {
        let core = Arc::clone(self);
        tokio::spawn(async move {
            for attempt in 1u32.. {
                tokio::time::sleep(retry_delay(attempt)).await;
                if core.resources().objects.contains_key(&okey) {
                    return; // re-created meanwhile: nothing to remove
                }
                match core.plan_removal(&okey, &object).await {
                    Ok(()) => {
                        core.store().release_object(&okey.kind, &okey.key.namespace, &okey.key.name).await;
                        return;
                    }
                    Err(e) => tracing::warn!(object = %okey, attempt, error = %e, "cannot record the removal yet; retrying"),
                }
            }
        });
    }

    /// Records the Migration that drops a deleted object with `removeOnDeletion`.
    async fn plan_removal(self: &Arc<Self>, okey: &ObjectKey, object: &SchemaObject) -> Result<(), CoreError> {
        let db_key = Key::new(&okey.key.namespace, object.database());
        let Some(database) = self.database(&db_key) else {
            tracing::warn!(object = %okey, database = %db_key, "deleted with removeOnDeletion, but its Database is not known: nothing is dropped");
            return Ok(());
        };
        let mut warnings = Vec::new();
        let statements = schemahero_engine::object_removal(database.driver, object, &mut warnings);
        for w in warnings {
            tracing::warn!(warning = %w, "planning a removal");
        }
        if statements.is_empty() {
            return Ok(());
        }
        // `DROP … IF EXISTS` is right whatever the live state is by then.
        let plan = Plan { statements, fingerprint: schemahero_engine::UNCHECKED_FINGERPRINT.to_string() };
        let spec_json = object.spec_json().map_err(|e| CoreError::Invalid(format!("{okey}: {e}")))?;
        let entry = ObjectEntry { object: object.clone(), spec_hash: fingerprint(&spec_json), spec_json };
        let recorded = self.record_object_plan(okey, &entry, &database, &plan, Reason::Spec).await?;
        if let Some(m) = recorded {
            tracing::info!(object = %okey, migration = %m.id, phase = m.phase.as_str(), "planned the removal of a deleted object");
        }
        Ok(())
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
        let recorded = match self.record_object_plan(okey, &entry, &database, &plan, reason).await {
            Ok(recorded) => recorded,
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
    /// a Planned one it replaces, waits for an approved or executing one.
    async fn record_object_plan(
        &self,
        okey: &ObjectKey,
        entry: &ObjectEntry,
        database: &DatabaseEntry,
        plan: &Plan,
        reason: Reason,
    ) -> Result<Option<MigrationRecord>, CoreError> {
        let _guard = self.transitions_lock().await?;
        let existing = self.object_migrations(okey).await?;
        let open: Vec<&MigrationRecord> = existing.iter().filter(|m| m.phase.is_open()).collect();
        if let Some(same) = open.iter().find(|m| m.same_statements(&plan.statements)) {
            return Ok(Some((*same).clone()));
        }
        if plan.statements.is_empty() {
            for m in open.iter().filter(|m| m.phase == Phase::Planned) {
                let mut next = (*m).clone();
                next.phase = Phase::Superseded;
                next.error = format!("no longer needed: the {} already matches its spec", okey.kind);
                next.version += 1;
                self.update(&next).await?;
            }
            return Ok(None);
        }
        if let Some(busy) = open.iter().find(|m| m.phase != Phase::Planned) {
            return Ok(Some((*busy).clone()));
        }
        if reason == Reason::Drift
            && let Some(last) = existing.last()
            && last.phase == Phase::Rejected
            && last.same_statements(&plan.statements)
        {
            return Ok(None); // the reviewer already said no to exactly this
        }
        for m in open.iter().filter(|m| m.phase == Phase::Planned) {
            let mut next = (*m).clone();
            next.phase = Phase::Superseded;
            next.error = "replaced by a newer plan".into();
            next.version += 1;
            self.update(&next).await?;
        }
        let now = now_millis();
        let seed = format!("{okey}{}{}{now}{}", entry.spec_hash, plan.fingerprint, existing.len());
        let immediate = database.immediate_deploy;
        let record = MigrationRecord {
            id: format!("{}-{}", okey.key.name, &fingerprint(&seed)[..8]),
            namespace: okey.key.namespace.clone(),
            database: entry.object.database().to_string(),
            table_resource: okey.key.name.clone(),
            table: entry.object.object_name(),
            phase: if immediate { Phase::Approved } else { Phase::Planned },
            statements: plan.statements.clone(),
            fingerprint: plan.fingerprint.clone(),
            spec_hash: entry.spec_hash.clone(),
            spec_json: entry.spec_json.clone(),
            planned_at: now,
            approved_at: if immediate { now } else { 0 },
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
            approved_by: if immediate { "immediateDeploy".into() } else { String::new() },
            rejected_by: String::new(),
            recalculated_by: String::new(),
            resource_kind: okey.kind.clone(),
            approval_comment: String::new(),
            rejection_comment: String::new(),
            revision: 0,
        };
        self.store().insert(&record).await?;
        schemahero_telemetry::metrics::counter("schemahero_migrations_total", &[("phase", record.phase.as_str())]).inc();
        tracing::info!(migration = %record.id, object = %okey, phase = record.phase.as_str(), statements = record.statements.len(), "planned");
        Ok(Some(record))
    }
}
