//! Execution hints on SQLite: a lock-timeout hint is the connection's busy timeout while its
//! statement runs (so a statement behind another connection's write lock gives up after the
//! hint, not after the 5 s default), and a statement marked outside the transaction (`VACUUM`,
//! which SQLite refuses inside one) runs between normal statements.

use schemahero_engine::{Driver, Engine};
use schemahero_plan::PlannedStatement;
use sqlx::{Connection, SqliteConnection};
use std::path::PathBuf;
use std::time::{Duration, Instant};

fn fresh_file(name: &str) -> PathBuf {
    let path = std::env::temp_dir().join(format!("schemahero-{name}-{}.db", std::process::id()));
    let _ = std::fs::remove_file(&path);
    path
}

fn statement(sql: &str) -> PlannedStatement {
    PlannedStatement::new("", sql)
}

async fn columns(conn: &mut SqliteConnection, table: &str) -> Vec<String> {
    let rows: Vec<(String,)> =
        sqlx::query_as("SELECT name FROM pragma_table_info(?) ORDER BY cid").bind(table).fetch_all(conn).await.unwrap();
    rows.into_iter().map(|(c,)| c).collect()
}

/// The busy timeout of the engine's (only) connection, read through a table it creates.
async fn busy_timeout(engine: &Engine, check: &mut SqliteConnection, table: &str) -> i64 {
    engine.apply(&[format!("CREATE TABLE {table} AS SELECT * FROM pragma_busy_timeout")]).await.unwrap();
    let (ms,): (i64,) = sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT * FROM {table}"))).fetch_one(check).await.unwrap();
    ms
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lock_timeout_hint_is_the_busy_timeout_of_its_statement() {
    let path = fresh_file("hints-busy");
    let engine = Engine::connect(Driver::Sqlite, path.to_str().unwrap()).await.unwrap();
    engine.apply(&["CREATE TABLE items (id integer PRIMARY KEY)".to_string()]).await.unwrap();
    let mut holder = SqliteConnection::connect(&format!("sqlite://{}", path.display())).await.unwrap();
    let default = busy_timeout(&engine, &mut holder, "before_values").await;

    // Another connection holds the write lock.
    sqlx::raw_sql("BEGIN IMMEDIATE").execute(&mut holder).await.unwrap();
    let plan = [statement("ALTER TABLE items ADD COLUMN label text").with_lock_timeout(Duration::from_millis(200))];
    let started = Instant::now();
    let err = engine.apply_statements(&plan).await.expect_err("the database is locked");
    let elapsed = started.elapsed();
    println!("lock timeout hint of 200 ms: the apply failed after {elapsed:?} (default busy timeout {default} ms)");
    assert!(elapsed < Duration::from_secs(2), "gave up after the hint, not the default: {elapsed:?}");
    assert!(err.is_lock_timeout(), "{err:?}");
    let message = err.to_string();
    assert!(message.contains("statement 1 (ALTER TABLE on items) gave up waiting after its lock timeout hint of 200 ms"), "{message}");
    assert!(message.contains("nothing of the plan was applied"), "{message}");
    sqlx::raw_sql("COMMIT").execute(&mut holder).await.unwrap();

    assert_eq!(columns(&mut holder, "items").await, ["id"]);
    assert_eq!(busy_timeout(&engine, &mut holder, "after_values").await, default, "the connection's busy timeout is back");
    engine.apply_statements(&plan).await.unwrap();
    assert_eq!(columns(&mut holder, "items").await, ["id", "label"]);
    engine.close().await;
    let _ = std::fs::remove_file(&path);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn vacuum_runs_outside_the_transaction_between_normal_statements() {
    let path = fresh_file("hints-vacuum");
    let engine = Engine::connect(Driver::Sqlite, path.to_str().unwrap()).await.unwrap();
    let mut check = SqliteConnection::connect(&format!("sqlite://{}", path.display())).await.unwrap();
    let create = statement("CREATE TABLE notes (id integer PRIMARY KEY, body text)");
    let add = statement("ALTER TABLE notes ADD COLUMN at text");

    let inside = [create.clone(), statement("VACUUM"), add.clone()];
    let err = engine.apply_statements(&inside).await.expect_err("SQLite refuses VACUUM in a transaction");
    assert!(err.to_string().contains("cannot VACUUM from within a transaction"), "{err}");
    assert!(columns(&mut check, "notes").await.is_empty(), "nothing applied");

    engine.apply_statements(&[create, statement("VACUUM").outside_transaction(), add]).await.unwrap();
    assert_eq!(columns(&mut check, "notes").await, ["id", "body", "at"]);
    engine.close().await;
    let _ = std::fs::remove_file(&path);
}
