//! Faults against the real processes and a real Postgres server, restarted for real
//! (`pg_ctlcluster … restart -m fast`, which ends every session at once):
//!
//! - the target database's server restarts in the middle of an apply: the transaction is rolled
//!   back, the executor reports a retry that the Migration shows, and the next attempt applies
//!   it once;
//! - the planner's Postgres store restarts while migrations are planned, claimed and reported:
//!   nothing is applied twice, nothing is lost, and the work resumes by itself.
//!
//! The two tests restart the one server this machine has, so they take turns.

use schemahero_integration::services::*;
use schemahero_proto::v1 as pb;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(90);

/// Restarts take turns: both tests restart the same server.
static RESTARTS: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// Restarts this machine's Postgres cluster (fast: active sessions are terminated) and waits
/// until it accepts connections again.
async fn restart_postgres() {
    let version = std::fs::read_dir("/etc/postgresql")
        .expect("a Debian Postgres cluster (/etc/postgresql)")
        .filter_map(|e| e.ok().map(|e| e.file_name().to_string_lossy().into_owned()))
        .next()
        .expect("a cluster version");
    let status = Command::new("pg_ctlcluster")
        .args(["--skip-systemctl-redirect", &version, "main", "restart", "-m", "fast"])
        .status()
        .expect("run pg_ctlcluster");
    assert!(status.success(), "pg_ctlcluster restart failed");
    wait_for("Postgres to accept connections again", WAIT, || async {
        use sqlx::Connection;
        sqlx::PgConnection::connect(&format!("{}/postgres", postgres_server())).await.ok().map(|_| ())
    })
    .await;
}

/// A Table manifest for `engine` with an integer primary key `id` and integer `columns`.
fn table_yaml(engine: &str, name: &str, database: &str, columns: &[&str]) -> String {
    let columns: String = ["id"].iter().chain(columns).map(|c| format!("        - name: {c}\n          type: integer\n")).collect();
    format!(
        "apiVersion: schemas.schemahero.io/v1alpha4\nkind: Table\nmetadata:\n  name: {name}\nspec:\n  database: {database}\n  name: {name}\n  schema:\n    {engine}:\n      primaryKey: [id]\n      columns:\n{columns}"
    )
}

async fn pg_query_ids(uri: &str, sql: &str) -> Vec<String> {
    use sqlx::Connection;
    let mut conn = sqlx::PgConnection::connect(uri).await.expect("connect to the target");
    let rows: Vec<(String,)> = sqlx::query_as(sqlx::AssertSqlSafe(sql.to_string())).fetch_all(&mut conn).await.unwrap_or_default();
    rows.into_iter().map(|(s,)| s).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_target_postgres_restarts_in_the_middle_of_an_apply() {
    let _turn = RESTARTS.lock().await;
    let dir = scratch("fault-target");
    let specs = dir.join("specs");
    std::fs::create_dir_all(&specs).unwrap();
    let uri = fresh_postgres_database("shfault_target").await;
    std::fs::write(specs.join("db.yaml"), postgres_database_yaml("target", &uri, true)).unwrap();
    std::fs::write(specs.join("users.yaml"), table_yaml("postgres", "users", "target", &[])).unwrap();

    let (_planner, address) = start_planner(&dir, "127.0.0.1:0", &dir.join("planner.db"), 3600);
    let _watcher = start_watcher(&dir, &address, &specs);
    let mut executor = start_executor(&dir, &address, "ex-1", 5);
    let mut client = client(&address).await;
    wait_for("users to be created", WAIT, || {
        let mut c = client.clone();
        async move { migrations(&mut c, "users").await.into_iter().find(|m| phase(m) == pb::Phase::Executed) }
    })
    .await;

    // Hold the table so that the next apply blocks inside its transaction.
    use sqlx::Connection;
    let mut holder = sqlx::PgConnection::connect(&uri).await.unwrap();
    sqlx::raw_sql("BEGIN; LOCK TABLE users IN ACCESS EXCLUSIVE MODE").execute(&mut holder).await.unwrap();
    std::fs::write(specs.join("users.yaml"), table_yaml("postgres", "users", "target", &["email"])).unwrap();
    let blocked = wait_for("the apply to block on the lock", WAIT, || {
        let mut c = client.clone();
        let uri = uri.clone();
        async move {
            let executing = migrations(&mut c, "users").await.into_iter().find(|m| phase(m) == pb::Phase::Executing)?;
            let waiting = pg_query_ids(
                &uri,
                "SELECT pid::text FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'",
            )
            .await;
            (!waiting.is_empty()).then_some(executing)
        }
    })
    .await;

    restart_postgres().await;
    drop(holder); // its session ended with the restart

    let done = wait_for("the migration to be applied after the restart", WAIT, || {
        let mut c = client.clone();
        let id = blocked.id.clone();
        async move { get_or_none(&mut c, &id).await.filter(|m| phase(m) == pb::Phase::Executed) }
    })
    .await;
    assert!(done.attempts >= 2, "a second attempt applied it: {done:?}");
    assert!(
        done.error.contains("database connection lost while applying"),
        "the Migration says what interrupted the first attempt: {:?}",
        done.error
    );
    let ledger =
        pg_query_ids(&uri, &format!("SELECT migration_id FROM schemahero_migrations_ledger WHERE migration_id = '{}'", done.id)).await;
    assert_eq!(ledger.len(), 1, "applied exactly once");
    let columns =
        pg_query_ids(&uri, "SELECT column_name::text FROM information_schema.columns WHERE table_name = 'users' ORDER BY ordinal_position")
            .await;
    assert_eq!(columns, vec!["id", "email"]);
    assert!(executor.is_running(), "the executor survived the restart");
    assert!(executor.log_text().contains("lost the database connection while applying"), "{}", executor.log_text());
    // Converged: nothing more to plan.
    client.recalculate_migration(pb::RecalculateMigrationRequest { id: done.id.clone() }).await.expect("recalculate");
    let open: Vec<_> = migrations(&mut client, "users").await.into_iter().filter(|m| phase(m) == pb::Phase::Planned).collect();
    assert!(open.is_empty(), "planning again yields nothing: {open:?}");
}

async fn get_or_none(client: &mut Client, id: &str) -> Option<pb::Migration> {
    client.get_migration(pb::GetMigrationRequest { id: id.to_string() }).await.ok()?.into_inner().migration
}

async fn ledger_rows(db: &Path) -> Vec<String> {
    use sqlx::Connection;
    let Ok(mut conn) = sqlx::SqliteConnection::connect(&format!("sqlite://{}", db.display())).await else { return Vec::new() };
    let rows: Vec<(String,)> = sqlx::query_as("SELECT migration_id FROM schemahero_migrations_ledger ORDER BY migration_id")
        .fetch_all(&mut conn)
        .await
        .unwrap_or_default();
    rows.into_iter().map(|(c,)| c).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_planner_store_restarts_with_migrations_in_flight() {
    let _turn = RESTARTS.lock().await;
    let dir = scratch("fault-store");
    let specs = dir.join("specs");
    std::fs::create_dir_all(&specs).unwrap();
    let store = fresh_postgres_database("shfault_store").await;
    const DATABASES: usize = 4;
    const TABLES: usize = 6;
    for d in 0..DATABASES {
        let path = dir.join(format!("db{d}.sqlite"));
        std::fs::write(
            specs.join(format!("db{d}.yaml")),
            format!(
                "apiVersion: databases.schemahero.io/v1alpha4\nkind: Database\nmetadata:\n  name: db{d}\nspec:\n  immediateDeploy: true\n  connection:\n    sqlite:\n      dsn:\n        value: {}\n",
                path.display()
            ),
        )
        .unwrap();
    }
    let (mut planner, address) =
        spawn_planner(&dir, &["--listen", "127.0.0.1:0", "--store", &store, "--drift-interval-secs", "3600", "--debounce-ms", "50"]);
    let _watcher = start_watcher(&dir, &format!("http://{address}"), &specs);
    let _e1 = start_executor(&dir, &format!("http://{address}"), "ex-1", 5);
    let _e2 = start_executor(&dir, &format!("http://{address}"), "ex-2", 5);
    let client = client(&format!("http://{address}")).await;

    // The first half of the tables, then the restart as soon as work is in flight, then the rest.
    let write_tables = |range: std::ops::Range<usize>| {
        for t in range {
            for d in 0..DATABASES {
                std::fs::write(
                    specs.join(format!("t{t}-db{d}.yaml")),
                    table_yaml("sqlite", &format!("t{t}_db{d}"), &format!("db{d}"), &[]),
                )
                .unwrap();
            }
        }
    };
    write_tables(0..TABLES / 2);
    wait_for("work in flight", WAIT, || {
        let mut c = client.clone();
        async move {
            let all = c.list_migrations(pb::ListMigrationsRequest::default()).await.ok()?.into_inner().migrations;
            all.iter().any(|m| phase(m) == pb::Phase::Executed).then_some(())
        }
    })
    .await;
    restart_postgres().await;
    write_tables(TABLES / 2..TABLES);

    let all = wait_for("every table applied", WAIT, || {
        let mut c = client.clone();
        async move {
            let all = c.list_migrations(pb::ListMigrationsRequest::default()).await.ok()?.into_inner().migrations;
            let executed = all.iter().filter(|m| phase(m) == pb::Phase::Executed).count();
            (executed == DATABASES * TABLES).then_some(all)
        }
    })
    .await;
    assert!(all.iter().all(|m| phase(m) == pb::Phase::Executed), "nothing failed or was lost: {all:?}");
    for d in 0..DATABASES {
        let ledger = ledger_rows(&dir.join(format!("db{d}.sqlite"))).await;
        let mut expected: Vec<String> = all.iter().filter(|m| m.database == format!("db{d}")).map(|m| m.id.clone()).collect();
        expected.sort();
        assert_eq!(ledger, expected, "db{d}: each migration applied exactly once");
    }
    assert!(planner.is_running(), "the planner rode out its store's restart");
}
