//! The planner at scale, as real processes on Postgres over TLS (this machine's default): a
//! database's tables are planned in a few batches from bulk introspections (not one per table),
//! none fails for lack of connections, unchanged tables are recognised on a drift pass, and a
//! table that cannot be planned is retried within seconds instead of waiting for the next pass.

use schemahero_integration::services::*;
use schemahero_proto::v1 as pb;
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(60);

fn table_yaml(i: usize, database: &str) -> String {
    format!(
        "apiVersion: schemas.schemahero.io/v1alpha4\nkind: Table\nmetadata:\n  name: t{i}\nspec:\n  database: {database}\n  name: t{i}\n  schema:\n    postgres:\n      primaryKey: [id]\n      indexes:\n        - columns: [name]\n      columns:\n        - name: id\n          type: bigint\n        - name: name\n          type: text\n"
    )
}

/// The `key=value` fields of the planner's "planned a batch" log lines.
fn batches(log: &str) -> Vec<std::collections::HashMap<String, usize>> {
    log.lines()
        .filter(|l| l.contains("planned a batch"))
        .map(|l| {
            strip_ansi(l)
                .split_whitespace()
                .filter_map(|w| w.split_once('='))
                .filter_map(|(k, v)| v.parse::<usize>().ok().map(|v| (k.to_string(), v)))
                .collect()
        })
        .collect()
}

/// The log without its terminal colours.
fn strip_ansi(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_of_300_tables_plans_in_a_few_batches_and_drift_skips_unchanged_tables() {
    use sqlx::{Connection, PgConnection};
    const TABLES: usize = 300;
    const EXISTING: usize = 200;
    let uri = fresh_postgres_database("shsvc_scale").await;
    let mut conn = PgConnection::connect(&uri).await.expect("connect");
    let mut ddl = String::new();
    for i in 0..EXISTING {
        ddl.push_str(&format!("CREATE TABLE t{i} (id bigint PRIMARY KEY, name text); CREATE INDEX idx_t{i}_name ON t{i} (name);\n"));
    }
    sqlx::raw_sql(sqlx::AssertSqlSafe(ddl)).execute(&mut conn).await.expect("create the existing tables");

    let dir = scratch("scale");
    let specs = dir.join("specs");
    std::fs::create_dir_all(&specs).unwrap();
    std::fs::write(specs.join("db.yaml"), postgres_database_yaml("pg", &uri, false)).unwrap();
    for i in 0..TABLES {
        std::fs::write(specs.join(format!("t{i:04}.yaml")), table_yaml(i, "pg")).unwrap();
    }
    let (planner, address) = start_planner(&dir, "127.0.0.1:0", &dir.join("planner.db"), 4);
    let _watcher = start_watcher(&dir, &address, &specs);
    let mut client = client(&address).await;

    let planned = wait_for("a migration for each missing table", WAIT, || {
        let mut client = client.clone();
        async move {
            let all = client.list_migrations(pb::ListMigrationsRequest::default()).await.ok()?.into_inner().migrations;
            (all.len() >= TABLES - EXISTING).then_some(all)
        }
    })
    .await;
    assert_eq!(planned.len(), TABLES - EXISTING, "one migration per missing table, none for the tables that match");
    assert!(planned.iter().all(|m| phase(m) == pb::Phase::Planned && m.table.starts_with('t')));

    // A drift pass (every 4 s here) plans all 300 again in one batch; the 200 tables that
    // match and have not changed are recognised by their fingerprints.
    let log = wait_for("a drift pass", WAIT, || {
        let log = planner.log_text();
        async move { log.contains("drift pass done").then_some(log) }
    })
    .await;
    let all = batches(&log);
    let startup_tables: usize = all.iter().map(|b| b["tables"]).sum::<usize>();
    assert!(startup_tables >= TABLES, "every table was planned in some batch: {all:?}");
    assert!(all.iter().all(|b| b["failed"] == 0), "no table failed to plan: {log}");
    let drift = all.iter().find(|b| b["tables"] == TABLES && b["unchanged"] > 0).unwrap_or_else(|| panic!("a drift batch: {all:?}"));
    assert_eq!(drift["unchanged"], EXISTING, "the tables that matched are skipped without touching the store");
    let first_drift = all.iter().position(|b| b["tables"] == TABLES && b["unchanged"] > 0).unwrap_or(all.len());
    assert!(
        first_drift <= 12,
        "startup planned {TABLES} tables in {first_drift} batches (bulk introspections), not one per table: {all:?}"
    );
    assert!(!log.contains("pool timed out"), "{log}");
    // Nothing new was planned by the drift pass.
    let after = client.list_migrations(pb::ListMigrationsRequest::default()).await.unwrap().into_inner().migrations;
    assert_eq!(after.len(), TABLES - EXISTING);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_table_that_cannot_be_planned_is_retried_within_seconds() {
    use sqlx::{Connection, PgConnection};
    let server = postgres_server();
    let name = "shsvc_later";
    let mut admin = PgConnection::connect(&format!("{server}/postgres")).await.expect("PostgreSQL must be reachable");
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))).execute(&mut admin).await.unwrap();

    let dir = scratch("retry");
    let specs = dir.join("specs");
    std::fs::create_dir_all(&specs).unwrap();
    std::fs::write(specs.join("db.yaml"), postgres_database_yaml("pg", &format!("{server}/{name}"), false)).unwrap();
    std::fs::write(specs.join("t1.yaml"), table_yaml(1, "pg")).unwrap();
    // No drift pass for an hour: only the retry can plan the table.
    let (planner, address) = start_planner(&dir, "127.0.0.1:0", &dir.join("planner.db"), 3600);
    let _watcher = start_watcher(&dir, &address, &specs);
    wait_for("a failed attempt", WAIT, || {
        let log = planner.log_text();
        async move { log.contains("planning failed; retrying").then_some(()) }
    })
    .await;
    let log = planner.log_text();
    assert!(log.contains("does not exist"), "the failure says why: {log}");

    sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}"))).execute(&mut admin).await.unwrap();
    let client = client(&address).await;
    let planned = wait_for("the retried plan", Duration::from_secs(40), || {
        let mut client = client.clone();
        async move { migrations(&mut client, "t1").await.into_iter().next() }
    })
    .await;
    assert_eq!(phase(&planned), pb::Phase::Planned);
    assert!(planner.log_text().matches("planning failed; retrying").count() >= 1);
}
