//! Views in the operator, against a real Kubernetes API server (KUBECONFIG), real PostgreSQL and
//! SQLite: View manifests (SchemaHero's kind, with plain `postgres`/`sqlite` sections) become
//! Migration CRs owned by the View, are approved with the plugin and applied after the tables
//! they read; `status.phase` says `Applied` (or `Skipped` for a view with no section for its
//! database); `kubectl schemahero get views` lists them; a changed query re-creates the view,
//! `isDeleted` drops it, and deleting the resource drops nothing.

use schemahero_integration::kube_env::*;
use schemahero_integration::services::*;
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(60);

fn database_manifests(uri: &str, sqlite: &std::path::Path) -> String {
    format!(
        "apiVersion: databases.schemahero.io/v1alpha4\nkind: Database\nmetadata:\n  name: my-database\nspec:\n  connection:\n    postgres:\n      uri:\n        value: {uri}\n---\n\
         apiVersion: databases.schemahero.io/v1alpha4\nkind: Database\nmetadata:\n  name: lite\nspec:\n  connection:\n    sqlite:\n      dsn:\n        value: {}\n",
        sqlite.display()
    )
}

fn table(name: &str, database: &str, engine: &str) -> String {
    format!(
        "apiVersion: schemas.schemahero.io/v1alpha4\nkind: Table\nmetadata:\n  name: {name}\nspec:\n  database: {database}\n  name: users\n  schema:\n    {engine}:\n      primaryKey: [id]\n      columns:\n        - name: id\n          type: integer\n        - name: email\n          type: text\n"
    )
}

fn view(name: &str, database: &str, section: &str) -> String {
    format!(
        "apiVersion: schemas.schemahero.io/v1alpha4\nkind: View\nmetadata:\n  name: {name}\nspec:\n  database: {database}\n  name: user_emails\n  schema:\n{section}"
    )
}

const PG_QUERY: &str = "    postgres:\n      query: SELECT id, email FROM users\n";

fn manifests() -> String {
    [
        // The views come first: they are still applied after the tables they read.
        view("user-emails", "my-database", PG_QUERY),
        view("lite-emails", "lite", "    sqlite:\n      query: SELECT email FROM users\n"),
        view(
            "daily",
            "my-database",
            "    timescaledb:\n      isContinuousAggregate: true\n      query: SELECT time_bucket('1 day', at) FROM events GROUP BY 1\n",
        ),
        table("users", "my-database", "postgres"),
        table("lite-users", "lite", "sqlite"),
    ]
    .join("---\n")
}

fn plugin_ok(args: &[&str]) -> String {
    let path = format!("{}:{}", bin_dir().display(), std::env::var("PATH").unwrap_or_default());
    let mut all = vec!["schemahero"];
    all.extend_from_slice(args);
    let o = std::process::Command::new(kubectl_path()).args(&all).env("PATH", path).output().expect("run kubectl schemahero");
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
    let items = v["items"].as_array().cloned().unwrap_or_default();
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

async fn pg_views(uri: &str) -> Vec<String> {
    use sqlx::Connection;
    let mut conn = sqlx::PgConnection::connect(uri).await.expect("connect");
    let rows: Vec<(String,)> = sqlx::query_as("SELECT viewname::text FROM pg_views WHERE schemaname = 'public' ORDER BY 1")
        .fetch_all(&mut conn)
        .await
        .expect("query");
    rows.into_iter().map(|(s,)| s).collect()
}

async fn approve_all_planned(ns: &str, count: usize) {
    let ns2 = ns.to_string();
    let planned = wait_for(&format!("{count} Planned Migrations"), WAIT, || {
        let rows: Vec<Row> = migrations_in(&ns2).into_iter().filter(|r| r.phase == "Planned").collect();
        async move { (rows.len() == count).then_some(rows) }
    })
    .await;
    for row in &planned {
        plugin_ok(&["approve", "migration", &row.name]);
    }
    for row in &planned {
        wait_row(&format!("{} to be executed", row.name), ns, |r| r.name == row.name && r.phase == "Executed").await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn views_as_schemahero_manifests_in_the_operator() {
    require_cluster();
    apply_crds();
    let ns = fresh_namespace("views");
    let uri = format!("{}?sslmode=disable", fresh_postgres_database("shk8s_views").await);
    let dir = scratch("k8s-views");
    let lite = dir.join("lite.db");
    let (_planner, address) = start_planner_k8s(&dir, &ns, 2);
    let _watcher = start_watcher_k8s(&dir, &address, &ns);
    let _executor = start_executor(&dir, &address, "exec-a", 5);

    kubectl_ok(&["apply", "-n", &ns, "-f", "-"], Some(&database_manifests(&uri, &lite)));
    kubectl_ok(&["apply", "-n", &ns, "-f", "-"], Some(&manifests()));

    // A Migration per view, owned by the View and naming its kind; none for the view whose
    // only section is timescaledb (Skipped, saying why).
    let pg = wait_row("the View's Migration", &ns, |r| r.resource == "user-emails" && r.phase == "Planned").await;
    assert_eq!(pg.kind, "View");
    assert_eq!(pg.ddl, "CREATE VIEW \"public\".\"user_emails\" AS\nSELECT id, email FROM users;\n");
    assert!(pg.owned, "the Migration is owned by its View");
    let sqlite = wait_row("the SQLite View's Migration", &ns, |r| r.resource == "lite-emails" && r.phase == "Planned").await;
    assert_eq!(sqlite.ddl, "CREATE VIEW \"user_emails\" AS\nSELECT email FROM users;\n");
    wait_field(&ns, "view/daily", "{.status.phase}", "Skipped").await;
    assert!(field(&ns, "view/daily", "{.status.message}").contains("timescaledb"), "{}", field(&ns, "view/daily", "{.status.message}"));

    // Approved together (views before tables in the listing), the views wait for the tables.
    approve_all_planned(&ns, 4).await;
    assert_eq!(pg_views(&uri).await, ["user_emails"]);
    wait_field(&ns, "view/user-emails", "{.status.phase}", "Applied").await;
    wait_field(&ns, "view/lite-emails", "{.status.phase}", "Applied").await;
    let lite_sql: String = {
        use sqlx::Connection;
        let mut conn = sqlx::SqliteConnection::connect(&format!("sqlite://{}", lite.display())).await.expect("open lite");
        sqlx::query_scalar("SELECT sql FROM sqlite_master WHERE name = 'user_emails'").fetch_one(&mut conn).await.expect("the view")
    };
    assert_eq!(lite_sql, "CREATE VIEW \"user_emails\" AS\nSELECT email FROM users");

    // The plugin lists them.
    let listing = plugin_ok(&["get", "views", "-n", &ns]);
    let row = |name: &str| listing.lines().find(|l| l.split_whitespace().nth(1) == Some(name)).unwrap_or_default().to_string();
    assert_eq!(
        row("user-emails").split_whitespace().collect::<Vec<_>>(),
        [ns.as_str(), "user-emails", "my-database", "user_emails", "Applied"],
        "{listing}"
    );
    assert_eq!(row("daily").split_whitespace().nth(4), Some("Skipped"), "{listing}");

    // Converged: drift passes every two seconds plan nothing more.
    tokio::time::sleep(Duration::from_secs(5)).await;
    assert_eq!(migrations_in(&ns).len(), 4, "{:?}", migrations_in(&ns));

    // A changed query: its columns only grow, so CREATE OR REPLACE.
    let changed = view("user-emails", "my-database", "    postgres:\n      query: SELECT id, email, upper(email) AS shout FROM users\n");
    kubectl_ok(&["apply", "-n", &ns, "-f", "-"], Some(&changed));
    let replace = wait_row("the changed View's Migration", &ns, |r| r.resource == "user-emails" && r.phase == "Planned").await;
    assert_eq!(replace.ddl, "CREATE OR REPLACE VIEW \"public\".\"user_emails\" AS\nSELECT id, email, upper(email) AS shout FROM users;\n");
    plugin_ok(&["approve", "migration", &replace.name]);
    wait_row("the change to be executed", &ns, |r| r.name == replace.name && r.phase == "Executed").await;

    // isDeleted drops it once approved.
    kubectl_ok(&["apply", "-n", &ns, "-f", "-"], Some(&view("user-emails", "my-database", "    postgres:\n      isDeleted: true\n")));
    let drop = wait_row("the drop Migration", &ns, |r| r.resource == "user-emails" && r.phase == "Planned").await;
    assert!(drop.ddl.starts_with("DROP VIEW \"public\".\"user_emails\""), "{drop:?}");
    assert_eq!(pg_views(&uri).await, ["user_emails"], "not dropped before approval");
    plugin_ok(&["approve", "migration", &drop.name]);
    wait_row("the drop to be executed", &ns, |r| r.name == drop.name && r.phase == "Executed").await;
    assert!(pg_views(&uri).await.is_empty());

    // Deleting a View resource drops nothing (no finalizer holds it).
    assert_eq!(field(&ns, "view/lite-emails", "{.metadata.finalizers}"), "");
    kubectl_ok(&["delete", "view", "lite-emails", "-n", &ns, "--timeout=30s"], None);
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert!(migrations_in(&ns).iter().all(|r| r.resource != "lite-emails" || !r.ddl.starts_with("DROP")));
    kubectl(&["delete", "namespace", &ns, "--wait=false"], None);
}
