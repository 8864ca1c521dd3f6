//! The operator guide end to end against a real Kubernetes API server (KUBECONFIG) and real
//! PostgreSQL, with the services running as local processes and the commands exactly as the
//! guide shows them (`kubectl apply`, `kubectl schemahero get|describe|approve|reject`).

use schemahero_integration::kube_env::*;
use schemahero_integration::services::*;
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(60);

async fn fresh_postgres(name: &str) -> String {
    use sqlx::{Connection, PgConnection};
    let server = std::env::var("SCHEMAHERO_TEST_POSTGRES").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".into());
    let mut admin = PgConnection::connect(&format!("{server}/postgres")).await.expect("PostgreSQL must be reachable");
    for sql in [format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"), format!("CREATE DATABASE {name}")] {
        sqlx::raw_sql(sqlx::AssertSqlSafe(sql)).execute(&mut admin).await.unwrap();
    }
    format!("{server}/{name}?sslmode=disable")
}

fn guide_manifests(uri: &str, immediate: bool) -> String {
    format!(
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: postgres-secret\ntype: Opaque\nstringData:\n  uri: {uri}\n---\n\
         apiVersion: databases.schemahero.io/v1alpha4\nkind: Database\nmetadata:\n  name: my-database\nspec:\n  immediateDeploy: {immediate}\n  connection:\n    postgres:\n      uri:\n        valueFrom:\n          secretKeyRef:\n            name: postgres-secret\n            key: uri\n"
    )
}

fn users_table(extra: &str) -> String {
    format!(
        "apiVersion: schemas.schemahero.io/v1alpha4\nkind: Table\nmetadata:\n  name: users\nspec:\n  database: my-database\n  name: users\n  schema:\n    postgres:\n      primaryKey: [id]\n      columns:\n        - name: id\n          type: uuid\n          default: gen_random_uuid()\n        - name: email\n          type: varchar(255)\n          constraints:\n            notNull: true\n{extra}"
    )
}

/// `kubectl schemahero …`: kubectl finds the plugin on PATH.
fn plugin(args: &[&str]) -> std::process::Output {
    let path = format!("{}:{}", bin_dir().display(), std::env::var("PATH").unwrap_or_default());
    let mut all = vec!["schemahero"];
    all.extend_from_slice(args);
    std::process::Command::new(kubectl_path()).args(&all).env("PATH", path).output().expect("run kubectl schemahero")
}

fn plugin_ok(args: &[&str]) -> String {
    let o = plugin(args);
    assert!(o.status.success(), "kubectl schemahero {args:?} failed: {}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[derive(Debug, Clone)]
struct Row {
    name: String,
    phase: String,
    ddl: String,
}

fn migrations_in(ns: &str) -> Vec<Row> {
    let out = kubectl(&["get", "migrations.schemas.schemahero.io", "-n", ns, "-o", "json"], None);
    let Ok(v) = serde_json::from_slice::<serde_json::Value>(&out.stdout) else { return Vec::new() };
    v["items"]
        .as_array()
        .map(|items| {
            items
                .iter()
                .map(|m| Row {
                    name: m["metadata"]["name"].as_str().unwrap_or_default().to_string(),
                    phase: m["status"]["phase"].as_str().unwrap_or_default().to_string(),
                    ddl: m["spec"]["plannedDdl"].as_str().unwrap_or_default().to_string(),
                })
                .collect()
        })
        .unwrap_or_default()
}

async fn wait_row(what: &str, ns: &str, pick: impl Fn(&Row) -> bool) -> Row {
    let ns = ns.to_string();
    wait_for(what, WAIT, || {
        let found = migrations_in(&ns).into_iter().find(|r| pick(r));
        async move { found }
    })
    .await
}

async fn columns(uri: &str, table: &str) -> Vec<String> {
    use sqlx::{Connection, PgConnection};
    let mut conn = PgConnection::connect(uri).await.unwrap();
    let rows: Vec<(String,)> =
        sqlx::query_as("SELECT column_name::text FROM information_schema.columns WHERE table_name = $1 ORDER BY ordinal_position")
            .bind(table)
            .fetch_all(&mut conn)
            .await
            .unwrap();
    rows.into_iter().map(|(c,)| c).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_operator_guide_end_to_end() {
    require_cluster();
    apply_crds();
    let ns = fresh_namespace("guide");
    let uri = fresh_postgres("shk8s_guide").await;
    let dir = scratch("k8s-guide");
    let (_planner, address) = start_planner_k8s(&dir, &ns, 300);
    let _watcher = start_watcher_k8s(&dir, &address, &ns);
    let _executors = [start_executor(&dir, &address, "exec-a", 5), start_executor(&dir, &address, "exec-b", 5)];

    // The guide's Secret, Database and Table, applied as written.
    kubectl_ok(&["apply", "-n", &ns, "-f", "-"], Some(&guide_manifests(&uri, false)));
    kubectl_ok(&["apply", "-n", &ns, "-f", "-"], Some(&users_table("")));
    let planned = wait_row("a Planned Migration", &ns, |r| r.phase == "Planned").await;
    assert!(planned.ddl.starts_with("CREATE TABLE \"users\"") && planned.ddl.contains("DEFAULT gen_random_uuid()"), "{}", planned.ddl);
    let secret_uri_in_migration = kubectl_ok(&["get", "migration", &planned.name, "-n", &ns, "-o", "yaml"], None);
    assert!(!secret_uri_in_migration.contains("postgres://"), "the connection never reaches a Migration");

    let listing = plugin_ok(&["get", "migrations", "-n", &ns]);
    assert!(listing.starts_with("NAMESPACE"), "{listing}");
    let row = listing.lines().find(|l| l.contains(&planned.name)).unwrap_or_default().split_whitespace().collect::<Vec<_>>();
    assert_eq!(row, vec![ns.as_str(), planned.name.as_str(), "my-database", "users", "Planned"], "{listing}");
    let described = plugin_ok(&["describe", "migration", &planned.name]);
    assert!(described.contains("CREATE TABLE \"users\""), "{described}");

    // Approve → Executed, and the table exists.
    assert_eq!(plugin_ok(&["approve", "migration", &planned.name]).trim(), format!("Migration {} approved", planned.name));
    wait_row("the Migration to be executed", &ns, |r| r.name == planned.name && r.phase == "Executed").await;
    assert_eq!(columns(&uri, "users").await, vec!["id", "email"]);
    // Who approved: the Kubernetes user the plugin is authenticated as (the test cluster's
    // token user "admin", found by a TokenReview on this 1.20 server).
    let approved_by = kubectl_ok(&["get", "migration", &planned.name, "-n", &ns, "-o", "jsonpath={.status.approvedBy}"], None);
    assert_eq!(approved_by, "admin");
    assert!(plugin_ok(&["describe", "migration", &planned.name]).contains("Approved by:     admin"));
    let again = plugin(&["approve", "migration", &planned.name]);
    assert!(String::from_utf8_lossy(&again.stderr).contains("is already executed"), "{}", String::from_utf8_lossy(&again.stderr));
    let table_status = kubectl_ok(&["get", "table", "users", "-n", &ns, "-o", "jsonpath={.status.lastPlannedTableSpecSHA}"], None);
    assert_eq!(table_status.len(), 64, "the Table records the spec hash it planned");
    let connected = kubectl_ok(
        &["get", "database", "my-database", "-n", &ns, "-o", r#"jsonpath={.status.conditions[?(@.type=="Connected")].status}"#],
        None,
    );
    assert_eq!(connected, "True", "the Database shows it is connected");
    let planned_condition =
        kubectl_ok(&["get", "table", "users", "-n", &ns, "-o", r#"jsonpath={.status.conditions[?(@.type=="Planned")].reason}"#], None);
    assert_eq!(planned_condition, "MigrationPlanned");

    // Recalculate (a patch the planner acts on): nothing changed, the request is recorded.
    assert!(plugin_ok(&["recalculate", "migration", &planned.name]).contains("recalculation requested"));
    let (ns_r, name_r) = (ns.clone(), planned.name.clone());
    wait_for("the recalculation to be acted on", WAIT, || {
        let out = kubectl(&["get", "migration", &name_r, "-n", &ns_r, "-o", "jsonpath={.status.recalculated}"], None);
        let done = !out.stdout.is_empty();
        async move { done.then_some(()) }
    })
    .await;
    assert_eq!(migrations_in(&ns).len(), 1, "recalculating an executed, unchanged table plans nothing new");

    // Edit the Table → a new Migration; reject it → nothing applied.
    kubectl_ok(&["apply", "-n", &ns, "-f", "-"], Some(&users_table("        - name: nickname\n          type: text\n")));
    let edited = wait_row("a Migration for the edit", &ns, |r| r.phase == "Planned").await;
    assert!(edited.ddl.contains("ADD COLUMN \"nickname\""), "{}", edited.ddl);
    plugin_ok(&["reject", "migration", &edited.name]);
    wait_row("the rejection", &ns, |r| r.name == edited.name && r.phase == "Rejected").await;
    let rejected_by = kubectl_ok(&["get", "migration", &edited.name, "-n", &ns, "-o", "jsonpath={.status.rejectedBy}"], None);
    assert_eq!(rejected_by, "admin");
    let refused = plugin(&["approve", "migration", &edited.name]);
    assert!(String::from_utf8_lossy(&refused.stderr).contains("rejected and cannot be approved"));
    assert_eq!(columns(&uri, "users").await, vec!["id", "email"]);

    // Approval by plain `kubectl patch` works too (GitOps, scripts).
    kubectl_ok(
        &["apply", "-n", &ns, "-f", "-"],
        Some(&users_table("        - name: nickname\n          type: text\n        - name: age\n          type: integer\n")),
    );
    let third = wait_row("a third Migration", &ns, |r| r.phase == "Planned").await;
    kubectl_ok(&["patch", "migration", &third.name, "-n", &ns, "--type", "merge", "-p", r#"{"spec":{"approved":true}}"#], None);
    wait_row("the patched approval to run", &ns, |r| r.name == third.name && r.phase == "Executed").await;
    let approved_by = kubectl_ok(&["get", "migration", &third.name, "-n", &ns, "-o", "jsonpath={.status.approvedBy}"], None);
    assert!(approved_by.starts_with("unknown Kubernetes user"), "a bare patch does not say who: {approved_by}");
    assert_eq!(columns(&uri, "users").await, vec!["id", "email", "nickname", "age"]);

    // Deleting the Table garbage-collects its Migrations; the database table stays.
    kubectl_ok(&["delete", "table", "users", "-n", &ns], None);
    let ns2 = ns.clone();
    wait_for("the Migrations to be garbage-collected", Duration::from_secs(120), || {
        let gone = migrations_in(&ns2).is_empty();
        async move { gone.then_some(()) }
    })
    .await;
    assert_eq!(columns(&uri, "users").await, vec!["id", "email", "nickname", "age"]);
    kubectl(&["delete", "namespace", &ns, "--wait=false"], None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn immediate_deploy_with_two_executor_replicas_runs_each_migration_once() {
    require_cluster();
    apply_crds();
    let ns = fresh_namespace("immediate");
    let uri = fresh_postgres("shk8s_immediate").await;
    let dir = scratch("k8s-immediate");
    let (_planner, address) = start_planner_k8s(&dir, &ns, 300);
    let _watcher = start_watcher_k8s(&dir, &address, &ns);
    let _executors = [start_executor(&dir, &address, "replica-1", 5), start_executor(&dir, &address, "replica-2", 5)];
    kubectl_ok(&["apply", "-n", &ns, "-f", "-"], Some(&guide_manifests(&uri, true)));
    let tables: Vec<String> = (0..8)
        .map(|i| format!("apiVersion: schemas.schemahero.io/v1alpha4\nkind: Table\nmetadata:\n  name: t{i}\nspec:\n  database: my-database\n  name: t{i}\n  schema:\n    postgres:\n      columns:\n        - name: id\n          type: integer\n"))
        .collect();
    kubectl_ok(&["apply", "-n", &ns, "-f", "-"], Some(&tables.join("---\n")));
    let ns2 = ns.clone();
    let rows = wait_for("all eight executed without approval", Duration::from_secs(90), || {
        let rows = migrations_in(&ns2);
        async move { (rows.len() == 8 && rows.iter().all(|r| r.phase == "Executed")).then_some(rows) }
    })
    .await;
    use sqlx::{Connection, PgConnection};
    let mut conn = PgConnection::connect(&uri).await.unwrap();
    let ledger: Vec<(String, String)> =
        sqlx::query_as("SELECT migration_id, executor FROM schemahero_migrations_ledger ORDER BY migration_id")
            .fetch_all(&mut conn)
            .await
            .unwrap();
    let mut expected: Vec<String> = rows.iter().map(|r| r.name.clone()).collect();
    expected.sort();
    assert_eq!(ledger.iter().map(|l| l.0.clone()).collect::<Vec<_>>(), expected, "each migration applied exactly once");
    let attempts = kubectl_ok(&["get", "migrations", "-n", &ns, "-o", "jsonpath={.items[*].status.attempts}"], None);
    assert!(attempts.split_whitespace().all(|a| a == "1"), "no migration was run twice: {attempts}");
    kubectl(&["delete", "namespace", &ns, "--wait=false"], None);
}
