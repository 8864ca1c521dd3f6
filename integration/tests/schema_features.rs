//! What the acceptance cases cannot show (they only pass): `renamedFrom`, checks, comments and
//! enum types refusing what cannot be planned, with errors that name the table and what is
//! wrong, on each engine, against the real servers.

use schemahero_engine::{Driver, Engine};
use sqlx::Connection;

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

async fn postgres(name: &str) -> Engine {
    let uri = schemahero_integration::services::fresh_postgres_database(name).await;
    Engine::connect(Driver::Postgres, &uri).await.expect("connect to postgres")
}

async fn mysql(name: &str) -> Engine {
    let server = std::env::var("SCHEMAHERO_TEST_MYSQL").unwrap_or_else(|_| "mysql://root@127.0.0.1:3306".into());
    let name = schemahero_integration::test_db_name(name);
    let mut admin = sqlx::MySqlConnection::connect(&server).await.expect("MariaDB must be reachable");
    for sql in [format!("DROP DATABASE IF EXISTS `{name}`"), format!("CREATE DATABASE `{name}`")] {
        sqlx::raw_sql(sqlx::AssertSqlSafe(sql)).execute(&mut admin).await.expect("re-create the test database");
    }
    let _ = admin.close().await;
    Engine::connect(Driver::Mysql, &format!("{server}/{name}")).await.expect("connect to mysql")
}

async fn sqlite(name: &str) -> (Engine, std::path::PathBuf) {
    let path = std::env::temp_dir().join(format!("{}-{}.db", schemahero_integration::test_db_name(name), std::process::id()));
    let _ = std::fs::remove_file(&path);
    (Engine::connect(Driver::Sqlite, &path.display().to_string()).await.expect("open sqlite"), path)
}

async fn plan_error(engine: &Engine, yaml: &str) -> String {
    let mut warnings = Vec::new();
    match engine.plan(&tables_of(yaml), false, &mut warnings).await {
        Ok(plan) => panic!("expected an error, planned:\n{}", plan.to_sql()),
        Err(e) => e.to_string(),
    }
}

/// A column renamed from one that still exists, and a table renamed from one that still exists,
/// are ambiguous: planning fails naming the table and both names, and nothing is dropped.
#[tokio::test]
async fn renames_where_both_names_exist_are_errors_on_every_engine() {
    let column = |engine: &str, ty: &str| {
        format!(
            "database: db\nname: users\nschema:\n  {engine}:\n    columns:\n      - name: id\n        type: {ty}\n      - name: email\n        renamedFrom: mail\n        type: text\n"
        )
    };
    let table = |engine: &str, ty: &str| {
        format!(
            "database: db\nname: customers\nrenamedFrom: people\nschema:\n  {engine}:\n    columns:\n      - name: id\n        type: {ty}\n"
        )
    };
    let setup =
        "CREATE TABLE users (id integer, mail text, email text); CREATE TABLE people (id integer); CREATE TABLE customers (id integer)";

    let pg = postgres("features_renames").await;
    let mysql = mysql("features_renames").await;
    let (lite, path) = sqlite("features_renames").await;
    for (engine, name, ty) in [(&pg, "postgres", "integer"), (&mysql, "mysql", "int"), (&lite, "sqlite", "integer")] {
        for statement in setup.split("; ") {
            engine.apply_script(statement).await.expect("setup");
        }
        let err = plan_error(engine, &column(name, ty)).await;
        assert!(err.contains("users") && err.contains("\"email\"") && err.contains("\"mail\"") && err.contains("both"), "{name}: {err}");
        let err = plan_error(engine, &table(name, ty)).await;
        assert!(err.contains("\"customers\"") && err.contains("\"people\"") && err.contains("both"), "{name}: {err}");
    }
    pg.close().await;
    mysql.close().await;
    lite.close().await;
    let _ = std::fs::remove_file(path);
}

async fn generate_round_trip(engine: &Engine, schemas: &[String], expect: &[&str]) {
    let files = engine.generate("db", schemas).await.expect("generate");
    let yaml: Vec<String> = files.iter().filter(|f| f.file_name != "kustomization.yaml").map(|f| f.contents.clone()).collect();
    let all = yaml.join("---\n");
    for text in expect {
        assert!(all.contains(text), "generate should write {text:?}:\n{all}");
    }
    let mut warnings = Vec::new();
    let plan = engine.plan(&tables_of(&all), false, &mut warnings).await.expect("plan");
    assert!(plan.is_empty(), "generated specs re-plan:\n{}\n{all}", plan.to_sql());
}

/// `generate` writes checks and comments, and what it writes plans to nothing: a check
/// SchemaHero created comes back with the spec's text, one made by hand with the server's.
#[tokio::test]
async fn generate_writes_checks_and_comments_that_plan_to_nothing() {
    let pg = postgres("features_generate").await;
    pg.apply_script(
        "CREATE TABLE made_by_hand (id integer PRIMARY KEY, qty integer CONSTRAINT qty_pos CHECK (qty > 0));
         COMMENT ON TABLE made_by_hand IS 'by hand'; COMMENT ON COLUMN made_by_hand.qty IS 'how many'",
    )
    .await
    .expect("setup");
    let spec = "database: db\nname: planned\nschema:\n  postgres:\n    primaryKey: [id]\n    comment: planned here\n    columns:\n      - name: id\n        type: integer\n      - name: s\n        type: text\n        comment: a status\n    checks:\n      - name: s_known\n        expression: s IN ('a', 'b')\n";
    let mut warnings = Vec::new();
    let plan = pg.plan(&tables_of(spec), false, &mut warnings).await.expect("plan");
    pg.apply_statements(&plan.statements).await.expect("apply");
    generate_round_trip(
        &pg,
        &["public".into()],
        &["expression: s IN ('a', 'b')", "comment: planned here", "comment: a status", "name: qty_pos", "comment: how many"],
    )
    .await;
    pg.close().await;

    let mysql = mysql("features_generate").await;
    mysql
        .apply_script(
            "CREATE TABLE t (id int PRIMARY KEY COMMENT 'the id', qty int, CONSTRAINT qty_pos CHECK (qty > 0)) COMMENT = 'a table'",
        )
        .await
        .expect("setup");
    generate_round_trip(&mysql, &[], &["comment: the id", "comment: a table", "name: qty_pos"]).await;
    mysql.close().await;

    let (lite, path) = sqlite("features_generate").await;
    lite.apply_script("CREATE TABLE t (id integer PRIMARY KEY, qty integer, CONSTRAINT \"qty_pos\" CHECK (qty > 0))").await.expect("setup");
    generate_round_trip(&lite, &[], &["name: qty_pos", "expression: qty > 0"]).await;
    lite.close().await;
    let _ = std::fs::remove_file(path);
}

/// Postgres cannot remove or reorder enum values: planning says so, naming the table, the type
/// and the value, instead of planning something that fails or loses data.
#[tokio::test]
async fn removing_or_reordering_enum_values_is_an_error() {
    let pg = postgres("features_enums").await;
    pg.apply_script("CREATE TYPE mood AS ENUM ('sad', 'ok'); CREATE TABLE people (id integer PRIMARY KEY, m mood)").await.expect("setup");
    let spec = |values: &str| {
        format!(
            "database: db\nname: people\nschema:\n  postgres:\n    enums:\n      - name: mood\n        values: {values}\n    primaryKey: [id]\n    columns:\n      - name: id\n        type: integer\n      - name: m\n        type: mood\n"
        )
    };
    let err = plan_error(&pg, &spec("[ok]")).await;
    assert!(err.contains("people") && err.contains("\"mood\"") && err.contains("removes value \"sad\""), "{err}");
    let err = plan_error(&pg, &spec("[ok, sad]")).await;
    assert!(err.contains("\"mood\"") && err.contains("reorders"), "{err}");
    pg.apply_script("CREATE TYPE color AS (r integer)").await.expect("a composite type");
    let err = plan_error(&pg, &spec("[sad, ok]").replace("name: mood", "name: color")).await;
    assert!(err.contains("\"color\"") && err.contains("not an enum"), "{err}");
    // The same values as live: nothing to plan.
    let mut warnings = Vec::new();
    let plan = pg.plan(&tables_of(&spec("[sad, ok]")), false, &mut warnings).await.expect("plan");
    assert!(plan.is_empty(), "{}", plan.to_sql());
    pg.close().await;
}
