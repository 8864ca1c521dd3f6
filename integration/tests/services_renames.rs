//! `renamedFrom` and checks through the services (watcher → planner → executor), which plan
//! with the same engines as the CLI: the migration renames rather than drops, the rows stay,
//! and the next drift passes plan nothing.

use schemahero_integration::services::*;
use schemahero_proto::v1 as pb;
use std::path::Path;
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(30);

async fn sqlite(db: &Path, sql: &str) -> Vec<(i64, String)> {
    use sqlx::Connection;
    let mut conn = sqlx::SqliteConnection::connect(&format!("sqlite://{}?mode=rwc", db.display())).await.expect("open the target database");
    if sql.starts_with("SELECT") {
        return sqlx::query_as(sqlx::AssertSqlSafe(sql.to_string())).fetch_all(&mut conn).await.expect("query");
    }
    sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_string())).execute(&mut conn).await.expect("setup");
    Vec::new()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_renamed_table_and_column_keep_their_rows_through_the_services() {
    let dir = scratch("renames");
    let specs = dir.join("specs");
    std::fs::create_dir_all(&specs).unwrap();
    let db = dir.join("app.db");
    sqlite(&db, "CREATE TABLE people (id integer PRIMARY KEY, full_name text); INSERT INTO people VALUES (1, 'Ada')").await;
    std::fs::write(
        specs.join("db.yaml"),
        format!(
            "apiVersion: databases.schemahero.io/v1alpha4\nkind: Database\nmetadata:\n  name: app\nspec:\n  connection:\n    sqlite:\n      dsn:\n        value: {}\n",
            db.display()
        ),
    )
    .unwrap();
    std::fs::write(
        specs.join("customers.yaml"),
        "apiVersion: schemas.schemahero.io/v1alpha4\nkind: Table\nmetadata:\n  name: customers\nspec:\n  database: app\n  name: customers\n  renamedFrom: people\n  schema:\n    sqlite:\n      primaryKey: [id]\n      columns:\n        - name: id\n          type: integer\n        - name: name\n          renamedFrom: full_name\n          type: text\n      checks:\n        - name: name_set\n          expression: length(name) > 0\n",
    )
    .unwrap();

    let (mut planner, address) = start_planner(&dir, "127.0.0.1:0", &dir.join("planner.db"), 1);
    let mut watcher = start_watcher(&dir, &address, &specs);
    let mut executor = start_executor(&dir, &address, "exec-1", 5);
    let client = client(&address).await;

    let planned = wait_for("a Planned migration for customers", WAIT, || {
        let mut c = client.clone();
        async move { migrations(&mut c, "customers").await.into_iter().find(|m| phase(m) == pb::Phase::Planned) }
    })
    .await;
    let sql: Vec<&str> = planned.statements.iter().map(|s| s.sql.as_str()).collect();
    assert_eq!(
        sql[..2],
        ["ALTER TABLE \"people\" RENAME TO \"customers\"", "ALTER TABLE \"customers\" RENAME COLUMN \"full_name\" TO \"name\""]
    );
    assert!(!sql.iter().any(|s| s.starts_with("DROP TABLE \"people\"")), "never a drop of the old table: {sql:?}");
    approve_migration(&mut client.clone(), &planned.id).await;
    let id = planned.id.clone();
    wait_for("the migration to be executed", WAIT, || {
        let mut c = client.clone();
        let id = id.clone();
        async move { migrations(&mut c, "customers").await.into_iter().find(|m| m.id == id && phase(m) == pb::Phase::Executed) }
    })
    .await;
    assert_eq!(sqlite(&db, "SELECT id, name FROM customers").await, [(1, "Ada".to_string())]);

    // Converged: drift passes plan nothing more.
    tokio::time::sleep(Duration::from_millis(2500)).await;
    assert_eq!(migrations(&mut client.clone(), "customers").await.len(), 1);
    for p in [&mut watcher, &mut executor, &mut planner] {
        p.terminate();
    }
}
