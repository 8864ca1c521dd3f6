//! The default lock-timeout hint end to end, with the services as real processes on Postgres:
//! the planner plans an ALTER with the engine's 10 s lock timeout, the hint reaches the review
//! API and `describe migration`, and an executor whose ALTER is queued behind a long
//! transaction gives up after the hint, reports a retry that says why (not a failure), and
//! applies the migration once the transaction is gone.

use schemahero_integration::services::*;
use schemahero_proto::v1 as pb;
use sqlx::{Connection, PgConnection};
use std::time::{Duration, Instant};

const WAIT: Duration = Duration::from_secs(60);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lock_timeout_is_retried_and_applies_once_the_lock_is_gone() {
    let uri = fresh_postgres_database("shsvc_locktimeout").await;
    let mut holder = PgConnection::connect(&uri).await.unwrap();
    sqlx::raw_sql("CREATE TABLE items (id integer PRIMARY KEY)").execute(&mut holder).await.unwrap();
    let dir = scratch("lock-timeout");
    let specs = dir.join("specs");
    std::fs::create_dir_all(&specs).unwrap();
    std::fs::write(specs.join("db.yaml"), postgres_database_yaml("pg", &uri, false)).unwrap();
    std::fs::write(
        specs.join("items.yaml"),
        "database: pg\nname: items\nschema:\n  postgres:\n    primaryKey: [id]\n    columns:\n      - name: id\n        type: integer\n      - name: label\n        type: text\n",
    )
    .unwrap();
    let (_planner, address) = start_planner(&dir, "127.0.0.1:0", &dir.join("planner.db"), 300);
    let _watcher = start_watcher(&dir, &address, &specs);
    let mut client = client(&address).await;
    let planned = wait_for("the plan", WAIT, || {
        let mut c = client.clone();
        async move { migrations(&mut c, "items").await.into_iter().find(|m| phase(m) == pb::Phase::Planned) }
    })
    .await;

    // The engine's default hint, carried through the planner's store and the wire.
    let alter: Vec<&pb::Statement> = planned.statements.iter().filter(|s| s.sql.starts_with("ALTER TABLE")).collect();
    assert_eq!(alter.len(), 1, "{:?}", planned.statements);
    assert_eq!((alter[0].lock_timeout_ms, alter[0].statement_timeout_ms, alter[0].outside_transaction), (10_000, 0, false));
    let described = cli(&["describe", "migration", &planned.id, "--planner", &address]);
    let described = String::from_utf8_lossy(&described.stdout);
    assert!(described.contains("  -- hints: lock timeout 10s\n  ALTER TABLE \"items\" ADD COLUMN \"label\" text;"), "{described}");

    // A long transaction (a report, a forgotten session) has read the table: the ALTER needs
    // ACCESS EXCLUSIVE and would wait for it, with every later query on the table behind it.
    sqlx::raw_sql("BEGIN; SELECT * FROM items").execute(&mut holder).await.unwrap();
    approve_migration(&mut client, &planned.id).await;
    let approved = Instant::now();
    let _executor = start_executor(&dir, &address, "exec-lock", 30);
    let waiting = wait_for("the lock timeout to be reported as a retry", WAIT, || {
        let mut c = client.clone();
        let id = planned.id.clone();
        async move { migrations(&mut c, "items").await.into_iter().find(|m| m.id == id && m.waiting_reason.contains("lock timeout")) }
    })
    .await;
    println!("approval to the retry report (10 s lock timeout hint): {:?}", approved.elapsed());
    assert_eq!(phase(&waiting), pb::Phase::Approved, "a retry, not a failure: {}", waiting.error);
    assert!(
        waiting.waiting_reason.contains("gave up waiting for a lock after its lock timeout hint of 10000 ms")
            && waiting.waiting_reason.contains("nothing of the plan was applied"),
        "{}",
        waiting.waiting_reason
    );

    // The transaction ends: the next attempt applies the migration, once.
    sqlx::raw_sql("ROLLBACK").execute(&mut holder).await.unwrap();
    let done = wait_for("the migration to be executed after the lock is released", WAIT, || {
        let mut c = client.clone();
        let id = planned.id.clone();
        async move { migrations(&mut c, "items").await.into_iter().find(|m| m.id == id && phase(m) == pb::Phase::Executed) }
    })
    .await;
    assert!(done.attempts >= 2, "attempts: {}", done.attempts);
    let columns: Vec<(String,)> =
        sqlx::query_as("SELECT column_name::text FROM information_schema.columns WHERE table_name = 'items' ORDER BY ordinal_position")
            .fetch_all(&mut holder)
            .await
            .unwrap();
    assert_eq!(columns, vec![("id".to_string(),), ("label".to_string(),)]);
    let ledger: Vec<(String,)> =
        sqlx::query_as("SELECT migration_id FROM schemahero_migrations_ledger").fetch_all(&mut holder).await.unwrap();
    assert_eq!(ledger, vec![(planned.id.clone(),)], "recorded once");
}
