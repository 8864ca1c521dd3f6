//! Views and the tables they read, on a real Postgres: a table change Postgres refuses while a
//! view reads the table is reported by name when the view is not managed (and fails as said),
//! and a view whose new query reads a column the same plan adds is re-created after it.

use schemahero_engine::{Driver, Engine, LoadedSpecs};
use schemahero_integration::services::fresh_postgres_database;
use sqlx::{Connection, PgConnection};

fn specs(yaml: &str) -> LoadedSpecs {
    static N: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("schemahero-pg-views-{}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("spec.yaml"), yaml).unwrap();
    schemahero_engine::load_specs(&dir).unwrap()
}

const USERS_BIGINT: &str = "apiVersion: schemas.schemahero.io/v1alpha4\nkind: Table\nmetadata:\n  name: users\nspec:\n  database: app\n  name: users\n  schema:\n    postgres:\n      primaryKey: [id]\n      columns:\n        - name: id\n          type: integer\n        - name: score\n          type: bigint\n";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unmanaged_view_under_a_table_change_is_named_in_a_hazard() {
    let uri = fresh_postgres_database("shviews_unmanaged").await;
    let mut conn = PgConnection::connect(&uri).await.unwrap();
    sqlx::raw_sql("CREATE TABLE users (id integer PRIMARY KEY, score integer); CREATE VIEW report AS SELECT score FROM users")
        .execute(&mut conn)
        .await
        .unwrap();
    let engine = Engine::connect(Driver::Postgres, &uri).await.unwrap();
    let plan = engine.plan_all(&specs(USERS_BIGINT), false, &mut Vec::new()).await.unwrap();
    let sql = plan.to_sql();
    assert!(
        sql.contains("-- hazard MAY_FAIL: view(s) public.report read table public.users: Postgres refuses to drop the table, or drop or retype a column a view uses, while they exist")
            && sql.contains("ALTER TABLE \"users\" ALTER COLUMN \"score\" TYPE bigint"),
        "{sql}"
    );
    // As the hazard says: the change fails while the view is there (and Postgres' own message
    // does not name the view: the hazard does).
    let err = engine.apply_statements(&plan.statements).await.expect_err("Postgres refuses the change under the view");
    assert!(err.to_string().contains("cannot alter type of a column used by a view or rule"), "{err}");

    // Managed as a View planned with the table: dropped before, created after, no such hazard.
    let managed = format!(
        "{USERS_BIGINT}---\napiVersion: schemas.schemahero.io/v1alpha4\nkind: View\nmetadata:\n  name: report\nspec:\n  database: app\n  name: report\n  schema:\n    postgres:\n      query: SELECT score FROM users\n"
    );
    let plan = engine.plan_all(&specs(&managed), false, &mut Vec::new()).await.unwrap();
    let kinds: Vec<String> = plan.statements.iter().map(|s| s.kind()).collect();
    assert_eq!(kinds, ["DROP VIEW", "ALTER TABLE", "CREATE VIEW"], "{}", plan.to_sql());
    assert!(!plan.to_sql().contains("view(s) public.report"), "{}", plan.to_sql());
    engine.apply_statements(&plan.statements).await.unwrap();
    let again = engine.plan_all(&specs(&managed), false, &mut Vec::new()).await.unwrap();
    assert!(again.is_empty(), "converged:\n{}", again.to_sql());
    let score_type: String = sqlx::query_scalar(
        "SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = 'report'::regclass AND attname = 'score'",
    )
    .fetch_one(&mut conn)
    .await
    .unwrap();
    assert_eq!(score_type, "bigint");
    engine.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_view_reading_a_column_the_same_plan_adds_is_recreated_after_it() {
    let uri = fresh_postgres_database("shviews_newcol").await;
    let mut conn = PgConnection::connect(&uri).await.unwrap();
    sqlx::raw_sql("CREATE TABLE users (id integer PRIMARY KEY); CREATE VIEW ids AS SELECT id FROM users").execute(&mut conn).await.unwrap();
    let yaml = "apiVersion: schemas.schemahero.io/v1alpha4\nkind: View\nmetadata:\n  name: ids\nspec:\n  database: app\n  name: ids\n  schema:\n    postgres:\n      query: SELECT id, nickname FROM users\n---\napiVersion: schemas.schemahero.io/v1alpha4\nkind: Table\nmetadata:\n  name: users\nspec:\n  database: app\n  name: users\n  schema:\n    postgres:\n      primaryKey: [id]\n      columns:\n        - name: id\n          type: integer\n        - name: nickname\n          type: text\n";
    let engine = Engine::connect(Driver::Postgres, &uri).await.unwrap();
    let plan = engine.plan_all(&specs(yaml), false, &mut Vec::new()).await.unwrap();
    let kinds: Vec<String> = plan.statements.iter().map(|s| s.kind()).collect();
    assert_eq!(kinds, ["ALTER TABLE", "DROP VIEW", "CREATE VIEW"], "{}", plan.to_sql());
    assert!(plan.to_sql().contains("reads what does not exist yet"), "{}", plan.to_sql());
    engine.apply_statements(&plan.statements).await.unwrap();
    let again = engine.plan_all(&specs(yaml), false, &mut Vec::new()).await.unwrap();
    assert!(again.is_empty(), "converged:\n{}", again.to_sql());
    engine.close().await;
}

/// A query the server refuses for another reason than something missing (here a syntax
/// error that passes the SQL-safety checks) is a planning error saying why, not a view dropped
/// and created on every plan.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_query_the_server_refuses_is_an_error_not_a_recreate_loop() {
    let uri = fresh_postgres_database("shviews_refused").await;
    let mut conn = PgConnection::connect(&uri).await.unwrap();
    sqlx::raw_sql("CREATE TABLE users (id integer PRIMARY KEY); CREATE VIEW ids AS SELECT id FROM users").execute(&mut conn).await.unwrap();
    let yaml = "apiVersion: schemas.schemahero.io/v1alpha4\nkind: View\nmetadata:\n  name: ids\nspec:\n  database: app\n  name: ids\n  schema:\n    postgres:\n      query: SELECT id + FROM users\n";
    let engine = Engine::connect(Driver::Postgres, &uri).await.unwrap();
    let err = engine.plan_all(&specs(yaml), false, &mut Vec::new()).await.expect_err("the server refuses the query");
    assert!(
        err.to_string().contains("view public.ids: the server refuses its query: ") && err.to_string().contains("syntax error"),
        "{err}"
    );
    engine.close().await;
}
