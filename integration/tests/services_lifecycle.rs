//! The three services as real processes on SQLite: a new spec file becomes a Planned migration,
//! the CLI approves it and an executor applies it; reject applies nothing; immediateDeploy
//! applies without approval; an edited spec plans again; a hand-made change is found as drift;
//! bad input gets clear errors and nothing stops.

use schemahero_integration::services::*;
use schemahero_proto::v1 as pb;
use std::path::Path;
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(30);

fn database_yaml(name: &str, path: &Path, immediate: bool) -> String {
    format!(
        "apiVersion: databases.schemahero.io/v1alpha4\nkind: Database\nmetadata:\n  name: {name}\nspec:\n  immediateDeploy: {immediate}\n  connection:\n    sqlite:\n      dsn:\n        value: {}\n",
        path.display()
    )
}

fn table_yaml(name: &str, database: &str, extra_columns: &str) -> String {
    format!(
        "apiVersion: schemas.schemahero.io/v1alpha4\nkind: Table\nmetadata:\n  name: {name}\nspec:\n  database: {database}\n  name: {name}\n  schema:\n    sqlite:\n      primaryKey: [id]\n      columns:\n        - name: id\n          type: integer\n        - name: email\n          type: text\n{extra_columns}"
    )
}

async fn sqlite_columns(db: &Path, table: &str) -> Vec<String> {
    use sqlx::Connection;
    let mut conn = sqlx::SqliteConnection::connect(&format!("sqlite://{}", db.display())).await.expect("open the target database");
    let rows: Vec<(String,)> =
        sqlx::query_as("SELECT name FROM pragma_table_info(?) ORDER BY cid").bind(table).fetch_all(&mut conn).await.expect("columns");
    rows.into_iter().map(|(c,)| c).collect()
}

async fn ledger_ids(db: &Path) -> Vec<String> {
    use sqlx::Connection;
    let mut conn = sqlx::SqliteConnection::connect(&format!("sqlite://{}", db.display())).await.expect("open the target database");
    let rows: Vec<(String,)> = sqlx::query_as("SELECT migration_id FROM schemahero_migrations_ledger ORDER BY migration_id")
        .fetch_all(&mut conn)
        .await
        .unwrap_or_default();
    rows.into_iter().map(|(c,)| c).collect()
}

fn cli_ok(args: &[&str]) -> String {
    let o = cli(args);
    assert!(o.status.success(), "kubectl-schemahero {args:?} failed: {}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn spec_to_executed_with_review_drift_and_bad_input() {
    let dir = scratch("lifecycle");
    let specs = dir.join("specs");
    std::fs::create_dir_all(&specs).unwrap();
    let app_db = dir.join("app.db");
    let dev_db = dir.join("dev.db");
    std::fs::write(specs.join("db-app.yaml"), database_yaml("app", &app_db, false)).unwrap();
    std::fs::write(specs.join("users.yaml"), table_yaml("users", "app", "")).unwrap();

    let (mut planner, address) = start_planner(&dir, "127.0.0.1:0", &dir.join("planner.db"), 1);
    let mut watcher = start_watcher(&dir, &address, &specs);
    let mut executor = start_executor(&dir, &address, "exec-1", 5);
    let mut client = client(&address).await;

    // A new spec file → a Planned migration with the right DDL, listed by the CLI.
    let planned = wait_for("a Planned migration for users", WAIT, || {
        let mut c = client.clone();
        async move { migrations(&mut c, "users").await.into_iter().find(|m| phase(m) == pb::Phase::Planned) }
    })
    .await;
    assert!(planned.statements[0].sql.starts_with("CREATE TABLE \"users\""), "{:?}", planned.statements);
    assert_eq!((planned.database.as_str(), planned.reason.as_str()), ("app", "spec"));
    let listing = cli_ok(&["get", "migrations", "--planner", &address]);
    assert!(listing.starts_with("NAMESPACE   NAME"), "{listing}");
    assert!(listing.contains(&format!("default     {}   app        users   Planned", planned.id)), "{listing}");
    let described = cli_ok(&["describe", "migration", &planned.id, "--planner", &address]);
    assert!(described.contains("CREATE TABLE \"users\"") && described.contains("Phase:           Planned"), "{described}");
    assert!(sqlite_columns(&app_db, "users").await.is_empty(), "nothing is applied before approval");

    // Approve with the CLI → Executed, and the table exists, recorded once in the ledger.
    let approved = cli_ok(&["approve", "migration", &planned.id, "--planner", &address]);
    assert_eq!(approved.trim(), format!("Migration {} approved", planned.id));
    let id = planned.id.clone();
    wait_for("the migration to be executed", WAIT, || {
        let mut c = client.clone();
        let id = id.clone();
        async move { migrations(&mut c, "users").await.into_iter().find(|m| m.id == id && phase(m) == pb::Phase::Executed) }
    })
    .await;
    assert_eq!(sqlite_columns(&app_db, "users").await, vec!["id", "email"]);
    assert_eq!(ledger_ids(&app_db).await, vec![planned.id.clone()]);
    // Over plaintext there is no identity: the approval is recorded as anonymous.
    assert_eq!(get_migration(&mut client.clone(), &planned.id).await.approved_by, "anonymous");

    // Approving it again is refused with a clear error.
    let again = cli(&["approve", "migration", &planned.id, "--planner", &address]);
    assert_eq!(again.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&again.stderr).contains("is Executed; only Planned migrations can be approved"));
    let missing = cli(&["describe", "migration", "nope-123", "--planner", &address]);
    assert!(String::from_utf8_lossy(&missing.stderr).contains("migration nope-123 not found"));

    // Edit the spec → a new migration; reject it → nothing applied, and drift checks do not
    // bring the same plan back.
    std::fs::write(specs.join("users.yaml"), table_yaml("users", "app", "        - name: nickname\n          type: text\n")).unwrap();
    let edited = wait_for("a migration for the edited spec", WAIT, || {
        let mut c = client.clone();
        async move { migrations(&mut c, "users").await.into_iter().find(|m| phase(m) == pb::Phase::Planned) }
    })
    .await;
    assert!(edited.statements.iter().any(|s| s.sql.contains("\"nickname\"")), "{:?}", edited.statements);
    cli_ok(&["reject", "migration", &edited.id, "--planner", &address]);
    tokio::time::sleep(Duration::from_millis(2500)).await; // two drift intervals
    let after_reject = migrations(&mut client, "users").await;
    assert_eq!(after_reject.len(), 2, "{after_reject:?}");
    assert_eq!(get_migration(&mut client, &edited.id).await.rejected_by, "anonymous", "who rejected is recorded");
    assert_eq!(sqlite_columns(&app_db, "users").await, vec!["id", "email"]);

    // A hand-made change to the live table is drift: a new Planned migration, reason drift.
    {
        use sqlx::Connection;
        let mut conn = sqlx::SqliteConnection::connect(&format!("sqlite://{}", app_db.display())).await.unwrap();
        sqlx::query("ALTER TABLE users ADD COLUMN rogue text").execute(&mut conn).await.unwrap();
    }
    let drift = wait_for("a drift migration", WAIT, || {
        let mut c = client.clone();
        async move { migrations(&mut c, "users").await.into_iter().find(|m| phase(m) == pb::Phase::Planned && m.reason == "drift") }
    })
    .await;
    assert!(
        drift.statements.iter().any(|s| s.sql.contains("DROP TABLE \"users\"")),
        "a rebuild drops the rogue column: {:?}",
        drift.statements
    );

    // Recalculate returns the same migration when nothing changed.
    let recalculated = cli_ok(&["recalculate", "migration", &drift.id, "--planner", &address]);
    assert!(recalculated.contains("unchanged"), "{recalculated}");
    assert_eq!(get_migration(&mut client, &drift.id).await.recalculated_by, "anonymous", "who recalculated is recorded");

    // immediateDeploy: applied without approval.
    std::fs::write(specs.join("db-dev.yaml"), database_yaml("dev", &dev_db, true)).unwrap();
    std::fs::write(specs.join("events.yaml"), table_yaml("events", "dev", "")).unwrap();
    let immediate = wait_for("the immediateDeploy migration to be executed", WAIT, || {
        let mut c = client.clone();
        async move { migrations(&mut c, "events").await.into_iter().find(|m| phase(m) == pb::Phase::Executed) }
    })
    .await;
    assert_eq!(immediate.approved_by, "immediateDeploy");
    assert_eq!(sqlite_columns(&dev_db, "events").await, vec!["id", "email"]);

    // Bad input: a broken spec file and a duplicate column are reported, nothing stops.
    std::fs::write(specs.join("broken.yaml"), "spec: [unclosed").unwrap();
    std::fs::write(specs.join("dup.yaml"), table_yaml("dup", "app", "        - name: email\n          type: text\n")).unwrap();
    tokio::time::sleep(Duration::from_millis(1000)).await;
    assert!(watcher.is_running() && planner.is_running() && executor.is_running());
    assert!(migrations(&mut client, "dup").await.is_empty());
    let json = cli_ok(&["get", "migrations", "--planner", &address, "-o", "json", "--table", "users"]);
    let parsed: serde_json::Value = serde_json::from_str(&json).expect("-o json is JSON");
    assert_eq!(parsed.as_array().map(Vec::len), Some(3), "{json}");
    let yaml = cli_ok(&["get", "migrations", "--planner", &address, "-o", "yaml", "--phase", "Executed"]);
    assert!(yaml.contains("phase: Executed") && !yaml.contains("phase: Rejected"), "{yaml}");

    // Graceful shutdown on SIGTERM.
    for p in [&mut watcher, &mut executor, &mut planner] {
        let status = p.terminate();
        assert!(status.is_some_and(|s| s.success()), "{} did not stop cleanly on SIGTERM: {}", p.name, p.log_text());
    }
}
