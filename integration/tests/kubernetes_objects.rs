//! Functions and DatabaseExtensions in the operator, against a real Kubernetes API server
//! (KUBECONFIG) and real PostgreSQL: SchemaHero manifests applied as they are become Migration
//! CRs, are approved with the plugin and applied; extensions (the ones Debian's Postgres ships:
//! pgcrypto, citext, hstore, pg_trgm) and the function then show `status.phase: Applied`;
//! `kubectl schemahero get functions|extensions` list them; `removeOnDeletion` holds the
//! resource with a finalizer until the drop Migration is recorded, even when the database is
//! unreachable; without it, deleting drops nothing.

use schemahero_integration::kube_env::*;
use schemahero_integration::services::*;
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(60);

async fn fresh_postgres(name: &str) -> String {
    format!("{}?sslmode=disable", fresh_postgres_database(name).await)
}

fn database_manifests(uri: &str, sqlite: &std::path::Path) -> String {
    format!(
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: postgres-secret\ntype: Opaque\nstringData:\n  uri: {uri}\n---\n\
         apiVersion: databases.schemahero.io/v1alpha4\nkind: Database\nmetadata:\n  name: my-database\nspec:\n  connection:\n    postgres:\n      uri:\n        valueFrom:\n          secretKeyRef:\n            name: postgres-secret\n            key: uri\n---\n\
         apiVersion: databases.schemahero.io/v1alpha4\nkind: Database\nmetadata:\n  name: unreachable\nspec:\n  connection:\n    postgres:\n      uri:\n        value: postgres://postgres@127.0.0.1:9/nowhere?sslmode=disable\n---\n\
         apiVersion: databases.schemahero.io/v1alpha4\nkind: Database\nmetadata:\n  name: lite\nspec:\n  connection:\n    sqlite:\n      dsn:\n        value: {}\n",
        sqlite.display()
    )
}

/// SchemaHero's manifests, as its documentation writes them. (kubectl reads YAML 1.1: a
/// parameter named `n` would arrive as `false`.)
fn objects_manifests() -> String {
    let extension = |name: &str, database: &str, ext: &str, remove: bool| {
        format!(
            "apiVersion: schemas.schemahero.io/v1alpha4\nkind: DatabaseExtension\nmetadata:\n  name: {name}\nspec:\n  database: {database}\n  removeOnDeletion: {remove}\n  postgres:\n    name: {ext}\n"
        )
    };
    [
        "apiVersion: schemas.schemahero.io/v1alpha4\nkind: Function\nmetadata:\n  name: double-it\nspec:\n  database: my-database\n  name: double_it\n  removeOnDeletion: true\n  schema:\n    postgres:\n      lang: PLpgSQL\n      params:\n        - name: num\n          type: integer\n      return: bigint\n      as: |\n        BEGIN RETURN num * 2; END;\n".to_string(),
        extension("crypto", "my-database", "pgcrypto", true),
        extension("ci", "my-database", "citext", false),
        extension("kv", "my-database", "hstore", false),
        extension("trgm", "my-database", "pg_trgm", false),
        extension("far", "unreachable", "hstore", true),
        extension("on-lite", "lite", "hstore", false),
    ]
    .join("---\n")
}

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
    resource: String,
    kind: String,
    phase: String,
    ddl: String,
    owned: bool,
}

fn migrations_in(ns: &str) -> Vec<Row> {
    let out = kubectl(&["get", "migrations.schemas.schemahero.io", "-n", ns, "-o", "json"], None);
    let Ok(v) = serde_json::from_slice::<serde_json::Value>(&out.stdout) else { return Vec::new() };
    let text = |m: &serde_json::Value, p: &str| m.pointer(p).and_then(|x| x.as_str()).unwrap_or_default().to_string();
    v["items"]
        .as_array()
        .map(|items| {
            items
                .iter()
                .map(|m| Row {
                    name: text(m, "/metadata/name"),
                    resource: text(m, "/spec/tableResource"),
                    kind: text(m, "/spec/resourceKind"),
                    phase: text(m, "/status/phase"),
                    ddl: text(m, "/spec/plannedDdl"),
                    owned: m.pointer("/metadata/ownerReferences").and_then(|o| o.as_array()).is_some_and(|o| !o.is_empty()),
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

fn field(ns: &str, resource: &str, jsonpath: &str) -> String {
    let out = kubectl(&["get", resource, "-n", ns, "-o", &format!("jsonpath={jsonpath}")], None);
    String::from_utf8_lossy(&out.stdout).into_owned()
}

async fn wait_field(ns: &str, resource: &str, jsonpath: &str, want: &str) {
    let (ns, resource, jsonpath, want) = (ns.to_string(), resource.to_string(), jsonpath.to_string(), want.to_string());
    wait_for(&format!("{resource} {jsonpath} = {want:?}"), WAIT, || {
        let ok = field(&ns, &resource, &jsonpath) == want;
        async move { ok.then_some(()) }
    })
    .await
}

fn exists(ns: &str, resource: &str) -> bool {
    kubectl(&["get", resource, "-n", ns], None).status.success()
}

async fn pg_list(uri: &str, sql: &str) -> Vec<String> {
    use sqlx::Connection;
    let mut conn = sqlx::PgConnection::connect(uri).await.expect("connect");
    let rows: Vec<(String,)> = sqlx::query_as(sqlx::AssertSqlSafe(sql.to_string())).fetch_all(&mut conn).await.expect("query");
    rows.into_iter().map(|(s,)| s).collect()
}

async fn extensions(uri: &str) -> Vec<String> {
    pg_list(uri, "SELECT extname::text FROM pg_extension WHERE extname <> 'plpgsql' ORDER BY 1").await
}

async fn functions(uri: &str) -> Vec<String> {
    pg_list(uri, "SELECT proname::text FROM pg_proc WHERE proname = 'double_it'").await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn functions_and_extensions_as_schemahero_manifests() {
    require_cluster();
    apply_crds();
    let ns = fresh_namespace("objects");
    let uri = fresh_postgres("shk8s_objects").await;
    let dir = scratch("k8s-objects");
    let (_planner, address) = start_planner_k8s(&dir, &ns, 2);
    let _watcher = start_watcher_k8s(&dir, &address, &ns);
    let _executor = start_executor(&dir, &address, "exec-a", 5);

    kubectl_ok(&["apply", "-n", &ns, "-f", "-"], Some(&database_manifests(&uri, &dir.join("lite.db"))));
    kubectl_ok(&["apply", "-n", &ns, "-f", "-"], Some(&objects_manifests()));

    // One Planned Migration per object, owned by its resource and naming its kind.
    let expected = [
        ("double-it", "Function", "CREATE FUNCTION \"public\".\"double_it\"(num integer) RETURNS bigint"),
        ("crypto", "DatabaseExtension", "CREATE EXTENSION IF NOT EXISTS \"pgcrypto\""),
        ("ci", "DatabaseExtension", "CREATE EXTENSION IF NOT EXISTS \"citext\""),
        ("kv", "DatabaseExtension", "CREATE EXTENSION IF NOT EXISTS \"hstore\""),
        ("trgm", "DatabaseExtension", "CREATE EXTENSION IF NOT EXISTS \"pg_trgm\""),
    ];
    let mut planned = Vec::new();
    for (resource, kind, ddl) in expected {
        let row = wait_row(&format!("a Planned Migration for {resource}"), &ns, |r| r.resource == resource && r.phase == "Planned").await;
        assert_eq!(row.kind, kind, "{row:?}");
        assert!(row.ddl.starts_with(ddl), "{resource}: {}", row.ddl);
        assert!(row.owned, "{resource}: the Migration is owned by its resource");
        planned.push(row);
    }
    // removeOnDeletion: held by SchemaHero's finalizer; the others are not.
    wait_field(&ns, "function/double-it", "{.metadata.finalizers}", "[\"functions.schemas.schemahero.io/finalizer\"]").await;
    wait_field(&ns, "databaseextension/crypto", "{.metadata.finalizers}", "[\"databaseextensions.schemas.schemahero.io/finalizer\"]").await;
    wait_field(&ns, "databaseextension/far", "{.metadata.finalizers}", "[\"databaseextensions.schemas.schemahero.io/finalizer\"]").await;
    assert_eq!(field(&ns, "databaseextension/ci", "{.metadata.finalizers}"), "");
    assert!(extensions(&uri).await.is_empty(), "nothing applied before approval");

    for row in &planned {
        assert_eq!(plugin_ok(&["approve", "migration", &row.name]).trim(), format!("Migration {} approved", row.name));
    }
    for row in &planned {
        wait_row(&format!("{} to be executed", row.name), &ns, |r| r.name == row.name && r.phase == "Executed").await;
    }
    assert_eq!(extensions(&uri).await, ["citext", "hstore", "pg_trgm", "pgcrypto"]);
    assert_eq!(functions(&uri).await, ["double_it"]);
    for resource in
        ["databaseextension/crypto", "databaseextension/ci", "databaseextension/kv", "databaseextension/trgm", "function/double-it"]
    {
        wait_field(&ns, resource, "{.status.phase}", "Applied").await;
    }
    // On a database without extensions: skipped, saying why, and nothing planned.
    wait_field(&ns, "databaseextension/on-lite", "{.status.phase}", "Skipped").await;
    assert!(field(&ns, "databaseextension/on-lite", "{.status.message}").contains("Postgres"));
    assert!(migrations_in(&ns).iter().all(|r| r.resource != "on-lite"));
    assert!(field(&ns, "databaseextension/ci", "{.status.appliedAt}").parse::<i64>().is_ok_and(|t| t > 1_600_000_000));

    // The plugin lists them (singular and plural spellings).
    let listing = plugin_ok(&["get", "extensions", "-n", &ns]);
    assert!(listing.starts_with("NAMESPACE"), "{listing}");
    let row = |name: &str| listing.lines().find(|l| l.split_whitespace().nth(1) == Some(name)).unwrap_or_default().to_string();
    assert_eq!(row("kv").split_whitespace().collect::<Vec<_>>(), [ns.as_str(), "kv", "my-database", "hstore", "Applied"], "{listing}");
    assert!(row("far").contains("unreachable"), "{listing}");
    let functions_listing = plugin_ok(&["get", "function", "-n", &ns]);
    let fn_row: Vec<&str> = functions_listing.lines().nth(1).unwrap_or_default().split_whitespace().collect();
    assert_eq!(fn_row, [ns.as_str(), "double-it", "my-database", "double_it", "Applied"], "{functions_listing}");

    // Converged: drift passes every two seconds plan nothing more.
    tokio::time::sleep(Duration::from_secs(5)).await;
    assert_eq!(migrations_in(&ns).len(), 5, "{:?}", migrations_in(&ns));

    // removeOnDeletion: the resource goes once its drop Migration is recorded; the drop waits
    // for approval, and the Migration outlives the resource.
    kubectl_ok(&["delete", "function", "double-it", "-n", &ns, "--wait=false"], None);
    let drop_fn = wait_row("the drop Migration of the Function", &ns, |r| r.ddl.starts_with("DROP FUNCTION")).await;
    assert_eq!((drop_fn.phase.as_str(), drop_fn.kind.as_str(), drop_fn.owned), ("Planned", "Function", false), "{drop_fn:?}");
    assert_eq!(drop_fn.ddl, "DROP FUNCTION IF EXISTS \"double_it\"(integer);\n");
    let ns2 = ns.clone();
    wait_for("the Function to be gone", WAIT, || {
        let gone = !exists(&ns2, "function/double-it");
        async move { gone.then_some(()) }
    })
    .await;
    assert_eq!(functions(&uri).await, ["double_it"], "not dropped before approval");
    plugin_ok(&["approve", "migration", &drop_fn.name]);
    wait_row("the drop to be executed", &ns, |r| r.name == drop_fn.name && r.phase == "Executed").await;
    assert!(functions(&uri).await.is_empty());

    // Its database unreachable: the deletion does not hang; the drop Migration waits.
    let started = std::time::Instant::now();
    kubectl_ok(&["delete", "databaseextension", "far", "-n", &ns, "--timeout=30s"], None);
    let held_for = started.elapsed();
    assert!(held_for < Duration::from_secs(20), "the deletion took {held_for:?}");
    let far = wait_row("the drop Migration of the unreachable extension", &ns, |r| r.resource == "far").await;
    assert_eq!((far.phase.as_str(), far.ddl.as_str()), ("Planned", "DROP EXTENSION IF EXISTS \"hstore\";\n"));

    // Without removeOnDeletion: gone at once, nothing dropped, nothing planned.
    kubectl_ok(&["delete", "databaseextension", "ci", "-n", &ns, "--timeout=30s"], None);
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert!(migrations_in(&ns).iter().all(|r| r.resource != "ci" || !r.ddl.starts_with("DROP")));
    assert!(extensions(&uri).await.contains(&"citext".to_string()));

    // The last held one goes while the planner runs, so the namespace is not left stuck.
    kubectl_ok(&["delete", "databaseextension", "crypto", "-n", &ns, "--timeout=30s"], None);
    wait_row("the drop Migration of pgcrypto", &ns, |r| r.ddl.starts_with("DROP EXTENSION IF EXISTS \"pgcrypto\"")).await;
    println!("deleting a held resource with an unreachable database took {held_for:?}");
    kubectl(&["delete", "namespace", &ns, "--wait=false"], None);
}
