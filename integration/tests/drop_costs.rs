//! Destructive changes show their cost on each engine: the DELETES_DATA hazard of a dropped
//! table or column names the rows it takes, from the catalog's statistics when the table is
//! large (Postgres `reltuples` after ANALYZE, MariaDB `TABLE_ROWS`, SQLite `sqlite_stat1`), and
//! as "more than 10,000" when a large table has no statistics (the bounded count stops there).
//! The figure is only in the hazard: the SQL is the same whatever the statistics say.

use schemahero_engine::{Driver, Engine};
use schemahero_integration::services::fresh_postgres_database;
use sqlx::{Connection, MySqlConnection, PgConnection, SqliteConnection};

fn tables_of(yaml: &str) -> Vec<schemahero_schema::TableManifest> {
    let parsed = schemahero_schema::parse_documents("test.yaml", yaml).expect("spec parses");
    parsed
        .documents
        .into_iter()
        .filter_map(|d| match d {
            schemahero_schema::Document::Table(t) => Some(t),
            _ => None,
        })
        .collect()
}

/// `big` keeps only `id` (its `legacy` column is dropped) and `other` is deleted.
fn spec(engine: &str) -> String {
    format!(
        "database: db\nname: big\nschema:\n  {engine}:\n    primaryKey: [id]\n    columns:\n      - name: id\n        type: integer\n\
         ---\ndatabase: db\nname: other\nschema:\n  {engine}:\n    isDeleted: true\n"
    )
}

/// (the DROP COLUMN hazard of `big`, the DROP TABLE hazard of `other`, every statement's SQL).
async fn plan_hazards(engine: &Engine, spec: &str) -> (String, String, Vec<String>) {
    let mut warnings = Vec::new();
    let plan = engine.plan(&tables_of(spec), false, &mut warnings).await.expect("plan");
    let hazard = |needle: &str| {
        plan.statements
            .iter()
            .flat_map(|s| &s.hazards)
            .find(|h| h.kind == schemahero_plan::HazardKind::DeletesData && h.message.contains(needle))
            .map(|h| h.message.clone())
            .unwrap_or_else(|| panic!("no DELETES_DATA hazard about {needle} in\n{}", plan.to_sql()))
    };
    println!("{}", plan.to_sql());
    (hazard("legacy"), hazard("other"), plan.statements.iter().map(|s| s.sql.clone()).collect())
}

/// The thousands in "about 200k rows, estimated from statistics".
fn estimated_thousands(message: &str) -> u64 {
    let rest = message.split("about ").nth(1).unwrap_or_else(|| panic!("no estimate in {message:?}"));
    assert!(rest.contains("k rows, estimated from statistics"), "{message}");
    rest.split('k').next().and_then(|n| n.parse().ok()).unwrap_or_else(|| panic!("no figure in {message:?}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_reports_the_estimate_of_an_analyzed_table_and_a_bound_without_statistics() {
    let uri = fresh_postgres_database("shcost_pg").await;
    let mut conn = PgConnection::connect(&uri).await.unwrap();
    // Autovacuum stays off, or it could analyze `other` while the test runs.
    let setup = "CREATE TABLE big (id integer PRIMARY KEY, legacy text) WITH (autovacuum_enabled = false);
                 INSERT INTO big SELECT g, 'x' FROM generate_series(1, 200000) g;
                 CREATE TABLE other (id integer PRIMARY KEY) WITH (autovacuum_enabled = false);
                 INSERT INTO other SELECT g FROM generate_series(1, 20000) g;";
    sqlx::raw_sql(setup).execute(&mut conn).await.unwrap();
    let engine = Engine::connect(Driver::Postgres, &uri).await.unwrap();

    let (_, other, sql_before) = plan_hazards(&engine, &spec("postgres")).await;
    assert_eq!(other, "drops table public.other and all its rows (more than 10,000 rows; statistics missing or stale)");

    sqlx::raw_sql("ANALYZE big; ANALYZE other").execute(&mut conn).await.unwrap();
    let (legacy, other, sql_after) = plan_hazards(&engine, &spec("postgres")).await;
    let thousands = estimated_thousands(&legacy);
    assert!((190..=210).contains(&thousands), "200,000 rows estimated as {thousands}k: {legacy}");
    assert!(legacy.starts_with("drops column legacy and its data (about "), "{legacy}");
    assert_eq!(estimated_thousands(&other), 20, "{other}");
    assert_eq!(sql_before, sql_after, "statistics change the hazards only, never the SQL");
    engine.close().await;
}

fn mysql_server() -> String {
    std::env::var("SCHEMAHERO_TEST_MYSQL").unwrap_or_else(|_| "mysql://root@127.0.0.1:3306".into())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mariadb_reports_table_rows_of_a_large_table() {
    let name = schemahero_integration::test_db_name("shcost_mysql");
    let mut admin = MySqlConnection::connect(&mysql_server()).await.expect("MariaDB/MySQL must be reachable for this test");
    for sql in [format!("DROP DATABASE IF EXISTS `{name}`"), format!("CREATE DATABASE `{name}`")] {
        sqlx::raw_sql(sqlx::AssertSqlSafe(sql)).execute(&mut admin).await.unwrap();
    }
    let uri = format!("{}/{name}", mysql_server());
    let mut conn = MySqlConnection::connect(&uri).await.unwrap();
    // 100,000 rows from five cross-joined digit tables (portable to MySQL and MariaDB).
    let setup = "CREATE TABLE d (n int);
                 INSERT INTO d VALUES (0),(1),(2),(3),(4),(5),(6),(7),(8),(9);
                 CREATE TABLE big (id int PRIMARY KEY, legacy varchar(10));
                 INSERT INTO big SELECT a.n + 10*b.n + 100*c.n + 1000*e.n + 10000*f.n, 'x' FROM d a, d b, d c, d e, d f;
                 CREATE TABLE other (id int PRIMARY KEY);
                 INSERT INTO other VALUES (1), (2);
                 ANALYZE TABLE big;";
    sqlx::raw_sql(setup).execute(&mut conn).await.unwrap();
    let engine = Engine::connect(Driver::Mysql, &uri).await.unwrap();
    let (legacy, other, _) = plan_hazards(&engine, &spec("mysql").replace("type: integer", "type: int")).await;
    // InnoDB's TABLE_ROWS is a sampled estimate: near, not exactly, 100,000.
    let thousands = estimated_thousands(&legacy);
    assert!((50..=200).contains(&thousands), "100,000 rows estimated as {thousands}k: {legacy}");
    assert_eq!(other, "drops table other and all its rows (2 rows)", "a small table is counted exactly");
    engine.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_reports_sqlite_stat1_after_analyze_and_a_bound_before() {
    let path = std::env::temp_dir().join(format!("schemahero-drop-costs-{}.db", std::process::id()));
    let _ = std::fs::remove_file(&path);
    let mut conn = SqliteConnection::connect(&format!("sqlite://{}?mode=rwc", path.display())).await.unwrap();
    let setup = "CREATE TABLE big (id INTEGER PRIMARY KEY, legacy TEXT);
                 WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < 20000) INSERT INTO big SELECT n, 'x' FROM g;
                 CREATE TABLE other (id INTEGER PRIMARY KEY);
                 INSERT INTO other VALUES (1);";
    sqlx::raw_sql(setup).execute(&mut conn).await.unwrap();
    let engine = Engine::connect(Driver::Sqlite, path.to_str().unwrap()).await.unwrap();
    let spec = spec("sqlite");
    let (legacy, other, _) = plan_hazards(&engine, &spec).await;
    assert_eq!(legacy, "the data of column(s) legacy is not copied (more than 10,000 rows; statistics missing or stale)");
    assert_eq!(other, "drops table other and all its rows (1 row)");

    sqlx::raw_sql("ANALYZE").execute(&mut conn).await.unwrap();
    let (legacy, _, _) = plan_hazards(&engine, &spec).await;
    assert_eq!(legacy, "the data of column(s) legacy is not copied (about 20k rows, estimated from statistics)");
    engine.close().await;
    let _ = std::fs::remove_file(&path);
}
