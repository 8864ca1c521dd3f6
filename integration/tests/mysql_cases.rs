//! Runs every case under `integration/cases/mysql` against the MariaDB / MySQL server
//! (`SCHEMAHERO_TEST_MYSQL`, default mysql://root@127.0.0.1:3306), each in a fresh database.
//! (`sqlx::MySqlConnection` is available here because the engine enables sqlx's `mysql`
//! feature.)

use schemahero_engine::Driver;
use schemahero_integration::{all_cases, dump, list_cases, run_case};
use sqlx::{Connection, MySqlConnection};

fn server() -> String {
    std::env::var("SCHEMAHERO_TEST_MYSQL").unwrap_or_else(|_| "mysql://root@127.0.0.1:3306".into())
}

async fn fresh_database(name: &str) -> String {
    let mut admin = MySqlConnection::connect(&server())
        .await
        .unwrap_or_else(|e| panic!("MariaDB/MySQL is required for these tests and is not reachable at {}: {e}", server()));
    // The scratch database the plan is validated in (`<name>_shscratch`) goes too.
    for sql in [
        format!("DROP DATABASE IF EXISTS `{name}_shscratch`"),
        format!("DROP DATABASE IF EXISTS `{name}`"),
        format!("CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci"),
    ] {
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
        let db = schemahero_integration::test_db_name(&format!("shcase_{}", name.replace('-', "_")));
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
    assert!(!all_cases() || cases.len() >= 40, "expected at least 40 mysql cases, found {}", cases.len());
}

async fn connect(db: &str) -> schemahero_engine::Engine {
    let uri = fresh_database(db).await;
    schemahero_engine::Engine::connect(Driver::Mysql, &uri).await.expect("connect")
}

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

/// The Go-driver DSN SchemaHero users pass works, and a Database's defaultCharset / collation
/// (carried as URI parameters) are what tables without their own are created with and
/// compared against.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn go_dsn_and_database_default_charset() {
    fresh_database("shx_go_dsn").await;
    // mysql://user[:pass]@host:port → user[:pass]@tcp(host:port)/db (test passwords are plain).
    let url = server();
    let rest = url.split_once("://").map(|(_, r)| r).unwrap_or(&url).trim_end_matches('/');
    let (userinfo, hostport) = rest.rsplit_once('@').unwrap_or(("root", rest));
    let dsn = format!("{userinfo}@tcp({hostport})/shx_go_dsn?tls=false&parseTime=true&defaultCharset=latin1");
    let engine = schemahero_engine::Engine::connect(Driver::Mysql, &dsn).await.expect("connect with a Go DSN");
    let tables = tables_of("database: db\nname: t\nschema:\n  mysql:\n    columns:\n      - name: a\n        type: varchar(10)\n");
    let mut warnings = Vec::new();
    let plan = engine.plan(&tables, false, &mut warnings).await.expect("plan");
    assert_eq!(plan.to_sql(), "CREATE TABLE `t` (\n  `a` varchar(10)\n) DEFAULT CHARSET=latin1 COLLATE=latin1_swedish_ci;\n");
    let statements: Vec<String> = plan.statements.iter().map(|s| s.sql.clone()).collect();
    engine.apply(&statements).await.expect("apply");
    let again = engine.plan(&tables, false, &mut warnings).await.expect("re-plan");
    assert!(again.is_empty(), "{}", again.to_sql());
    engine.close().await;
}

/// MySQL DDL is not transactional: a failure says which statements ran and which did not,
/// and the ones that ran stay applied.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn apply_failure_names_what_ran() {
    let engine = connect("shx_apply_failure").await;
    let statements = vec!["CREATE TABLE a (x int)".to_string(), "CREATE TABLE a (x int)".to_string(), "CREATE TABLE c (x int)".to_string()];
    let err = engine.apply(&statements).await.expect_err("the second statement fails").to_string();
    assert!(err.contains("statement 2 of 3 failed"), "{err}");
    assert!(err.contains("statement 1 ran and stays applied"), "{err}");
    assert!(err.contains("statement 3 did not run"), "{err}");
    let mut warnings = Vec::new();
    let spec = "database: db\nname: c\nschema:\n  mysql:\n    columns:\n      - name: x\n        type: int\n---\ndatabase: db\nname: a\nschema:\n  mysql:\n    columns:\n      - name: x\n        type: int\n";
    let plan = engine.plan(&tables_of(spec), false, &mut warnings).await.expect("plan");
    assert_eq!(plan.to_sql(), "CREATE TABLE `c` (\n  `x` int\n);\n", "a exists (statement 1 ran), c does not");
    engine.close().await;
}

/// The executor path: ledger checked under the lock, statements one by one, the ledger row
/// after the last; a migration is applied at most once even when two executors race, and a
/// failed one is not recorded.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ledger_applies_each_migration_once() {
    let engine = std::sync::Arc::new(connect("shx_ledger").await);
    engine.ensure_ledger().await.expect("ledger");
    let planned = |sql: &[&str]| sql.iter().map(|s| schemahero_plan::PlannedStatement::new("", *s)).collect::<Vec<_>>();
    let statements = planned(&["CREATE TABLE once_t (x int)", "INSERT INTO once_t VALUES (1)"]);
    let (a, b) =
        tokio::join!(engine.apply_recorded(&statements, "m-1", 1, "exec-a"), engine.apply_recorded(&statements, "m-1", 2, "exec-b"));
    assert!(a.is_ok() != b.is_ok(), "exactly one applies: {a:?} / {b:?}");
    let loser = a.err().or(b.err()).map(|e| e.to_string()).unwrap_or_default();
    assert!(loser.contains("already in the ledger"), "{loser}");
    let entries = engine.ledger_entries().await.expect("entries");
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].migration_id, "m-1");

    let failing = planned(&["CREATE TABLE two_t (x int)", "INSERT INTO missing_t VALUES (1)"]);
    let err = engine.apply_recorded(&failing, "m-2", 3, "exec-a").await.expect_err("fails").to_string();
    assert!(err.contains("statement 2 of 2 failed") && err.contains("statement 1 ran"), "{err}");
    assert!(!engine.ledger_contains("m-2").await.expect("ledger"), "a failed migration is not recorded");
    assert!(engine.ledger_contains("m-1").await.expect("ledger"));
}

/// `generate` writes specs that plan to nothing against the database they came from.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn generate_round_trips() {
    let engine = connect("shx_generate").await;
    let setup = "CREATE TABLE owners (id int AUTO_INCREMENT PRIMARY KEY, name varchar(50) NOT NULL DEFAULT 'x''y', \
                 made timestamp(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3), doc json, \
                 kind enum('a','b') DEFAULT 'a', bin varchar(10) COLLATE utf8mb4_bin, UNIQUE KEY name_uq (name)) DEFAULT CHARSET=utf8mb4;\n\
                 CREATE TABLE pets (id bigint unsigned NOT NULL, owner_id int, body text, PRIMARY KEY (id), FULLTEXT KEY ft (body), \
                 CONSTRAINT pets_owner_id_fkey FOREIGN KEY (owner_id) REFERENCES owners (id) ON DELETE CASCADE) DEFAULT CHARSET=latin1;";
    engine.apply_script(setup).await.expect("setup");
    let files = engine.generate("db", &[]).await.expect("generate");
    let yaml: Vec<String> = files.iter().filter(|f| f.file_name != "kustomization.yaml").map(|f| f.contents.clone()).collect();
    assert_eq!(yaml.len(), 2, "one manifest per table");
    assert!(yaml.iter().any(|y| y.contains("defaultCharset: latin1")), "{yaml:?}");
    let tables = tables_of(&yaml.join("---\n"));
    let mut warnings = Vec::new();
    let plan = engine.plan(&tables, false, &mut warnings).await.expect("plan");
    assert!(plan.is_empty(), "generated specs re-plan:\n{}\n{}", plan.to_sql(), yaml.join("---\n"));
    engine.close().await;
}
