//! Runs every case under `integration/cases/mysql` against the MariaDB / MySQL server
//! (`SCHEMAHERO_TEST_MYSQL`, default mysql://root@127.0.0.1:3306), each in a fresh database.
//! (`sqlx::MySqlConnection` is available here because the engine enables sqlx's `mysql`
//! feature.)

use schemahero_engine::Driver;
use schemahero_integration::{dump, list_cases, run_case};
use sqlx::{Connection, MySqlConnection};

fn server() -> String {
    std::env::var("SCHEMAHERO_TEST_MYSQL").unwrap_or_else(|_| "mysql://root@127.0.0.1:3306".into())
}

async fn fresh_database(name: &str) -> String {
    let mut admin = MySqlConnection::connect(&server())
        .await
        .unwrap_or_else(|e| panic!("MariaDB/MySQL is required for these tests and is not reachable at {}: {e}", server()));
    for sql in
        [format!("DROP DATABASE IF EXISTS `{name}`"), format!("CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci")]
    {
        sqlx::raw_sql(sqlx::AssertSqlSafe(sql)).execute(&mut admin).await.expect("create the case database");
    }
    let _ = admin.close().await;
    format!("{}/{name}", server())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mysql_acceptance_cases() {
    let cases = list_cases("mysql");
    let only = std::env::var("CASE").ok();
    let mut failures = Vec::new();
    for case in &cases {
        let name = case.file_name().and_then(|n| n.to_str()).unwrap_or_default().to_string();
        if only.as_deref().is_some_and(|o| !name.contains(o)) {
            continue;
        }
        let db = format!("shcase_{}", name.replace('-', "_"));
        let uri = fresh_database(&db).await;
        match run_case(case, Driver::Mysql, &uri, |u| async move { dump::mysql(&u).await }).await {
            Ok(()) => println!("case {name}: ok"),
            Err(e) => {
                println!("case {name}: FAILED\n{e}");
                failures.push(name);
            }
        }
    }
    assert!(failures.is_empty(), "{} of {} mysql cases failed: {failures:?}", failures.len(), cases.len());
    assert!(cases.len() >= 40, "expected at least 40 mysql cases, found {}", cases.len());
}
