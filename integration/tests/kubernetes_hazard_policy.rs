//! A Database's `hazardPolicy` in the operator, against a real Kubernetes API server and real
//! PostgreSQL: the CRD takes it, `immediateDeploy` applies the safe change by itself, a denied
//! hazard leaves the Migration CR Planned with `Blocked=True` and a `Validated` condition in its
//! status, the plugin refuses to approve it (and says why), and a bare `kubectl patch` of
//! `spec.approved` runs nothing. Changing the Database's policy lets it deploy.

use schemahero_integration::kube_env::*;
use schemahero_integration::services::*;
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(60);

fn database(uri: &str, policy: &str) -> String {
    format!(
        "apiVersion: databases.schemahero.io/v1alpha4\nkind: Database\nmetadata:\n  name: app\nspec:\n  immediateDeploy: true\n  hazardPolicy:\n{policy}  connection:\n    postgres:\n      uri:\n        value: {uri}\n"
    )
}

fn users(columns: &[&str]) -> String {
    let columns: String = columns.iter().map(|c| format!("        - name: {c}\n          type: text\n")).collect();
    format!(
        "apiVersion: schemas.schemahero.io/v1alpha4\nkind: Table\nmetadata:\n  name: users\nspec:\n  database: app\n  name: users\n  schema:\n    postgres:\n      primaryKey: [id]\n      columns:\n        - name: id\n          type: integer\n{columns}"
    )
}

/// Each Migration CR: (name, phase, planned DDL, conditions as `Type=Status`).
fn migrations_in(ns: &str) -> Vec<(String, String, String, Vec<String>)> {
    let out = kubectl(&["get", "migrations.schemas.schemahero.io", "-n", ns, "-o", "json"], None);
    let Ok(v) = serde_json::from_slice::<serde_json::Value>(&out.stdout) else { return Vec::new() };
    let text = |m: &serde_json::Value, p: &str| m.pointer(p).and_then(|x| x.as_str()).unwrap_or_default().to_string();
    v["items"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|m| {
            let conditions = m
                .pointer("/status/conditions")
                .and_then(|c| c.as_array())
                .map(|cs| cs.iter().map(|c| format!("{}={}", text(c, "/type"), text(c, "/status"))).collect())
                .unwrap_or_default();
            (text(m, "/metadata/name"), text(m, "/status/phase"), text(m, "/spec/plannedDdl"), conditions)
        })
        .collect()
}

async fn wait_migration(ns: &str, what: &str, ddl_part: &str, phase: &str) -> (String, String, String, Vec<String>) {
    let (ns, ddl_part, phase) = (ns.to_string(), ddl_part.to_string(), phase.to_string());
    wait_for(what, WAIT, || {
        let found = migrations_in(&ns).into_iter().find(|m| m.2.contains(&ddl_part) && m.1 == phase);
        async move { found }
    })
    .await
}

fn plugin(args: &[&str]) -> std::process::Output {
    let path = format!("{}:{}", bin_dir().display(), std::env::var("PATH").unwrap_or_default());
    let mut all = vec!["schemahero"];
    all.extend_from_slice(args);
    std::process::Command::new(kubectl_path()).args(&all).env("PATH", path).output().expect("run kubectl schemahero")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_hazard_policy_holds_in_the_operator() {
    require_cluster();
    apply_crds();
    let ns = fresh_namespace("hazards");
    let uri = format!("{}?sslmode=disable", fresh_postgres_database("shk8s_hazards").await);
    let dir = scratch("k8s-hazards");
    let (_planner, address) = start_planner_k8s(&dir, &ns, 2);
    let _watcher = start_watcher_k8s(&dir, &address, &ns);
    let _executor = start_executor(&dir, &address, "exec-a", 5);

    // The CRD refuses a decision that is not allow, review or deny.
    let refused = kubectl(&["apply", "-n", &ns, "-f", "-"], Some(&database(&uri, "    deletesData: sometimes\n")));
    assert!(!refused.status.success(), "the API server must refuse it");
    assert!(String::from_utf8_lossy(&refused.stderr).contains("hazardPolicy.deletesData"), "{}", String::from_utf8_lossy(&refused.stderr));

    kubectl_ok(&["apply", "-n", &ns, "-f", "-"], Some(&database(&uri, "    deletesData: deny\n")));
    kubectl_ok(&["apply", "-n", &ns, "-f", "-"], Some(&users(&["name", "age"])));
    let created = wait_migration(&ns, "the CREATE TABLE to deploy by itself", "CREATE TABLE", "Executed").await;
    assert_eq!(created.3, ["Validated=True"], "{created:?}");

    // Dropping a column deletes data, which the policy denies.
    kubectl_ok(&["apply", "-n", &ns, "-f", "-"], Some(&users(&["name"])));
    let blocked = wait_migration(&ns, "the DROP COLUMN to be blocked", "DROP COLUMN", "Planned").await;
    assert!(blocked.3.contains(&"Blocked=True".to_string()) && blocked.3.contains(&"Validated=True".to_string()), "{blocked:?}");
    let approve = plugin(&["approve", "migration", &blocked.0, "-n", &ns]);
    let stderr = String::from_utf8_lossy(&approve.stderr);
    assert!(!approve.status.success(), "the plugin refuses");
    assert!(stderr.contains("cannot be approved: blocked by the Database's hazard policy") && stderr.contains("DELETES_DATA"), "{stderr}");
    // A bare patch is not honoured either.
    kubectl_ok(
        &["patch", "migrations.schemas.schemahero.io", &blocked.0, "-n", &ns, "--type", "merge", "-p", r#"{"spec":{"approved":true}}"#],
        None,
    );
    tokio::time::sleep(Duration::from_secs(5)).await;
    let still = migrations_in(&ns).into_iter().find(|m| m.0 == blocked.0).expect("the Migration");
    assert_eq!(still.1, "Planned", "{still:?}");

    // The policy allows it now: the same Migration deploys by itself.
    kubectl_ok(&["apply", "-n", &ns, "-f", "-"], Some(&database(&uri, "    default: allow\n")));
    let ran = wait_migration(&ns, "the unblocked DROP COLUMN to run", "DROP COLUMN", "Executed").await;
    assert_eq!(ran.0, blocked.0, "the same Migration");
    assert!(!ran.3.contains(&"Blocked=True".to_string()), "{ran:?}");
}
