//! Execution hints on the MariaDB server (`SCHEMAHERO_TEST_MYSQL`): a lock-timeout hint is the
//! session's `lock_wait_timeout` while its statement runs, so an ALTER queued behind another
//! session's metadata lock fails fast with an error that says so; a statement-timeout hint is
//! MariaDB's `max_statement_time`; and the session's own values are back afterwards.

use schemahero_engine::{Driver, Engine, PoolLimits};
use schemahero_plan::PlannedStatement;
use sqlx::{Connection, MySqlConnection};
use std::time::{Duration, Instant};

fn server() -> String {
    std::env::var("SCHEMAHERO_TEST_MYSQL").unwrap_or_else(|_| "mysql://root@127.0.0.1:3306".into())
}

async fn fresh_database(name: &str) -> String {
    let name = &schemahero_integration::test_db_name(name);
    let mut admin = MySqlConnection::connect(&server()).await.expect("MariaDB/MySQL must be reachable for this test");
    for sql in [format!("DROP DATABASE IF EXISTS `{name}`"), format!("CREATE DATABASE `{name}`")] {
        sqlx::raw_sql(sqlx::AssertSqlSafe(sql)).execute(&mut admin).await.unwrap();
    }
    format!("{}/{name}", server())
}

/// One connection, so that what a later statement sees is the session that applied before.
async fn engine(uri: &str) -> Engine {
    Engine::connect_with(Driver::Mysql, uri, PoolLimits { max_connections: 1, idle_timeout: None }).await.unwrap()
}

fn statement(sql: &str) -> PlannedStatement {
    PlannedStatement::new("", sql)
}

/// The engine session's `lock_wait_timeout` and `max_statement_time`, read through a table the
/// engine itself creates (the engine exposes no connection).
async fn session_values(engine: &Engine, check: &mut MySqlConnection, table: &str) -> (String, String) {
    let sql = format!(
        "CREATE TABLE {table} AS SELECT CAST(@@SESSION.lock_wait_timeout AS CHAR) AS l, CAST(@@SESSION.max_statement_time AS CHAR) AS s"
    );
    engine.apply(&[sql]).await.unwrap();
    sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT l, s FROM {table}"))).fetch_one(check).await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lock_wait_timeout_hint_fires_against_a_held_metadata_lock() {
    let uri = fresh_database("shhints_mdl").await;
    let mut holder = MySqlConnection::connect(&uri).await.unwrap();
    sqlx::raw_sql("CREATE TABLE items (id int PRIMARY KEY)").execute(&mut holder).await.unwrap();
    let engine = engine(&uri).await;
    let mut check = MySqlConnection::connect(&uri).await.unwrap();
    let before = session_values(&engine, &mut check, "before_values").await;

    // An open transaction that read the table holds its shared metadata lock until it ends.
    sqlx::raw_sql("START TRANSACTION").execute(&mut holder).await.unwrap();
    sqlx::raw_sql("SELECT * FROM items").execute(&mut holder).await.unwrap();
    let plan = [
        statement("CREATE TABLE audit (id int PRIMARY KEY)"),
        statement("ALTER TABLE items ADD COLUMN label varchar(20)").with_lock_timeout(Duration::from_millis(200)),
    ];
    let started = Instant::now();
    let err = engine.apply_statements(&plan).await.expect_err("the metadata lock is held: the ALTER must give up");
    let elapsed = started.elapsed();
    println!("lock timeout hint of 200 ms (lock_wait_timeout 1 s): the apply failed after {elapsed:?}");
    assert!(elapsed < Duration::from_secs(4), "failed fast, not when the holder let go: {elapsed:?}");
    assert!(err.is_lock_timeout() && !err.is_connection_lost(), "{err:?}");
    let message = err.to_string();
    for expected in [
        "statement 2 of 2 (ALTER TABLE on items) gave up waiting for a lock after its lock timeout hint of 200 ms (1 s lock_wait_timeout)",
        "metadata lock",
        "Lock wait timeout exceeded",
        "statement 1 ran and stays applied (MySQL DDL is not transactional)",
    ] {
        assert!(message.contains(expected), "{expected:?} missing from:\n{message}");
    }
    println!("{message}");
    sqlx::raw_sql("COMMIT").execute(&mut holder).await.unwrap();

    let (label,): (i64,) =
        sqlx::query_as("SELECT COUNT(*) FROM information_schema.columns WHERE table_schema = DATABASE() AND table_name = 'items' AND column_name = 'label'")
            .fetch_one(&mut check)
            .await
            .unwrap();
    assert_eq!(label, 0, "the ALTER did not run");
    assert_eq!(session_values(&engine, &mut check, "after_values").await, before, "the session's own values are back");
    engine.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_statement_timeout_hint_is_max_statement_time_on_mariadb() {
    let uri = fresh_database("shhints_mst").await;
    let engine = engine(&uri).await;
    let mut check = MySqlConnection::connect(&uri).await.unwrap();
    let before = session_values(&engine, &mut check, "before_values").await;
    let plan = [statement("SELECT SLEEP(5)").with_statement_timeout(Duration::from_millis(200))];
    let started = Instant::now();
    let err = engine.apply_statements(&plan).await.expect_err("stopped by max_statement_time");
    assert!(started.elapsed() < Duration::from_secs(3), "{:?}", started.elapsed());
    let message = err.to_string();
    assert!(!err.is_lock_timeout(), "{message}");
    assert!(
        message.contains("statement 1 of 1 (SELECT) was stopped after running longer than its statement timeout hint of 200 ms"),
        "{message}"
    );
    assert_eq!(session_values(&engine, &mut check, "after_values").await, before);
    engine.close().await;
}
