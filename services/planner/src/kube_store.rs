//! The Kubernetes migration store: every migration is a `Migration` custom resource in the
//! Table's namespace, owned by its Table (so it is garbage-collected with it) and labelled with
//! its database and table; what the planner decides lives in `status`, guarded by the object's
//! resourceVersion plus our own version counter. The spec hash last planned is the Table's
//! `status.lastPlannedTableSpecSHA` (SchemaHero's field); fencing tokens come from a ConfigMap.

use crate::model::{MigrationCondition, MigrationRecord, Phase, PlannedStatement, Reason};
use crate::store::{ConditionReport, ConditionTarget, Filter, MigrationStore, StoreError};
use k8s_openapi::api::core::v1::ConfigMap;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::OwnerReference;
use kube::api::{ListParams, ObjectMeta, Patch, PatchParams, PostParams};
use kube::{Api, Client, ResourceExt};
use schemahero_k8s::{Condition, Database, Migration, MigrationSpec, MigrationStatus, Table};
use std::collections::BTreeMap;
use std::sync::Arc;

mod cache;
mod objects;
use cache::{MigrationCache, Pace, TableCache};

/// Batches up to this many tables list each table's Migrations instead of the database's.
const PER_TABLE_LISTING_UP_TO: usize = 16;

/// Migrations created per second at most (client-side, like client-go's QPS).
const MIGRATION_CREATIONS_PER_SECOND: u32 = 50;

pub const LABEL_DATABASE: &str = "schemahero.io/database";
pub const LABEL_TABLE: &str = "schemahero.io/table";
const FENCING_CONFIGMAP: &str = "schemahero-fencing";

pub struct KubeStore {
    client: Client,
    /// Where the fencing ConfigMap lives (the planner's own namespace).
    namespace: String,
    /// The namespaces this planner serves (all when empty).
    served: Vec<String>,
    /// Every served Table as last seen by a watch (status included): spec hashes, conditions
    /// and owner uids are read here instead of one GET per table.
    tables: TableCache,
    /// Every served Migration, for lists and gets without a request each.
    migrations: MigrationCache,
    /// Paces Migration creations (a burst of plans must not flood the API server).
    creations: Pace,
}

fn err(e: kube::Error) -> StoreError {
    StoreError::Open { target: "kubernetes".into(), message: e.to_string() }
}

/// WatchMigrations before the Migration watch has listed: the client tries again shortly.
fn not_listed_yet() -> StoreError {
    StoreError::Open { target: "kubernetes".into(), message: "the planner has not listed the Migrations yet; try again shortly".into() }
}

fn is_conflict(e: &kube::Error) -> bool {
    matches!(e, kube::Error::Api(s) if s.code == 409)
}

impl KubeStore {
    /// Starts watching the served Tables (in the background; reads fall back to GETs until the
    /// first listing is in). Needs a tokio runtime.
    pub fn new(client: Client, namespace: impl Into<String>, served: Vec<String>) -> Self {
        let tables = TableCache::start(&client, &served);
        let migrations = MigrationCache::start(&client, &served);
        KubeStore {
            client,
            namespace: namespace.into(),
            served,
            tables,
            migrations,
            creations: Pace::per_second(MIGRATION_CREATIONS_PER_SECOND),
        }
    }

    /// A served Table: from the watch cache once it is ready, else from the API server.
    async fn table(&self, namespace: &str, name: &str) -> Result<Option<Arc<Table>>, StoreError> {
        if let Some(found) = self.tables.get(namespace, name) {
            return Ok(found);
        }
        let api: Api<Table> = Api::namespaced(self.client.clone(), namespace);
        Ok(api.get_opt(name).await.map_err(err)?.map(Arc::new))
    }

    /// One API per served namespace (one cluster-wide API when serving all).
    fn migration_apis(&self, namespace: Option<&str>) -> Vec<Api<Migration>> {
        match namespace {
            Some(ns) if self.served.is_empty() || self.served.iter().any(|s| s == ns) => vec![Api::namespaced(self.client.clone(), ns)],
            Some(_) => Vec::new(),
            None if self.served.is_empty() => vec![Api::all(self.client.clone())],
            None => self.served.iter().map(|ns| Api::namespaced(self.client.clone(), ns)).collect(),
        }
    }

    pub fn client(&self) -> &Client {
        &self.client
    }
}

pub fn status_of(m: &MigrationRecord) -> MigrationStatus {
    MigrationStatus {
        phase: m.phase.as_str().to_string(),
        planned_at: m.planned_at,
        approved_at: m.approved_at,
        executed_at: m.executed_at,
        trace_id: m.trace_id.clone(),
        traceparent: m.traceparent.clone(),
        error: m.error.clone(),
        waiting_reason: m.waiting_reason.clone(),
        attempts: m.attempts,
        executor: m.executor.clone(),
        fencing_token: m.fencing_token,
        lease_expires_at: m.lease_expires_at,
        not_before: m.not_before,
        version: m.version,
        recalculated: String::new(),
        approved_by: m.approved_by.clone(),
        rejected_by: m.rejected_by.clone(),
        recalculated_by: m.recalculated_by.clone(),
        approval_comment: m.approval_comment.clone(),
        rejection_comment: m.rejection_comment.clone(),
        conditions: m
            .conditions
            .iter()
            .map(|c| Condition {
                type_: c.kind.clone(),
                status: c.status.clone(),
                reason: c.reason.clone(),
                message: c.message.clone(),
                last_transition_time: String::new(),
            })
            .collect(),
        ..MigrationStatus::default()
    }
}

/// The planner's record of a Migration it made; `None` for anything else, notably the
/// Migrations SchemaHero (Go) made before the switch: they are history, never claimed,
/// executed, superseded or deleted here (their DDL was planned by another engine against a
/// state of the database that may be gone; every Table is planned again from the live database).
/// Their phase spellings (`APPROVED`) would otherwise parse as ours, case-insensitively.
pub fn record_of(obj: &Migration) -> Option<MigrationRecord> {
    if obj.is_schemahero_made() {
        return None;
    }
    let status = obj.status.clone().unwrap_or_default();
    let phase = Phase::parse(&status.phase)?;
    Some(MigrationRecord {
        id: obj.name_any(),
        namespace: obj.namespace().unwrap_or_default(),
        database: obj.spec.database.clone(),
        table_resource: obj.spec.table_resource.clone(),
        table: obj.spec.table_name.clone(),
        phase,
        statements: obj.spec.statements.iter().cloned().map(PlannedStatement::with_kind).collect(),
        fingerprint: obj.spec.schema_fingerprint.clone(),
        spec_hash: obj.spec.spec_hash.clone(),
        spec_json: obj.spec.table_spec.clone(),
        planned_at: status.planned_at,
        approved_at: status.approved_at,
        executed_at: status.executed_at,
        trace_id: status.trace_id,
        traceparent: status.traceparent,
        error: status.error,
        waiting_reason: status.waiting_reason,
        attempts: status.attempts,
        executor: status.executor,
        reason: Reason::parse(&obj.spec.reason)?,
        fencing_token: status.fencing_token,
        lease_expires_at: status.lease_expires_at,
        not_before: status.not_before,
        version: status.version,
        approved_by: status.approved_by,
        rejected_by: status.rejected_by,
        recalculated_by: status.recalculated_by,
        resource_kind: obj.spec.resource_kind.clone(),
        approval_comment: status.approval_comment,
        rejection_comment: status.rejection_comment,
        // Set by the watch cache when it takes the record (its change sequence).
        revision: 0,
        conditions: status
            .conditions
            .iter()
            .map(|c| MigrationCondition {
                kind: c.type_.clone(),
                status: c.status.clone(),
                reason: c.reason.clone(),
                message: c.message.clone(),
            })
            .collect(),
    })
}

fn planned_ddl(m: &MigrationRecord) -> String {
    m.statements.iter().map(|s| format!("{};\n", s.sql)).collect()
}

/// `conditions` with `report` merged in; `None` when nothing changes (no write needed).
pub fn merge_condition(conditions: &[Condition], report: &ConditionReport, now: &str) -> Option<Vec<Condition>> {
    let status = if report.status { "True" } else { "False" };
    let mut out = conditions.to_vec();
    match out.iter_mut().find(|c| c.type_ == report.kind.as_str()) {
        Some(c) if c.status == status && c.reason == report.reason.as_str() && c.message == report.message => return None,
        Some(c) => {
            if c.status != status {
                c.last_transition_time = now.to_string();
            }
            c.status = status.into();
            c.reason = report.reason.as_str().to_string();
            c.message = report.message.clone();
        }
        None => out.push(Condition {
            type_: report.kind.as_str().into(),
            status: status.into(),
            reason: report.reason.as_str().to_string(),
            message: report.message.clone(),
            last_transition_time: now.to_string(),
        }),
    }
    Some(out)
}

/// `conditions` with every report merged in; `None` when nothing changes.
fn merge_conditions(conditions: &[Condition], reports: &[ConditionReport], now: &str) -> Option<Vec<Condition>> {
    let mut merged: Option<Vec<Condition>> = None;
    for report in reports {
        if let Some(next) = merge_condition(merged.as_deref().unwrap_or(conditions), report, now) {
            merged = Some(next);
        }
    }
    merged
}

fn rfc3339_now() -> String {
    k8s_openapi::jiff::Timestamp::now().to_string()
}

/// Merges `reports` into the resource's conditions and writes them in one patch (none when
/// nothing changes).
async fn patch_conditions<K>(api: Api<K>, name: &str, current: Option<Vec<Condition>>, reports: &[ConditionReport])
where
    K: kube::Resource + Clone + serde::de::DeserializeOwned + std::fmt::Debug,
{
    let Some(merged) = merge_conditions(&current.unwrap_or_default(), reports, &rfc3339_now()) else { return };
    let patch = serde_json::json!({ "status": { "conditions": merged } });
    if let Err(e) = api.patch_status(name, &PatchParams::default(), &Patch::Merge(&patch)).await {
        tracing::debug!(name, error = %e, "could not record a condition");
    }
}

impl MigrationStore for KubeStore {
    // Kubernetes mode runs one planner (the Deployment has one replica); every write is still
    // a compare-and-set on resourceVersion.
    type TransitionLock = ();

    async fn lock_transitions(&self) -> Result<(), StoreError> {
        Ok(())
    }

    async fn report_condition(&self, target: ConditionTarget<'_>, condition: ConditionReport) {
        self.report_conditions(target, vec![condition]).await;
    }

    async fn report_conditions(&self, target: ConditionTarget<'_>, conditions: Vec<ConditionReport>) {
        match target {
            ConditionTarget::Table { namespace, name } => {
                if let Ok(Some(t)) = self.table(namespace, name).await {
                    let api: Api<Table> = Api::namespaced(self.client.clone(), namespace);
                    patch_conditions(api, name, t.status.as_ref().map(|s| s.conditions.clone()), &conditions).await;
                }
            }
            ConditionTarget::Database { namespace, name } => {
                let api: Api<Database> = Api::namespaced(self.client.clone(), namespace);
                if let Ok(Some(d)) = api.get_opt(name).await {
                    patch_conditions(api, name, d.status.map(|s| s.conditions), &conditions).await;
                }
            }
        }
    }

    /// One status patch: the spec hash and the merged conditions together.
    async fn record_planned(
        &self,
        namespace: &str,
        table_resource: &str,
        spec_hash: Option<&str>,
        conditions: Vec<ConditionReport>,
    ) -> Result<(), StoreError> {
        let Some(table) = self.table(namespace, table_resource).await? else { return Ok(()) }; // the Table is gone
        let current = table.status.as_ref().map(|s| s.conditions.clone()).unwrap_or_default();
        let merged = merge_conditions(&current, &conditions, &rfc3339_now());
        let mut status = serde_json::Map::new();
        if let Some(hash) = spec_hash {
            status.insert("lastPlannedTableSpecSHA".into(), hash.into());
        }
        if let Some(merged) = merged {
            status.insert(
                "conditions".into(),
                serde_json::to_value(merged).map_err(|e| StoreError::Open { target: "kubernetes".into(), message: e.to_string() })?,
            );
        }
        if status.is_empty() {
            return Ok(());
        }
        let api: Api<Table> = Api::namespaced(self.client.clone(), namespace);
        let patch = serde_json::json!({ "status": status });
        match api.patch_status(table_resource, &PatchParams::default(), &Patch::Merge(&patch)).await {
            Ok(_) => Ok(()),
            Err(kube::Error::Api(s)) if s.code == 404 => Ok(()),
            Err(e) => Err(err(e)),
        }
    }

    async fn preload_migrations(&self, namespace: &str, database: &str, tables: usize) -> Result<Option<Vec<MigrationRecord>>, StoreError> {
        if tables <= PER_TABLE_LISTING_UP_TO {
            // A change or two: listing each table's Migrations (by label) is cheaper than
            // reading all of the database's.
            return Ok(None);
        }
        let filter = Filter { namespace: Some(namespace.to_string()), database: Some(database.to_string()), ..Filter::default() };
        Ok(Some(self.list(&filter).await?))
    }

    async fn current_revision(&self) -> Result<Option<i64>, StoreError> {
        self.migrations.head().map(Some).ok_or_else(not_listed_yet)
    }

    fn oldest_revision(&self) -> i64 {
        self.migrations.oldest()
    }

    async fn changes_since(&self, revision: i64, limit: usize) -> Result<Option<Vec<MigrationRecord>>, StoreError> {
        self.migrations.changes_since(revision, limit).map(Some).ok_or_else(not_listed_yet)
    }

    async fn insert(&self, m: &MigrationRecord) -> Result<(), StoreError> {
        self.creations.wait().await;
        let owner = if m.is_table() {
            self.table(&m.namespace, &m.table_resource).await?.and_then(|t| {
                t.uid().map(|uid| OwnerReference {
                    api_version: "schemas.schemahero.io/v1alpha4".into(),
                    kind: "Table".into(),
                    name: t.name_any(),
                    uid,
                    controller: Some(true),
                    block_owner_deletion: Some(false),
                })
            })
        } else {
            objects::owner(&self.client, &m.resource_kind, &m.namespace, &m.table_resource).await
        };
        let labels =
            BTreeMap::from([(LABEL_DATABASE.to_string(), m.database.clone()), (LABEL_TABLE.to_string(), m.table_resource.clone())]);
        let object = Migration {
            metadata: ObjectMeta {
                name: Some(m.id.clone()),
                namespace: Some(m.namespace.clone()),
                labels: Some(labels),
                owner_references: owner.map(|o| vec![o]),
                ..ObjectMeta::default()
            },
            spec: MigrationSpec {
                database: m.database.clone(),
                table_name: m.table.clone(),
                table_resource: m.table_resource.clone(),
                planned_ddl: planned_ddl(m),
                statements: m.statements.clone(),
                schema_fingerprint: m.fingerprint.clone(),
                spec_hash: m.spec_hash.clone(),
                table_spec: m.spec_json.clone(),
                reason: m.reason.as_str().to_string(),
                resource_kind: m.resource_kind.clone(),
                ..MigrationSpec::default()
            },
            status: None,
        };
        let api: Api<Migration> = Api::namespaced(self.client.clone(), &m.namespace);
        api.create(&PostParams::default(), &object).await.map_err(err)?;
        let patch = serde_json::json!({ "status": status_of(m) });
        api.patch_status(&m.id, &PatchParams::default(), &Patch::Merge(&patch)).await.map_err(err)?;
        self.migrations.wrote(m);
        Ok(())
    }

    async fn get(&self, id: &str) -> Result<Option<MigrationRecord>, StoreError> {
        if let Some(found) = self.migrations.get(id) {
            return Ok(found);
        }
        for api in self.migration_apis(None) {
            let found = api.list(&ListParams::default().fields(&format!("metadata.name={id}"))).await.map_err(err)?;
            if let Some(record) = found.items.iter().find_map(record_of) {
                return Ok(Some(record));
            }
        }
        Ok(None)
    }

    async fn list(&self, filter: &Filter) -> Result<Vec<MigrationRecord>, StoreError> {
        if let Some(mut found) = self.migrations.list(filter) {
            found.sort_by(|a, b| (a.planned_at, &a.id).cmp(&(b.planned_at, &b.id)));
            return Ok(found);
        }
        let mut selectors = Vec::new();
        if let Some(db) = &filter.database {
            selectors.push(format!("{LABEL_DATABASE}={db}"));
        }
        if let Some(t) = &filter.table {
            selectors.push(format!("{LABEL_TABLE}={t}"));
        }
        let params = if selectors.is_empty() { ListParams::default() } else { ListParams::default().labels(&selectors.join(",")) };
        let mut out: Vec<MigrationRecord> = Vec::new();
        for api in self.migration_apis(filter.namespace.as_deref()) {
            let items = api.list(&params).await.map_err(err)?.items;
            out.extend(items.iter().filter_map(record_of).filter(|m| filter.phase.is_none_or(|p| m.phase == p)));
        }
        out.sort_by(|a, b| (a.planned_at, &a.id).cmp(&(b.planned_at, &b.id)));
        Ok(out)
    }

    async fn update(&self, m: &MigrationRecord) -> Result<bool, StoreError> {
        let api: Api<Migration> = Api::namespaced(self.client.clone(), &m.namespace);
        let Some(current) = api.get_opt(&m.id).await.map_err(err)? else { return Ok(false) };
        if current.status.as_ref().map(|s| s.version) != Some(m.version - 1) {
            return Ok(false);
        }
        let mut status = status_of(m);
        if let Some(old) = &current.status {
            status.recalculated = old.recalculated.clone();
            // The record's own conditions (hazard policy, validation) as it has them now, a
            // removed one gone; any other condition the resource carries is kept.
            let own = [crate::model::BLOCKED, crate::model::REVIEW_REQUIRED, crate::model::VALIDATED];
            let mut conditions: Vec<Condition> = old.conditions.iter().filter(|c| !own.contains(&c.type_.as_str())).cloned().collect();
            conditions.append(&mut status.conditions);
            status.conditions = conditions;
        }
        // The resourceVersion makes this a compare-and-set against concurrent writers.
        let patch = serde_json::json!({
            "apiVersion": "schemas.schemahero.io/v1alpha4",
            "kind": "Migration",
            "metadata": { "name": m.id, "resourceVersion": current.resource_version() },
            "status": status,
        });
        match api.patch_status(&m.id, &PatchParams::default(), &Patch::Merge(&patch)).await {
            Ok(_) => {
                self.migrations.wrote(m);
                Ok(true)
            }
            Err(e) if is_conflict(&e) => Ok(false),
            Err(e) => Err(err(e)),
        }
    }

    async fn next_fencing_token(&self) -> Result<i64, StoreError> {
        let api: Api<ConfigMap> = Api::namespaced(self.client.clone(), &self.namespace);
        for _ in 0..50 {
            match api.get_opt(FENCING_CONFIGMAP).await.map_err(err)? {
                None => {
                    let cm = ConfigMap {
                        metadata: ObjectMeta { name: Some(FENCING_CONFIGMAP.into()), ..ObjectMeta::default() },
                        data: Some(BTreeMap::from([("token".to_string(), "1".to_string())])),
                        ..ConfigMap::default()
                    };
                    match api.create(&PostParams::default(), &cm).await {
                        Ok(_) => return Ok(1),
                        Err(e) if is_conflict(&e) => continue,
                        Err(e) => return Err(err(e)),
                    }
                }
                Some(mut cm) => {
                    let current: i64 = cm.data.as_ref().and_then(|d| d.get("token")).and_then(|v| v.parse().ok()).unwrap_or(0);
                    let next = current + 1;
                    cm.data.get_or_insert_with(BTreeMap::new).insert("token".into(), next.to_string());
                    match api.replace(FENCING_CONFIGMAP, &PostParams::default(), &cm).await {
                        Ok(_) => return Ok(next),
                        Err(e) if is_conflict(&e) => continue,
                        Err(e) => return Err(err(e)),
                    }
                }
            }
        }
        Err(StoreError::Open { target: "kubernetes".into(), message: "fencing token: too many conflicting updates".into() })
    }

    async fn hold_object(&self, kind: &str, namespace: &str, name: &str) {
        objects::set_finalizer(&self.client, kind, namespace, name, true).await;
    }

    async fn release_object(&self, kind: &str, namespace: &str, name: &str) {
        objects::set_finalizer(&self.client, kind, namespace, name, false).await;
    }

    async fn database_exists(&self, namespace: &str, name: &str) -> bool {
        objects::database_exists(&self.client, namespace, name).await
    }

    async fn report_object_phase(&self, kind: &str, namespace: &str, name: &str, phase: &str, message: &str) {
        objects::report_phase(&self.client, kind, namespace, name, phase, message).await;
    }

    async fn planned_spec_hash(&self, namespace: &str, table_resource: &str) -> Result<Option<String>, StoreError> {
        let table = self.table(namespace, table_resource).await?;
        Ok(table.and_then(|t| t.status.clone()).map(|s| s.last_planned_table_spec_sha).filter(|h| !h.is_empty()))
    }

    async fn set_planned_spec_hash(&self, namespace: &str, table_resource: &str, hash: Option<&str>) -> Result<(), StoreError> {
        let api: Api<Table> = Api::namespaced(self.client.clone(), namespace);
        // null removes the field (Kubernetes 1.20 rejects an empty string there).
        let patch = serde_json::json!({ "status": { "lastPlannedTableSpecSHA": hash } });
        match api.patch_status(table_resource, &PatchParams::default(), &Patch::Merge(&patch)).await {
            Ok(_) => Ok(()),
            Err(kube::Error::Api(s)) if s.code == 404 => Ok(()), // the Table is gone
            Err(e) => Err(err(e)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{ConditionKind, ConditionReason};

    #[test]
    fn conditions_merge_by_type_and_keep_their_transition_time() {
        let planned = ConditionReport::new(ConditionKind::Planned, true, ConditionReason::InSync, "ok");
        let first = merge_condition(&[], &planned, "t1").unwrap();
        assert_eq!(first.len(), 1);
        assert_eq!((first[0].status.as_str(), first[0].last_transition_time.as_str()), ("True", "t1"));
        assert_eq!(merge_condition(&first, &planned, "t2"), None, "nothing to write when nothing changed");
        let reworded =
            merge_condition(&first, &ConditionReport::new(ConditionKind::Planned, true, ConditionReason::MigrationPlanned, "m1"), "t3")
                .unwrap();
        assert_eq!((reworded[0].reason.as_str(), reworded[0].last_transition_time.as_str()), ("MigrationPlanned", "t1"));
        let flipped = merge_condition(
            &reworded,
            &ConditionReport::new(ConditionKind::Planned, false, ConditionReason::WaitingForDatabase, "x"),
            "t4",
        )
        .unwrap();
        assert_eq!((flipped[0].status.as_str(), flipped[0].last_transition_time.as_str()), ("False", "t4"));
        let both = merge_condition(&flipped, &ConditionReport::new(ConditionKind::Error, true, ConditionReason::PlanFailed, "boom"), "t5")
            .unwrap();
        assert_eq!(both.iter().map(|c| c.type_.as_str()).collect::<Vec<_>>(), vec!["Planned", "Error"]);
    }
}
