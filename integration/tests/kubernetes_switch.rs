//! Switching in place from SchemaHero (Go), against a real Kubernetes API server (KUBECONFIG)
//! and real PostgreSQL, with the services as local processes and the real CLI binary.
//!
//! 1. A cluster as SchemaHero leaves it — its Database, Tables (with its
//!    `lastPlannedTableSpecSHA`) and Migrations (`generatedDDL`, `PLANNED`/`APPROVED`/`EXECUTED`/…,
//!    unix seconds), the database already migrated — is adopted: SchemaHero's Migrations are
//!    never touched (an `APPROVED` one is never executed), each Table is planned once from the
//!    live database (nothing for the table that matches, one Migration for the one that does
//!    not), nothing loops, and the CLI shows SchemaHero's Migrations and refuses to approve them.
//! 2. Our CRDs applied over SchemaHero's own CRD shape (in a group of its own, so that other
//!    tests' CRDs are left alone) keep its objects whole and valid; switching back (its CRDs
//!    replaced over ours, ours deleted by label) leaves its objects whole too.

use kube::api::{Patch, PatchParams};
use kube::{Api, Client};
use schemahero_integration::kube_env::*;
use schemahero_integration::services::*;
use schemahero_k8s::{Database, Migration, Table};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(60);

/// The database as SchemaHero migrated it (its spelling of the DDL it generated).
const USERS_DDL: &str = "create table \"users\" (\"id\" integer, \"email\" character varying (255) not null, \"status\" text default 'active', primary key (\"id\"))";
const ORDERS_DDL: &str = "create table \"orders\" (\"id\" integer, primary key (\"id\"))";

fn manifests(uri: &str) -> String {
    // The Database with the fields SchemaHero has and this planner does not use.
    format!(
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: postgres-secret\ntype: Opaque\nstringData:\n  uri: {uri}\n---\n\
         apiVersion: databases.schemahero.io/v1alpha4\nkind: Database\nmetadata:\n  name: my-database\nspec:\n  immediateDeploy: false\n  deploySeedData: false\n  enableShellCommand: true\n  schemahero:\n    image: schemahero/schemahero:0.17.0\n    nodeSelector:\n      pool: db\n  template:\n    metadata:\n      labels:\n        team: data\n  connection:\n    postgres:\n      uri:\n        valueFrom:\n          secretKeyRef:\n            name: postgres-secret\n            key: uri\n---\n\
         apiVersion: schemas.schemahero.io/v1alpha4\nkind: Table\nmetadata:\n  name: users\nspec:\n  database: my-database\n  name: users\n  schema:\n    postgres:\n      primaryKey: [id]\n      columns:\n        - name: id\n          type: integer\n        - name: email\n          type: varchar(255)\n          constraints:\n            notNull: true\n        - name: status\n          type: text\n          default: active\n---\n\
         apiVersion: schemas.schemahero.io/v1alpha4\nkind: Table\nmetadata:\n  name: orders\nspec:\n  database: my-database\n  name: orders\n  schema:\n    postgres:\n      primaryKey: [id]\n      columns:\n        - name: id\n          type: integer\n        - name: note\n          type: text\n"
    )
}

/// SchemaHero's Migrations as its table controller writes them: name = the first 7 hex digits
/// of the Table's spec hash, owned by the Table, status in unix seconds. (name, table, spec,
/// status).
fn schemahero_migrations() -> Vec<(&'static str, &'static str, Value, Value)> {
    let spec =
        |table: &str, ddl: &str| json!({ "databaseName": "my-database", "tableName": table, "tableNamespace": "", "generatedDDL": ddl });
    let mut executed = spec("users", USERS_DDL);
    // A field of a newer SchemaHero that this one does not declare: kept all the same.
    executed["generatedDML"] = json!("update \"users\" set \"status\" = 'active'");
    let mut edited = spec("users", "alter table \"users\" add column \"legacy_a\" text");
    edited["editedDDL"] = json!("alter table \"users\" add column \"legacy_b\" text");
    vec![
        (
            "a1b2c3d",
            "users",
            executed,
            json!({ "phase": "EXECUTED", "plannedAt": 1_700_000_000, "approvedAt": 1_700_000_060, "executedAt": 1_700_000_120 }),
        ),
        (
            "b2c3d4e",
            "orders",
            spec("orders", "alter table \"orders\" add column \"note\" text"),
            json!({ "phase": "APPROVED", "plannedAt": 1_700_000_200, "approvedAt": 1_700_000_260 }),
        ),
        ("c3d4e5f", "users", edited, json!({ "phase": "PLANNED", "plannedAt": 1_700_000_300 })),
        // An older SchemaHero with immediateDeploy: no phase, approvedAt only. It would run it.
        (
            "d4e5f6a",
            "users",
            spec("users", "alter table \"users\" add column \"legacy_c\" text"),
            json!({ "plannedAt": 1_700_000_400, "approvedAt": 1_700_000_400 }),
        ),
        (
            "e5f6a7b",
            "users",
            spec("users", "alter table \"users\" drop column \"email\""),
            json!({ "phase": "INVALID", "plannedAt": 1_700_000_500, "invalidatedAt": 1_700_000_560 }),
        ),
        (
            "f6a7b8c",
            "users",
            spec("users", "drop table \"users\""),
            json!({ "phase": "REJECTED", "plannedAt": 1_700_000_600, "rejectedAt": 1_700_000_660 }),
        ),
    ]
}

fn get_json(args: &[&str]) -> Value {
    let mut all = vec!["get"];
    all.extend_from_slice(args);
    all.extend_from_slice(&["-o", "json"]);
    serde_json::from_str(&kubectl_ok(&all, None)).unwrap_or(Value::Null)
}

/// Every Migration in `ns`: name → the object.
fn migrations_in(ns: &str) -> BTreeMap<String, Value> {
    let list = get_json(&["migrations.schemas.schemahero.io", "-n", ns]);
    list["items"]
        .as_array()
        .map(|items| items.iter().map(|m| (m["metadata"]["name"].as_str().unwrap_or_default().to_string(), m.clone())).collect())
        .unwrap_or_default()
}

/// The Migrations this planner made in `ns` (they name their Table resource).
fn ours(ns: &str) -> Vec<Value> {
    migrations_in(ns).into_values().filter(|m| m["spec"]["tableResource"].as_str().is_some_and(|t| !t.is_empty())).collect()
}

fn resource_versions(ns: &str, kind: &str) -> BTreeMap<String, String> {
    let list = get_json(&[kind, "-n", ns]);
    list["items"]
        .as_array()
        .map(|items| {
            items
                .iter()
                .map(|m| {
                    let meta = &m["metadata"];
                    (
                        meta["name"].as_str().unwrap_or_default().to_string(),
                        meta["resourceVersion"].as_str().unwrap_or_default().to_string(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

async fn columns(uri: &str, table: &str) -> Vec<String> {
    use sqlx::{Connection, PgConnection};
    let mut conn = PgConnection::connect(uri).await.expect("connect to the test database");
    let rows: Vec<(String,)> =
        sqlx::query_as("SELECT column_name::text FROM information_schema.columns WHERE table_name = $1 ORDER BY ordinal_position")
            .bind(table)
            .fetch_all(&mut conn)
            .await
            .expect("read the columns");
    rows.into_iter().map(|(c,)| c).collect()
}

async fn run_sql(uri: &str, sql: &str) {
    use sqlx::{Connection, PgConnection};
    let mut conn = PgConnection::connect(uri).await.expect("connect to the test database");
    sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_string())).execute(&mut conn).await.expect("prepare the database");
}

/// A log without its colours (ANSI escape sequences).
fn plain(log: &str) -> String {
    let mut out = String::with_capacity(log.len());
    let mut chars = log.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            // ESC [ … final letter
            for c in chars.by_ref() {
                if c.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

fn cli_in(args: &[&str]) -> (bool, String, String) {
    let out = cli(args);
    (out.status.success(), String::from_utf8_lossy(&out.stdout).into_owned(), String::from_utf8_lossy(&out.stderr).into_owned())
}

fn cli_ok(args: &[&str]) -> String {
    let (ok, stdout, stderr) = cli_in(args);
    assert!(ok, "kubectl-schemahero {args:?} failed: {stderr}");
    stdout
}

/// The row of `name` in a `get migrations` table, split on whitespace.
fn row<'a>(listing: &'a str, name: &str) -> Vec<&'a str> {
    listing.lines().find(|l| l.split_whitespace().nth(1) == Some(name)).map(|l| l.split_whitespace().collect()).unwrap_or_default()
}

/// Creates the cluster SchemaHero left behind: its Database, Tables and Migrations, statuses
/// written through the status subresource (these CRDs have one; SchemaHero's did not).
async fn seed_schemahero_cluster(client: &Client, ns: &str, uri: &str) {
    kubectl_ok(&["apply", "-n", ns, "-f", "-"], Some(&manifests(uri)));
    let status = PatchParams::default();
    let databases: Api<Database> = Api::namespaced(client.clone(), ns);
    databases
        .patch_status(
            "my-database",
            &status,
            &Patch::Merge(&json!({ "status": { "isConnected": true, "lastPing": "2024-01-02T03:04:05Z" } })),
        )
        .await
        .expect("SchemaHero's Database status");
    let tables: Api<Table> = Api::namespaced(client.clone(), ns);
    let mut uids = BTreeMap::new();
    for table in ["users", "orders"] {
        // SchemaHero's hash of the spec (sha256 of its JSON): not the one this planner uses.
        let sha = format!("{:0>64}", format!("5c4e{table}"));
        let t = tables
            .patch_status(table, &status, &Patch::Merge(&json!({ "status": { "lastPlannedTableSpecSHA": sha } })))
            .await
            .expect("SchemaHero's Table status");
        uids.insert(table, t.metadata.uid.unwrap_or_default());
    }
    let migrations: Api<Migration> = Api::namespaced(client.clone(), ns);
    for (name, table, mut spec, migration_status) in schemahero_migrations() {
        spec["tableNamespace"] = json!(ns);
        let object = json!({
            "apiVersion": "schemas.schemahero.io/v1alpha4",
            "kind": "Migration",
            "metadata": {
                "name": name,
                "ownerReferences": [{
                    "apiVersion": "schemas.schemahero.io/v1alpha4", "kind": "Table", "name": table,
                    "uid": uids.get(table).cloned().unwrap_or_default(), "controller": true, "blockOwnerDeletion": true
                }]
            },
            "spec": spec,
        });
        kubectl_ok(&["create", "-n", ns, "-f", "-"], Some(&object.to_string()));
        migrations.patch_status(name, &status, &Patch::Merge(&json!({ "status": migration_status }))).await.expect("SchemaHero's status");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn schemahero_objects_are_adopted_and_its_migrations_kept_as_history() {
    require_cluster();
    apply_crds();
    let ns = fresh_namespace("switch");
    let uri = format!("{}?sslmode=disable", fresh_postgres_database("shk8s_switch").await);
    run_sql(&uri, &format!("{USERS_DDL}; {ORDERS_DDL}")).await;
    let client = Client::try_default().await.expect("a Kubernetes client from KUBECONFIG");
    seed_schemahero_cluster(&client, &ns, &uri).await;

    // What SchemaHero wrote is all there, its fields this planner does not model included.
    let before = migrations_in(&ns);
    assert_eq!(before.len(), 6, "{before:?}");
    assert_eq!(before["a1b2c3d"]["spec"]["generatedDML"], "update \"users\" set \"status\" = 'active'", "unknown fields are kept");
    assert_eq!(before["c3d4e5f"]["spec"]["editedDDL"], "alter table \"users\" add column \"legacy_b\" text");
    assert_eq!(before["b2c3d4e"]["status"]["approvedAt"], 1_700_000_260);
    let legacy_versions = resource_versions(&ns, "migrations.schemas.schemahero.io");

    let dir = scratch("k8s-switch");
    let (mut planner, address) = start_planner_k8s(&dir, &ns, 300);
    let _watcher = start_watcher_k8s(&dir, &address, &ns);
    let _executor = start_executor(&dir, &address, "exec-switch", 5);

    // Each Table is planned once from the live database: `orders` lacks `note` (SchemaHero's
    // APPROVED Migration for it never ran), `users` matches its spec.
    let ns2 = ns.clone();
    let planned = wait_for("a Migration of this planner for orders", WAIT, || {
        let found = ours(&ns2).into_iter().find(|m| m["spec"]["tableResource"] == "orders");
        async move { found }
    })
    .await;
    assert_eq!(planned["status"]["phase"], "Planned", "{planned}");
    assert!(
        planned["spec"]["plannedDdl"].as_str().is_some_and(|d| d.starts_with("ALTER TABLE \"orders\" ADD COLUMN \"note\"")),
        "{planned}"
    );
    let ns3 = ns.clone();
    wait_for("users to be planned to nothing", WAIT, || {
        let reason =
            kubectl(&["get", "table", "users", "-n", &ns3, "-o", r#"jsonpath={.status.conditions[?(@.type=="Planned")].reason}"#], None);
        let in_sync = String::from_utf8_lossy(&reason.stdout) == "InSync";
        async move { in_sync.then_some(()) }
    })
    .await;

    // Nothing loops: Tables and Migrations stay as they are.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let settled = (resource_versions(&ns, "tables.schemas.schemahero.io"), resource_versions(&ns, "migrations.schemas.schemahero.io"));
    tokio::time::sleep(Duration::from_secs(5)).await;
    let later = (resource_versions(&ns, "tables.schemas.schemahero.io"), resource_versions(&ns, "migrations.schemas.schemahero.io"));
    assert_eq!(settled, later, "the planner settled after one plan per Table");
    assert_eq!(ours(&ns).len(), 1, "no Migration for users (already migrated), one for orders: {:?}", ours(&ns));
    let users_sha = kubectl_ok(&["get", "table", "users", "-n", &ns, "-o", "jsonpath={.status.lastPlannedTableSpecSHA}"], None);
    assert!(users_sha.len() == 64 && !users_sha.starts_with("0000"), "the Table now records this planner's hash: {users_sha}");

    // SchemaHero's Migrations are untouched, and none of their DDL ran.
    let after = migrations_in(&ns);
    for (name, version) in &legacy_versions {
        assert_eq!(after[name]["metadata"]["resourceVersion"].as_str(), Some(version.as_str()), "{name} was written to: {}", after[name]);
    }
    assert_eq!(columns(&uri, "users").await, vec!["id", "email", "status"]);
    assert_eq!(columns(&uri, "orders").await, vec!["id"], "SchemaHero's APPROVED Migration is never executed here");
    let database = get_json(&["database", "my-database", "-n", &ns]);
    assert_eq!(database["status"]["isConnected"], true, "SchemaHero's Database status is kept: {database}");
    assert_eq!(database["spec"]["schemahero"]["image"], "schemahero/schemahero:0.17.0");
    assert_eq!(database["spec"]["template"]["metadata"]["labels"]["team"], "data");
    let log = plain(&planner.log_text());
    assert!(log.contains("Migrations made by SchemaHero (Go) found") && log.contains("count=6"), "the planner says what it found: {log}");

    // The CLI (Kubernetes mode) shows them, in this SchemaHero's phase names.
    let listing = cli_ok(&["get", "migrations", "-n", &ns]);
    assert_eq!(row(&listing, "a1b2c3d"), vec![ns.as_str(), "a1b2c3d", "my-database", "users", "Executed", "(SchemaHero)"], "{listing}");
    assert_eq!(row(&listing, "b2c3d4e")[4..], ["Approved", "(SchemaHero)"], "{listing}");
    assert_eq!(row(&listing, "c3d4e5f")[4..], ["Planned", "(SchemaHero)"], "{listing}");
    assert_eq!(row(&listing, "d4e5f6a")[4..], ["Approved", "(SchemaHero)"], "approvedAt without a phase: {listing}");
    assert_eq!(row(&listing, "e5f6a7b")[4..], ["Superseded", "(SchemaHero)"], "{listing}");
    assert_eq!(row(&listing, "f6a7b8c")[4..], ["Rejected", "(SchemaHero)"], "{listing}");
    let ours_name = planned["metadata"]["name"].as_str().unwrap_or_default().to_string();
    assert_eq!(row(&listing, &ours_name)[4..], ["Planned"], "{listing}");
    let orders = cli_ok(&["get", "migrations", "-n", &ns, "--table", "orders"]);
    assert_eq!(orders.lines().count(), 3, "SchemaHero's and ours for orders: {orders}");
    let approved = cli_ok(&["get", "migrations", "-n", &ns, "--phase", "Approved"]);
    assert!(approved.contains("b2c3d4e") && approved.contains("d4e5f6a") && approved.lines().count() == 3, "{approved}");

    let described = cli_ok(&["describe", "migration", "a1b2c3d", "-n", &ns]);
    for expected in [
        "Phase:           Executed (SchemaHero)\n",
        "Planned:         2023-11-14T22:13:20Z\n",
        "Executed:        2023-11-14T22:15:20Z\n",
        "Original phase:  EXECUTED\n",
        "SQL (generatedDDL):\n  create table \"users\" (",
    ] {
        assert!(described.contains(expected), "{expected:?} in:\n{described}");
    }
    let edited = cli_ok(&["describe", "migration", "c3d4e5f", "-n", &ns]);
    assert!(edited.contains("SQL (editedDDL):\n  alter table \"users\" add column \"legacy_b\" text;\n"), "{edited}");
    let json = cli_ok(&["describe", "migration", "e5f6a7b", "-n", &ns, "-o", "json"]);
    let view: Value = serde_json::from_str(&json).expect("describe -o json");
    assert_eq!((view["phase"].as_str(), view["schemahero"]["phase"].as_str()), (Some("Superseded"), Some("INVALID")), "{json}");
    assert_eq!(view["schemahero"]["invalidatedAt"], "2023-11-14T22:22:40Z", "{json}");

    // Approving one is refused, saying why and where the fresh plan is; nothing is written.
    for verb in ["approve", "reject", "recalculate"] {
        let (ok, _, stderr) = cli_in(&[verb, "migration", "b2c3d4e", "-n", &ns]);
        assert!(!ok, "{verb} of a SchemaHero Migration must fail");
        assert!(stderr.contains("planned by SchemaHero (Go)"), "{stderr}");
        assert!(stderr.contains(&format!("kubectl schemahero get migrations -n {ns} --table orders")), "{stderr}");
    }
    assert_eq!(resource_versions(&ns, "migrations.schemas.schemahero.io")["b2c3d4e"], legacy_versions["b2c3d4e"]);
    // A bare `kubectl patch` approval is ignored by the planner (and logged).
    kubectl_ok(&["patch", "migration", "c3d4e5f", "-n", &ns, "--type", "merge", "-p", r#"{"spec":{"approved":true}}"#], None);
    let log = planner.log.clone();
    wait_for("the planner to log the ignored approval", WAIT, || {
        let said = std::fs::read_to_string(&log).unwrap_or_default().contains("was approved, rejected or recalculated: ignored");
        async move { said.then_some(()) }
    })
    .await;

    // Ours is approved and runs; SchemaHero's stay as they were.
    assert!(cli_ok(&["approve", "migration", &ours_name, "-n", &ns]).contains("approved"));
    let (ns4, name4) = (ns.clone(), ours_name.clone());
    wait_for("this planner's Migration to run", WAIT, || {
        let done = migrations_in(&ns4).get(&name4).is_some_and(|m| m["status"]["phase"] == "Executed");
        async move { done.then_some(()) }
    })
    .await;
    assert_eq!(columns(&uri, "orders").await, vec!["id", "note"]);
    assert_eq!(columns(&uri, "users").await, vec!["id", "email", "status"], "none of SchemaHero's DDL ran");
    let last = migrations_in(&ns);
    for (name, _, _, status) in schemahero_migrations() {
        assert_eq!(last[name]["status"], status, "{name}'s status is as SchemaHero wrote it");
    }
    assert!(planner.is_running(), "{}", planner.log_text());
    kubectl(&["delete", "namespace", &ns, "--wait=false"], None);
}

/// SchemaHero's (Go) v1alpha4 CRDs for Migrations and Databases, in `group_suffix`'s groups:
/// the fields and validation of its types (the phase enum, `tableName` and `tableNamespace`
/// required, no status subresource on Migrations, `isConnected` and `lastPing` required).
fn schemahero_crds(group_suffix: &str) -> String {
    format!(
        r#"apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: migrations.schemas.{group_suffix}
spec:
  group: schemas.{group_suffix}
  names: {{kind: Migration, listKind: MigrationList, plural: migrations, singular: migration}}
  scope: Namespaced
  versions:
  - name: v1alpha4
    served: true
    storage: true
    subresources: {{}}
    additionalPrinterColumns:
    - {{jsonPath: .spec.databaseName, name: Database, type: string}}
    - {{jsonPath: .spec.tableName, name: Table, type: string}}
    - {{jsonPath: .metadata.namespace, name: Namespace, type: string, priority: 1}}
    - {{jsonPath: .status.phase, name: Phase, type: string}}
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            required: [tableName, tableNamespace]
            properties:
              databaseName: {{type: string}}
              tableName: {{type: string}}
              tableNamespace: {{type: string}}
              generatedDDL: {{type: string}}
              editedDDL: {{type: string}}
          status:
            type: object
            properties:
              phase: {{type: string, enum: [PLANNED, APPROVED, EXECUTED, INVALID, REJECTED]}}
              plannedAt: {{type: integer, format: int64}}
              invalidatedAt: {{type: integer, format: int64}}
              approvedAt: {{type: integer, format: int64}}
              rejectedAt: {{type: integer, format: int64}}
              executedAt: {{type: integer, format: int64}}
---
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: databases.databases.{group_suffix}
spec:
  group: databases.{group_suffix}
  names: {{kind: Database, listKind: DatabaseList, plural: databases, singular: database}}
  scope: Namespaced
  versions:
  - name: v1alpha4
    served: true
    storage: true
    subresources: {{status: {{}}}}
    schema:
      openAPIV3Schema:
        type: object
        required: [spec]
        properties:
          spec:
            type: object
            properties:
              connection: {{type: object, x-kubernetes-preserve-unknown-fields: true}}
              enableShellCommand: {{type: boolean}}
              immediateDeploy: {{type: boolean, default: false}}
              deploySeedData: {{type: boolean}}
              schemahero:
                type: object
                properties:
                  image: {{type: string}}
                  nodeSelector: {{type: object, additionalProperties: {{type: string}}}}
              template:
                type: object
                properties:
                  metadata: {{type: object, x-kubernetes-preserve-unknown-fields: true}}
          status:
            type: object
            required: [isConnected, lastPing]
            properties:
              isConnected: {{type: boolean}}
              lastPing: {{type: string}}
"#
    )
}

/// This repository's CRDs (deploy/crds) moved to `group_suffix`'s groups.
fn our_crds(group_suffix: &str) -> String {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../deploy/crds");
    ["migrations.yaml", "databases.yaml"]
        .iter()
        .map(|f| std::fs::read_to_string(dir.join(f)).expect("deploy/crds"))
        .map(|yaml| {
            yaml.replace("schemas.schemahero.io", &format!("schemas.{group_suffix}"))
                .replace("databases.schemahero.io", &format!("databases.{group_suffix}"))
        })
        .collect::<Vec<_>>()
        .join("---\n")
}

fn wait_established(group_suffix: &str) {
    for crd in [format!("crd/migrations.schemas.{group_suffix}"), format!("crd/databases.databases.{group_suffix}")] {
        kubectl_ok(&["wait", "--for=condition=Established", "--timeout=60s", &crd], None);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn our_crds_over_schemaheros_keep_its_objects_and_switching_back_too() {
    require_cluster();
    let suffix = format!("switch{}.test", std::process::id());
    let (migrations, databases) = (format!("migrations.schemas.{suffix}"), format!("databases.databases.{suffix}"));
    // SchemaHero's installer creates its CRDs; its objects follow, statuses as it writes them.
    kubectl_ok(&["create", "-f", "-"], Some(&schemahero_crds(&suffix)));
    wait_established(&suffix);
    let ns = fresh_namespace("switchcrd");
    let migration = json!({
        "apiVersion": format!("schemas.{suffix}/v1alpha4"), "kind": "Migration",
        "metadata": { "name": "a1b2c3d" },
        "spec": { "databaseName": "db", "tableName": "users", "tableNamespace": ns, "generatedDDL": "create table \"users\" (\"id\" integer)" },
        "status": { "phase": "EXECUTED", "plannedAt": 1_700_000_000, "approvedAt": 1_700_000_060, "executedAt": 1_700_000_120 },
    });
    kubectl_ok(&["create", "-n", &ns, "-f", "-"], Some(&migration.to_string()));
    let database = json!({
        "apiVersion": format!("databases.{suffix}/v1alpha4"), "kind": "Database",
        "metadata": { "name": "db" },
        "spec": {
            "immediateDeploy": true, "deploySeedData": true, "enableShellCommand": true,
            "schemahero": { "image": "schemahero/schemahero:0.17.0", "nodeSelector": { "pool": "db" } },
            "template": { "metadata": { "labels": { "team": "data" } } },
            "connection": { "postgres": { "uri": { "valueFrom": { "secretKeyRef": { "name": "pg", "key": "uri" } } } } }
        },
    });
    kubectl_ok(&["create", "-n", &ns, "-f", "-"], Some(&database.to_string()));
    let client = Client::try_default().await.expect("a Kubernetes client from KUBECONFIG");
    let gvk = kube::api::GroupVersionKind::gvk(&format!("databases.{suffix}"), "v1alpha4", "Database");
    let resource = kube::api::ApiResource::from_gvk_with_plural(&gvk, "databases");
    let dynamic: Api<kube::api::DynamicObject> = Api::namespaced_with(client.clone(), &ns, &resource);
    dynamic
        .patch_status(
            "db",
            &PatchParams::default(),
            &Patch::Merge(&json!({ "status": { "isConnected": true, "lastPing": "2024-01-02T03:04:05Z" } })),
        )
        .await
        .expect("SchemaHero's Database status");
    let theirs = (get_json(&[&migrations, "a1b2c3d", "-n", &ns]), get_json(&[&databases, "db", "-n", &ns]));

    // Install ours over them the way `kubectl schemahero install` does (server-side apply,
    // taking the fields over).
    kubectl_ok(
        &["apply", "--server-side", "--force-conflicts", "--field-manager", "kubectl-schemahero", "-f", "-"],
        Some(&our_crds(&suffix)),
    );
    wait_established(&suffix);
    let crd = get_json(&["crd", &migrations]);
    let version = &crd["spec"]["versions"][0];
    assert_eq!(version["subresources"]["status"], json!({}), "ours has the status subresource: {crd}");
    assert!(
        version["schema"]["openAPIV3Schema"]["properties"]["status"]["properties"]["phase"].get("enum").is_none(),
        "no phase enum left"
    );
    let status_path = format!("/apis/schemas.{suffix}/v1alpha4/namespaces/{ns}/migrations/a1b2c3d/status");
    wait_for("the status subresource to be served", WAIT, || {
        let served = kubectl(&["get", "--raw", &status_path], None).status.success();
        async move { served.then_some(()) }
    })
    .await;
    // Every object is whole, and still valid: an update (a label) is accepted.
    let adopted = (get_json(&[&migrations, "a1b2c3d", "-n", &ns]), get_json(&[&databases, "db", "-n", &ns]));
    for (before, after) in [(&theirs.0, &adopted.0), (&theirs.1, &adopted.1)] {
        assert_eq!((&before["spec"], &before["status"]), (&after["spec"], &after["status"]), "nothing lost");
    }
    kubectl_ok(&["label", &migrations, "a1b2c3d", "-n", &ns, "switched=yes"], None);
    kubectl_ok(&["label", &databases, "db", "-n", &ns, "switched=yes"], None);
    // The planner's status writes (merge patches of conditions) keep SchemaHero's status.
    dynamic
        .patch_status(
            "db",
            &PatchParams::default(),
            &Patch::Merge(&json!({ "status": { "conditions": [{ "type": "Connected", "status": "True" }] } })),
        )
        .await
        .expect("a condition, as the planner writes it");
    let with_condition = get_json(&[&databases, "db", "-n", &ns]);
    assert_eq!(with_condition["status"]["isConnected"], true, "{with_condition}");

    // A Migration this planner made (labelled, its own phase spelling).
    let ours = json!({
        "apiVersion": format!("schemas.{suffix}/v1alpha4"), "kind": "Migration",
        "metadata": { "name": "users-c97b9393", "labels": { "schemahero.io/database": "db", "schemahero.io/table": "users" } },
        "spec": { "database": "db", "tableName": "users", "tableResource": "users", "plannedDdl": "ALTER TABLE \"users\" ADD COLUMN \"x\" integer;\n" },
    });
    // kubectl's own check would use the published schema it cached before ours replaced it.
    kubectl_ok(&["create", "--validate=false", "-n", &ns, "-f", "-"], Some(&ours.to_string()));
    let migration_resource = kube::api::ApiResource::from_gvk_with_plural(
        &kube::api::GroupVersionKind::gvk(&format!("schemas.{suffix}"), "v1alpha4", "Migration"),
        "migrations",
    );
    let migration_api: Api<kube::api::DynamicObject> = Api::namespaced_with(client.clone(), &ns, &migration_resource);
    migration_api
        .patch_status(
            "users-c97b9393",
            &PatchParams::default(),
            &Patch::Merge(&json!({ "status": { "phase": "Executed", "plannedAt": 1_700_000_000_000_i64 } })),
        )
        .await
        .expect("our status");

    // Switching back as the README says: SchemaHero's CRDs replaced over ours, then ours deleted
    // by label. Its CRD refuses our phases (so ours could not stay), and keeps its own objects.
    kubectl_ok(&["replace", "-f", "-"], Some(&schemahero_crds(&suffix)));
    wait_established(&suffix);
    let ns3 = ns.clone();
    let migrations3 = migrations.clone();
    wait_for("SchemaHero's validation to be back", WAIT, || {
        let refused = kubectl(&["label", &migrations3, "users-c97b9393", "-n", &ns3, "back=yes"], None);
        let message = String::from_utf8_lossy(&refused.stderr).into_owned();
        async move { (!refused.status.success() && message.contains("Unsupported value")).then_some(()) }
    })
    .await;
    let deleted = kubectl_ok(&["delete", &migrations, "-n", &ns, "-l", "schemahero.io/table"], None);
    assert!(deleted.contains("users-c97b9393") && !deleted.contains("a1b2c3d"), "{deleted}");
    kubectl_ok(&["label", &migrations, "a1b2c3d", "-n", &ns, "back=yes"], None);
    let back = get_json(&[&migrations, "a1b2c3d", "-n", &ns]);
    assert_eq!((&back["spec"], &back["status"]), (&theirs.0["spec"], &theirs.0["status"]), "SchemaHero finds its Migration as it left it");

    kubectl(&["delete", "namespace", &ns, "--wait=false"], None);
    kubectl(&["delete", "crd", &migrations, &databases, "--wait=false"], None);
}
