//! The custom resources users write (`Database`, `Table`, `Function`, `DatabaseExtension`, `View`) and
//! the `Migration`s the planner records, as kube-rs types. The CRDs in `deploy/crds/` are generated from these (`cargo run
//! -p schemahero-k8s --bin schemahero-crdgen`) and a test fails if they drift apart.
//!
//! The schema of a Table's `spec.schema` / `spec.seedData` and a Database's `spec.connection`
//! is left open (`x-kubernetes-preserve-unknown-fields`): SchemaHero manifests carry fields we
//! do not model, and the planner validates the spec itself with errors that name the field,
//! shown in the Table's status — better than a generic admission rejection.
//!
//! The CRDs are a superset of SchemaHero's (Go) own, so that installing them over a cluster
//! that runs SchemaHero loses nothing: its fields are declared (`generatedDDL`, `isConnected`,
//! …) or, for the ones a newer SchemaHero may add, kept by `x-kubernetes-preserve-unknown-fields`
//! on every `spec` and `status` — without it the API server would prune them on the next write
//! of the object. See [`legacy`] for how SchemaHero's Migrations are read.

pub mod legacy;

use kube::CustomResource;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

fn open_object(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    schemars::json_schema!({ "type": "object", "x-kubernetes-preserve-unknown-fields": true })
}

fn open_value(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    schemars::json_schema!({ "x-kubernetes-preserve-unknown-fields": true })
}

/// A condition as Kubernetes tools expect it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Condition {
    #[serde(rename = "type")]
    pub type_: String,
    /// "True", "False" or "Unknown".
    pub status: String,
    // Empty strings are left out: Kubernetes 1.20 validates an empty string as null.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub reason: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub message: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub last_transition_time: String,
}

/// `spec.hazardPolicy`: `default` and one camelCase key per hazard kind, each `allow`,
/// `review` or `deny` (the API server rejects any other value).
fn hazard_policy_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    let decision = serde_json::json!({ "type": "string", "enum": ["allow", "review", "deny"] });
    let mut properties = serde_json::Map::new();
    for key in ["default", "deletesData", "tableRewrite", "longLock", "indexBuild", "updatesRows", "mayFail"] {
        properties.insert(key.to_string(), decision.clone());
    }
    schemars::json_schema!({ "type": "object", "properties": properties })
}

/// `databases.schemahero.io/v1alpha4` Database.
#[derive(CustomResource, Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[kube(group = "databases.schemahero.io", version = "v1alpha4", kind = "Database", namespaced)]
#[kube(status = "DatabaseStatus")]
#[kube(printcolumn = r#"{"name":"Immediate","type":"boolean","jsonPath":".spec.immediateDeploy"}"#)]
#[kube(printcolumn = r#"{"name":"Connected","type":"string","jsonPath":".status.conditions[?(@.type==\"Connected\")].status"}"#)]
#[kube(printcolumn = r#"{"name":"Age","type":"date","jsonPath":".metadata.creationTimestamp"}"#)]
#[serde(rename_all = "camelCase")]
#[schemars(extend("x-kubernetes-preserve-unknown-fields" = true))]
pub struct DatabaseSpec {
    /// `postgres`, `cockroachdb`, `sqlite` or `mysql`, each with `uri` (or host/port/user/
    /// password/dbname/sslmode), every value a `value` or `valueFrom.secretKeyRef`.
    #[serde(default)]
    #[schemars(schema_with = "open_object")]
    pub connection: serde_json::Value,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub immediate_deploy: bool,
    /// Plan the Tables' `seedData` (as SchemaHero's operator: only when set).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub deploy_seed_data: bool,
    /// Per hazard kind, whether a plan carrying it deploys by itself under `immediateDeploy`
    /// (`allow`), waits for a reviewer (`review`) or is blocked (`deny`); `default` for the
    /// kinds not named. Absent: everything allowed, as SchemaHero behaves.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    #[schemars(schema_with = "hazard_policy_schema")]
    pub hazard_policy: std::collections::BTreeMap<String, String>,
    /// SchemaHero's: allow a shell in its per-database pods. Kept, not used here.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub enable_shell_command: bool,
    /// SchemaHero's image and node selector for its per-database controller. Kept, not used here.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(schema_with = "open_object")]
    pub schemahero: Option<serde_json::Value>,
    /// SchemaHero's metadata (labels, annotations) for its per-database pods. Kept, not used here.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(schema_with = "open_object")]
    pub template: Option<serde_json::Value>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(extend("x-kubernetes-preserve-unknown-fields" = true))]
pub struct DatabaseStatus {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub conditions: Vec<Condition>,
    /// SchemaHero's connection status, kept as it wrote it (this planner reports the
    /// `Connected` condition instead).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_connected: Option<bool>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub last_ping: String,
}

/// `schemas.schemahero.io/v1alpha4` Table.
#[derive(CustomResource, Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[kube(group = "schemas.schemahero.io", version = "v1alpha4", kind = "Table", namespaced)]
#[kube(status = "TableStatus")]
#[kube(printcolumn = r#"{"name":"Database","type":"string","jsonPath":".spec.database"}"#)]
#[kube(printcolumn = r#"{"name":"Table","type":"string","jsonPath":".spec.name"}"#)]
#[kube(printcolumn = r#"{"name":"Planned","type":"string","jsonPath":".status.conditions[?(@.type==\"Planned\")].status"}"#)]
#[kube(printcolumn = r#"{"name":"Age","type":"date","jsonPath":".metadata.creationTimestamp"}"#)]
#[serde(rename_all = "camelCase")]
#[schemars(extend("x-kubernetes-preserve-unknown-fields" = true))]
pub struct TableSpec {
    #[serde(default)]
    pub database: String,
    #[serde(default)]
    pub name: String,
    /// The table's previous name: renamed to `name` rather than a new table created.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub renamed_from: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub requires: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(schema_with = "open_value")]
    pub schema: Option<serde_json::Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(schema_with = "open_value")]
    pub seed_data: Option<serde_json::Value>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(extend("x-kubernetes-preserve-unknown-fields" = true))]
pub struct TableStatus {
    /// SchemaHero's field: the hash of the spec last planned.
    #[serde(default, rename = "lastPlannedTableSpecSHA", skip_serializing_if = "String::is_empty")]
    pub last_planned_table_spec_sha: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub conditions: Vec<Condition>,
}

/// A Migration's statements are the plan's own type: hazards keep their closed kind.
pub use schemahero_plan::{Hazard, HazardKind, PlannedStatement};

/// `schemas.schemahero.io/v1alpha4` Migration: one planned change to one table. Approve or
/// reject it by setting `spec.approved` / `spec.rejected` (plain `kubectl patch`, the plugin or
/// GitOps); the planner moves `status.phase`. Migrations SchemaHero (Go) made have the same
/// kind with other fields (`generatedDDL`, `PLANNED`, unix seconds): see the `legacy` module.
#[derive(CustomResource, Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[kube(group = "schemas.schemahero.io", version = "v1alpha4", kind = "Migration", namespaced)]
#[kube(status = "MigrationStatus")]
#[kube(printcolumn = r#"{"name":"Database","type":"string","jsonPath":".spec.database"}"#)]
#[kube(printcolumn = r#"{"name":"Table","type":"string","jsonPath":".spec.tableName"}"#)]
#[kube(printcolumn = r#"{"name":"Phase","type":"string","jsonPath":".status.phase"}"#)]
#[kube(printcolumn = r#"{"name":"Age","type":"date","jsonPath":".metadata.creationTimestamp"}"#)]
#[serde(rename_all = "camelCase")]
#[schemars(extend("x-kubernetes-preserve-unknown-fields" = true))]
pub struct MigrationSpec {
    // Not required (defaulted): SchemaHero's Migrations have none of them but `tableName`.
    #[serde(default)]
    pub database: String,
    /// The database table (SchemaHero: the Table resource).
    #[serde(default)]
    pub table_name: String,
    /// The Table resource it was planned from.
    #[serde(default)]
    pub table_resource: String,
    /// The statements, joined as a script (as SchemaHero shows it).
    #[serde(default)]
    pub planned_ddl: String,
    #[serde(default)]
    pub statements: Vec<PlannedStatement>,
    /// Fingerprint of the live schema the plan was made against.
    #[serde(default)]
    pub schema_fingerprint: String,
    #[serde(default)]
    pub spec_hash: String,
    /// The Table spec (JSON) planned; the executor re-plans from it to detect a stale plan.
    #[serde(default)]
    pub table_spec: String,
    /// "spec" or "drift".
    #[serde(default)]
    pub reason: String,
    /// Empty for a Table; `Function` or `DatabaseExtension` when `tableResource` names one of
    /// those (and `tableSpec` holds its spec).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub resource_kind: String,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub approved: bool,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub rejected: bool,
    /// Set to a new value (e.g. a timestamp) to ask the planner for a fresh plan.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub recalculate: String,
    /// Who set `approved`, `rejected` or `recalculate`: `kubectl schemahero` fills in the
    /// Kubernetes user it is authenticated as; the planner copies it to the status.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub requested_by: String,
    /// Why it is approved or rejected (`kubectl schemahero approve|reject --comment`); the
    /// planner copies it to `status.approvalComment` or `status.rejectionComment`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub comment: String,
    /// SchemaHero's (Go) fields, read only from the Migrations it made (the `legacy` module); this
    /// planner never writes them (SchemaHero would execute a `generatedDDL` it finds approved).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub database_name: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub table_namespace: String,
    #[serde(default, rename = "generatedDDL", skip_serializing_if = "String::is_empty")]
    pub generated_ddl: String,
    #[serde(default, rename = "editedDDL", skip_serializing_if = "String::is_empty")]
    pub edited_ddl: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(extend("x-kubernetes-preserve-unknown-fields" = true))]
pub struct MigrationStatus {
    /// Ours: `Planned`, `Approved`, …; SchemaHero's: `PLANNED`, `APPROVED`, …
    #[serde(default)]
    pub phase: String,
    /// Unix milliseconds (0 when not reached); unix seconds on SchemaHero's Migrations.
    #[serde(default)]
    pub planned_at: i64,
    #[serde(default)]
    pub approved_at: i64,
    #[serde(default)]
    pub executed_at: i64,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub trace_id: String,
    /// W3C traceparent of the planning span; execution continues the same trace.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub traceparent: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub error: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub waiting_reason: String,
    #[serde(default)]
    pub attempts: i64,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub executor: String,
    #[serde(default)]
    pub fencing_token: i64,
    #[serde(default)]
    pub lease_expires_at: i64,
    #[serde(default)]
    pub not_before: i64,
    /// Increases with every change the planner makes (its compare-and-set counter).
    #[serde(default)]
    pub version: i64,
    /// The last `spec.recalculate` value the planner acted on.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub recalculated: String,
    /// Who approved, rejected or last recalculated it.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub approved_by: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub rejected_by: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub recalculated_by: String,
    /// What the reviewer wrote when approving or rejecting it.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub approval_comment: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub rejection_comment: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub conditions: Vec<Condition>,
    /// SchemaHero's (unix seconds); this planner never writes them.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub rejected_at: i64,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub invalidated_at: i64,
}

/// `schemas.schemahero.io/v1alpha4` Function: a Postgres function (`schema.postgres.{schema,
/// lang, params, returnSet, return, as}`), planned into Migrations like a Table. With
/// `removeOnDeletion` the planner holds it with a finalizer until it has recorded the Migration
/// that drops the function.
#[derive(CustomResource, Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[kube(group = "schemas.schemahero.io", version = "v1alpha4", kind = "Function", namespaced)]
#[kube(status = "ObjectStatus")]
#[kube(printcolumn = r#"{"name":"Namespace","type":"string","jsonPath":".metadata.namespace","priority":1}"#)]
#[kube(printcolumn = r#"{"name":"Function","type":"string","jsonPath":".spec.name"}"#)]
#[kube(printcolumn = r#"{"name":"Database","type":"string","jsonPath":".spec.database"}"#)]
#[kube(printcolumn = r#"{"name":"Age","type":"date","jsonPath":".metadata.creationTimestamp"}"#)]
#[serde(rename_all = "camelCase")]
#[schemars(extend("x-kubernetes-preserve-unknown-fields" = true))]
pub struct FunctionSpec {
    #[serde(default)]
    pub database: String,
    #[serde(default)]
    pub name: String,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub remove_on_deletion: bool,
    /// `postgres` (and other engines' sections, which SchemaHero accepts and ignores).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(schema_with = "open_object")]
    pub schema: Option<serde_json::Value>,
}

/// `schemas.schemahero.io/v1alpha4` DatabaseExtension: a Postgres extension a database should
/// have (`postgres.{name, version, schema}`). `status.phase` is `Applied` once it is in place.
#[derive(CustomResource, Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[kube(group = "schemas.schemahero.io", version = "v1alpha4", kind = "DatabaseExtension", namespaced)]
#[kube(status = "ObjectStatus")]
#[kube(printcolumn = r#"{"name":"Database","type":"string","jsonPath":".spec.database"}"#)]
#[kube(printcolumn = r#"{"name":"Phase","type":"string","jsonPath":".status.phase"}"#)]
#[kube(printcolumn = r#"{"name":"Age","type":"date","jsonPath":".metadata.creationTimestamp"}"#)]
#[serde(rename_all = "camelCase")]
#[schemars(extend("x-kubernetes-preserve-unknown-fields" = true))]
pub struct DatabaseExtensionSpec {
    #[serde(default)]
    pub database: String,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub remove_on_deletion: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(schema_with = "open_object")]
    pub postgres: Option<serde_json::Value>,
}

/// `schemas.schemahero.io/v1alpha4` View (SchemaHero's kind, with its fields): a plain view
/// (`schema.{postgres,mysql,sqlite}.{query, isDeleted}`; `timescaledb` read as SchemaHero has
/// it), planned into Migrations like a Table, after the tables it reads (`requires`, and those
/// its query names). `isDeleted: true` drops it.
#[derive(CustomResource, Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[kube(group = "schemas.schemahero.io", version = "v1alpha4", kind = "View", namespaced)]
#[kube(status = "ObjectStatus")]
#[kube(printcolumn = r#"{"name":"Namespace","type":"string","jsonPath":".metadata.namespace","priority":1}"#)]
#[kube(printcolumn = r#"{"name":"View","type":"string","jsonPath":".spec.name"}"#)]
#[kube(printcolumn = r#"{"name":"Database","type":"string","jsonPath":".spec.database"}"#)]
#[kube(printcolumn = r#"{"name":"Phase","type":"string","jsonPath":".status.phase"}"#)]
#[kube(printcolumn = r#"{"name":"Age","type":"date","jsonPath":".metadata.creationTimestamp"}"#)]
#[serde(rename_all = "camelCase")]
#[schemars(extend("x-kubernetes-preserve-unknown-fields" = true))]
pub struct ViewSpec {
    #[serde(default)]
    pub database: String,
    #[serde(default)]
    pub name: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub requires: Vec<String>,
    /// One section per engine (`postgres`, `mysql`, `sqlite`, `timescaledb`, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(schema_with = "open_object")]
    pub schema: Option<serde_json::Value>,
}

/// The status of a Function, DatabaseExtension or View (SchemaHero's fields).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(extend("x-kubernetes-preserve-unknown-fields" = true))]
pub struct ObjectStatus {
    /// `Applied` once the object is as its spec says; `Planned` while a Migration for it waits;
    /// `Skipped` when its database has no such objects (not Postgres).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub phase: String,
    /// Unix seconds (as SchemaHero writes it).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub applied_at: i64,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub message: String,
}

/// The finalizer the planner puts on a Function or DatabaseExtension with `removeOnDeletion`
/// (SchemaHero's names, so objects it finalized are released by this planner too).
pub fn finalizer_of(kind: &str) -> Option<&'static str> {
    match kind {
        "Function" => Some("functions.schemas.schemahero.io/finalizer"),
        "DatabaseExtension" => Some("databaseextensions.schemas.schemahero.io/finalizer"),
        _ => None,
    }
}

fn is_zero(n: &i64) -> bool {
    *n == 0
}

/// Removes `default` keywords from a schema: schemars derives them from `#[serde(default)]`,
/// and Kubernetes 1.20 rejects the empty-string defaults (the planner fills them anyway).
fn strip_defaults(value: &mut serde_json::Value) {
    match value {
        serde_json::Value::Object(map) => {
            map.remove("default");
            map.values_mut().for_each(strip_defaults);
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(strip_defaults),
        _ => {}
    }
}

fn crd_yaml(crd: &k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition) -> Result<String, String> {
    let mut value = serde_json::to_value(crd).map_err(|e| e.to_string())?;
    if let Some(versions) = value.pointer_mut("/spec/versions").and_then(|v| v.as_array_mut()) {
        for version in versions {
            if let Some(schema) = version.pointer_mut("/schema/openAPIV3Schema") {
                strip_defaults(schema);
            }
        }
    }
    serde_saphyr::to_string(&value).map_err(|e| e.to_string())
}

/// The CRDs as one multi-document YAML, in a stable order.
pub fn crds_yaml() -> Result<String, String> {
    let mut out = String::new();
    for (_, yaml) in crd_files()? {
        out.push_str("---\n");
        out.push_str(&yaml);
    }
    Ok(out)
}

/// File name under `deploy/crds/` for each CRD, with its YAML.
pub fn crd_files() -> Result<Vec<(String, String)>, String> {
    use kube::CustomResourceExt;
    let mut files = Vec::new();
    for (name, crd) in [
        ("databases", Database::crd()),
        ("tables", Table::crd()),
        ("migrations", Migration::crd()),
        ("functions", Function::crd()),
        ("databaseextensions", DatabaseExtension::crd()),
        ("views", View::crd()),
    ] {
        files.push((format!("{name}.yaml"), crd_yaml(&crd)?));
    }
    Ok(files)
}

#[cfg(test)]
mod tests;
