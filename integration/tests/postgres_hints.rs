//! Execution hints on a real Postgres: a lock-timeout hint makes a statement queued behind
//! another session's lock fail fast, with an error that says so, and nothing of the plan
//! applied; a statement marked outside the transaction (`CREATE INDEX CONCURRENTLY`, which
//! Postgres refuses inside one) runs between normal statements; a statement-timeout hint
//! cancels a long statement; and the pooled connection never keeps a hint's setting.

use schemahero_engine::{Driver, Engine, EngineError};
use schemahero_integration::services::fresh_postgres_database;
use schemahero_plan::PlannedStatement;
use schemahero_postgres::PostgresEngine;
use sqlx::{Connection, PgConnection};
use std::time::{Duration, Instant};

fn statement(sql: &str) -> PlannedStatement {
    PlannedStatement::new("", sql)
}

/// The session's lock_timeout and statement_timeout on the engine's only connection: the hints
/// must not outlive the statements they were for.
async fn session_timeouts(engine: &PostgresEngine) -> (String, String) {
    let mut conn = engine.pool().acquire().await.unwrap();
    let (lock,): (String,) = sqlx::query_as("SHOW lock_timeout").fetch_one(&mut *conn).await.unwrap();
    let (statement,): (String,) = sqlx::query_as("SHOW statement_timeout").fetch_one(&mut *conn).await.unwrap();
    (lock, statement)
}

async fn exists(conn: &mut PgConnection, sql: &str) -> bool {
    let (found,): (bool,) = sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT EXISTS ({sql})"))).fetch_one(conn).await.unwrap();
    found
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lock_timeout_hint_fails_fast_behind_a_held_lock_and_applies_nothing() {
    let uri = fresh_postgres_database("shhints_lock").await;
    let mut holder = PgConnection::connect(&uri).await.unwrap();
    sqlx::raw_sql("CREATE TABLE items (id integer PRIMARY KEY)").execute(&mut holder).await.unwrap();
    // A long transaction holds the table (as a slow report or a forgotten session would).
    sqlx::raw_sql("BEGIN; LOCK TABLE items IN ACCESS EXCLUSIVE MODE").execute(&mut holder).await.unwrap();

    // One connection, so that checking its settings afterwards checks the one that applied.
    let engine = PostgresEngine::connect_with(&uri, 1, None).await.unwrap();
    let plan = [
        statement("CREATE TABLE audit (id integer PRIMARY KEY)"),
        statement("ALTER TABLE items ADD COLUMN label text").with_lock_timeout(Duration::from_millis(200)),
    ];
    let started = Instant::now();
    let err = engine.apply(&plan).await.expect_err("the lock is held: the ALTER must give up");
    let elapsed = started.elapsed();
    println!("lock timeout hint of 200 ms: the apply failed after {elapsed:?}");
    assert!(elapsed < Duration::from_secs(3), "failed fast, not after the holder let go: {elapsed:?}");
    assert!(err.is_lock_timeout() && !err.is_connection_lost(), "{err:?}");
    let message = err.to_string();
    for expected in [
        "statement 2 (ALTER TABLE on items) gave up waiting for a lock after its lock timeout hint of 200 ms",
        "SQLSTATE 55P03",
        "nothing of the plan was applied",
        "statement: ALTER TABLE items ADD COLUMN label text",
    ] {
        assert!(message.contains(expected), "{expected:?} missing from:\n{message}");
    }
    println!("{message}");

    sqlx::raw_sql("ROLLBACK").execute(&mut holder).await.unwrap();
    assert!(!exists(&mut holder, "SELECT 1 FROM pg_class WHERE relname = 'audit'").await, "statement 1 rolled back with the plan");
    assert_eq!(session_timeouts(&engine).await, ("0".to_string(), "0".to_string()), "SET LOCAL ended with the transaction");

    // Once the lock is released the same plan applies.
    engine.apply(&plan).await.unwrap();
    assert!(exists(&mut holder, "SELECT 1 FROM information_schema.columns WHERE table_name = 'items' AND column_name = 'label'").await);
    engine.close().await;
}

/// Through the engine interface the executor uses, the failure is classified as a lock
/// timeout (which the executor retries) and its message reaches the caller whole.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lock_timeout_is_classified_for_the_executor() {
    let uri = fresh_postgres_database("shhints_classify").await;
    let mut holder = PgConnection::connect(&uri).await.unwrap();
    sqlx::raw_sql("CREATE TABLE items (id integer PRIMARY KEY)").execute(&mut holder).await.unwrap();
    // An open transaction that read the table holds ACCESS SHARE until it ends.
    sqlx::raw_sql("BEGIN; SELECT * FROM items").execute(&mut holder).await.unwrap();
    let engine = Engine::connect(Driver::Postgres, &uri).await.unwrap();
    engine.ensure_ledger().await.unwrap();
    let plan = [statement("DROP TABLE items").with_lock_timeout(Duration::from_millis(150))];
    let err: EngineError = engine.apply_recorded(&plan, "m-lock", 1, "test").await.expect_err("a reader holds ACCESS SHARE");
    assert!(err.is_lock_timeout(), "{err}");
    assert!(!engine.ledger_contains("m-lock").await.unwrap(), "nothing recorded: the ledger row rolled back with it");
    sqlx::raw_sql("ROLLBACK").execute(&mut holder).await.unwrap();
    engine.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_index_concurrently_runs_outside_the_transaction_between_normal_statements() {
    let uri = fresh_postgres_database("shhints_cic").await;
    let mut check = PgConnection::connect(&uri).await.unwrap();
    let engine = PostgresEngine::connect_with(&uri, 1, None).await.unwrap();
    let create_index = "CREATE INDEX CONCURRENTLY events_kind ON events (kind)";
    let before = [
        statement("CREATE TABLE events (id integer PRIMARY KEY, kind text)"),
        statement("INSERT INTO events SELECT g, 'k' || (g % 7) FROM generate_series(1, 1000) g"),
    ];
    let after = statement("ALTER TABLE events ADD COLUMN at timestamptz").with_lock_timeout(Duration::from_secs(5));

    // In a transaction Postgres refuses it.
    let err = sqlx::raw_sql("BEGIN; CREATE TABLE x (a int); CREATE INDEX CONCURRENTLY xa ON x (a)")
        .execute(&mut check)
        .await
        .expect_err("CREATE INDEX CONCURRENTLY cannot run inside a transaction block");
    assert!(err.to_string().contains("cannot run inside a transaction block"), "{err}");
    sqlx::raw_sql("ROLLBACK").execute(&mut check).await.unwrap();
    // Without the hint (a statement read from a script) the applier still knows it from its
    // SQL and runs it on its own (`online::runs_alone`).
    let unhinted: Vec<PlannedStatement> = before.iter().cloned().chain([statement(create_index), after.clone()]).collect();
    engine.apply(&unhinted).await.unwrap();
    assert!(exists(&mut check, "SELECT 1 FROM pg_class WHERE relname = 'events_kind'").await);
    sqlx::raw_sql("DROP TABLE events").execute(&mut check).await.unwrap();

    // Marked to run outside it: what precedes commits, it runs alone, the rest follows.
    let hinted = statement(create_index).outside_transaction().with_lock_timeout(Duration::from_secs(5));
    let plan: Vec<PlannedStatement> = before.iter().cloned().chain([hinted, after]).collect();
    engine.apply(&plan).await.unwrap();
    assert!(
        exists(
            &mut check,
            "SELECT 1 FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE c.relname = 'events_kind' AND i.indisvalid"
        )
        .await,
        "a valid index"
    );
    assert!(exists(&mut check, "SELECT 1 FROM information_schema.columns WHERE table_name = 'events' AND column_name = 'at'").await);
    let (rows,): (i64,) = sqlx::query_as("SELECT count(*) FROM events").fetch_one(&mut check).await.unwrap();
    assert_eq!(rows, 1000);
    assert_eq!(session_timeouts(&engine).await, ("0".to_string(), "0".to_string()), "the session SET was RESET");

    // A statement outside the transaction that fails says what was committed before it.
    let failing =
        [statement("CREATE TABLE other (id integer)"), statement("CREATE INDEX CONCURRENTLY x ON missing (a)").outside_transaction()];
    let message = engine.apply(&failing).await.expect_err("no such table").to_string();
    assert!(
        message.contains("statement 2 failed") && message.contains("statement 1 was committed before it and stays applied"),
        "{message}"
    );
    assert!(exists(&mut check, "SELECT 1 FROM pg_class WHERE relname = 'other'").await);
    engine.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_statement_timeout_hint_cancels_a_long_statement() {
    let uri = fresh_postgres_database("shhints_stmt").await;
    let engine = PostgresEngine::connect_with(&uri, 1, None).await.unwrap();
    let plan =
        [statement("CREATE TABLE t (id integer)"), statement("SELECT pg_sleep(5)").with_statement_timeout(Duration::from_millis(100))];
    let started = Instant::now();
    let err = engine.apply(&plan).await.expect_err("cancelled");
    assert!(started.elapsed() < Duration::from_secs(3), "{:?}", started.elapsed());
    let message = err.to_string();
    assert!(!err.is_lock_timeout(), "not retried as a lock timeout: {message}");
    assert!(
        message.contains("statement 2 (SELECT) was cancelled after running longer than its statement timeout hint of 100 ms")
            && message.contains("SQLSTATE 57014")
            && message.contains("nothing of the plan was applied"),
        "{message}"
    );
    // Outside a transaction the hint is a session SET, RESET afterwards even on failure.
    let alone = [statement("SELECT pg_sleep(5)").outside_transaction().with_statement_timeout(Duration::from_millis(100))];
    assert!(engine.apply(&alone).await.expect_err("cancelled").to_string().contains("statement timeout hint of 100 ms"));
    assert_eq!(session_timeouts(&engine).await, ("0".to_string(), "0".to_string()));
    engine.close().await;
}
