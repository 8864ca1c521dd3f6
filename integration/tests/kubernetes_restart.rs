//! The watcher survives an API-server restart: it relists, resyncs the planner, plans what
//! changed meanwhile and plans nothing twice. Restarting needs the kube-test-server from
//! shared/ (what .ci/run starts); against another cluster this test says so and fails.

use schemahero_integration::kube_env::*;
use schemahero_integration::services::*;
use std::time::Duration;

fn test_server_script() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/kube-test-server.sh")
}

fn table(name: &str) -> String {
    format!(
        "apiVersion: schemas.schemahero.io/v1alpha4\nkind: Table\nmetadata:\n  name: {name}\nspec:\n  database: db\n  name: {name}\n  schema:\n    sqlite:\n      columns:\n        - name: id\n          type: integer\n"
    )
}

fn migration_tables(ns: &str) -> Vec<String> {
    let out = kubectl(&["get", "migrations", "-n", ns, "-o", "jsonpath={.items[*].spec.tableName}"], None);
    String::from_utf8_lossy(&out.stdout).split_whitespace().map(str::to_string).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_watcher_recovers_from_an_api_server_restart() {
    let kubeconfig = require_cluster();
    let script = test_server_script();
    assert!(
        kubeconfig.starts_with("/var/cache/kube-test-server") && script.exists(),
        "restarting the API server needs the kube-test-server (KUBECONFIG={kubeconfig}, script {})",
        script.display()
    );
    apply_crds();
    let ns = fresh_namespace("restart");
    let dir = scratch("k8s-restart");
    let db = dir.join("app.db");
    let database = format!(
        "apiVersion: databases.schemahero.io/v1alpha4\nkind: Database\nmetadata:\n  name: db\nspec:\n  connection:\n    sqlite:\n      dsn:\n        value: {}\n",
        db.display()
    );
    let (_planner, address) = start_planner_k8s(&dir, &ns, 300);
    let mut watcher = start_watcher_k8s(&dir, &address, &ns);
    kubectl_ok(&["apply", "-n", &ns, "-f", "-"], Some(&format!("{database}---\n{}", table("before"))));
    let ns2 = ns.clone();
    wait_for("the first Migration", Duration::from_secs(60), || {
        let t = migration_tables(&ns2);
        async move { (t == ["before"]).then_some(()) }
    })
    .await;

    let restart = |cmd: &str| {
        let status = std::process::Command::new("bash").arg(&script).arg(cmd).status().expect("run kube-test-server.sh");
        assert!(status.success(), "kube-test-server.sh {cmd} failed");
    };
    restart("stop");
    tokio::time::sleep(Duration::from_secs(2)).await;
    restart("start");
    kubectl_ok(&["apply", "-n", &ns, "-f", "-"], Some(&table("after")));

    let ns3 = ns.clone();
    wait_for("the Table created after the restart to be planned", Duration::from_secs(120), || {
        let t = migration_tables(&ns3);
        async move { t.contains(&"after".to_string()).then_some(()) }
    })
    .await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    let mut tables = migration_tables(&ns);
    tables.sort();
    assert_eq!(tables, vec!["after", "before"], "nothing planned twice after the relist (was {tables:?})");
    assert!(watcher.is_running(), "the watcher survived: {}", watcher.log_text());
    kubectl(&["delete", "namespace", &ns, "--wait=false"], None);
}
