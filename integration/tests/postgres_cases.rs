//! Runs every case under `integration/cases/postgres` against the real Postgres server
//! (`SCHEMAHERO_TEST_POSTGRES`, default postgres://postgres@127.0.0.1:5432), each in a fresh
//! database.

use schemahero_engine::Driver;
use schemahero_integration::{all_cases, dump, list_cases, run_case};
use sqlx::{Connection, PgConnection};

fn server() -> String {
    std::env::var("SCHEMAHERO_TEST_POSTGRES").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".into())
}

async fn fresh_database(name: &str) -> String {
    let mut admin = PgConnection::connect(&format!("{}/postgres", server()))
        .await
        .unwrap_or_else(|e| panic!("PostgreSQL is required for these tests and is not reachable at {}: {e}", server()));
    // The scratch database the plan is validated in (`<name>_shscratch`) goes too.
    for sql in [
        format!("DROP DATABASE IF EXISTS \"{name}_shscratch\" WITH (FORCE)"),
        format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"),
        format!("CREATE DATABASE \"{name}\""),
    ] {
        sqlx::raw_sql(sqlx::AssertSqlSafe(sql)).execute(&mut admin).await.expect("create the case database");
    }
    let _ = admin.close().await;
    format!("{}/{name}", server())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_acceptance_cases() {
    let cases = list_cases("postgres");
    let mut failures = Vec::new();
    for case in &cases {
        let name = case.file_name().and_then(|n| n.to_str()).unwrap_or_default().to_string();
        let db = schemahero_integration::test_db_name(&format!("shcase_{}", name.replace('-', "_")));
        let uri = fresh_database(&db).await;
        match run_case(case, Driver::Postgres, &uri, |u| async move { dump::postgres(&u).await }).await {
            Ok(()) => println!("case {name}: ok"),
            Err(e) => {
                println!("case {name}: FAILED\n{e}");
                failures.push(name);
            }
        }
    }
    assert!(failures.is_empty(), "{} of {} postgres cases failed: {failures:?}", failures.len(), cases.len());
    assert!(!all_cases() || cases.len() >= 40, "expected at least 40 postgres cases, found {}", cases.len());
}
