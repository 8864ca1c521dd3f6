//! Functions and DatabaseExtensions through the three services (directory mode, real processes,
//! real Postgres): each becomes a Migration with hazards, is approved and applied by the
//! executor, and plans nothing afterwards; a changed body is `CREATE OR REPLACE`, a changed
//! return type drops and creates; deleting a resource with `removeOnDeletion` plans a drop
//! (applied only once approved), deleting one without it drops nothing.

use schemahero_integration::services::*;
use schemahero_proto::v1 as pb;
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(30);

fn function_yaml(returns: &str, body: &str) -> String {
    format!(
        "apiVersion: schemas.schemahero.io/v1alpha4\nkind: Function\nmetadata:\n  name: double-it\nspec:\n  database: app\n  name: double_it\n  removeOnDeletion: true\n  schema:\n    postgres:\n      lang: PLpgSQL\n      params:\n        - name: n\n          type: integer\n      return: {returns}\n      as: |\n        BEGIN RETURN {body}; END;\n"
    )
}

fn extension_yaml(name: &str, extension: &str, remove: bool) -> String {
    format!(
        "apiVersion: schemas.schemahero.io/v1alpha4\nkind: DatabaseExtension\nmetadata:\n  name: {name}\nspec:\n  database: app\n  removeOnDeletion: {remove}\n  postgres:\n    name: {extension}\n"
    )
}

async fn pg(uri: &str) -> sqlx::PgConnection {
    use sqlx::Connection;
    sqlx::PgConnection::connect(uri).await.expect("connect to the test database")
}

async fn extensions(uri: &str) -> Vec<String> {
    let rows: Vec<(String,)> = sqlx::query_as("SELECT extname::text FROM pg_extension WHERE extname <> 'plpgsql' ORDER BY 1")
        .fetch_all(&mut pg(uri).await)
        .await
        .unwrap();
    rows.into_iter().map(|(e,)| e).collect()
}

/// `double_it(21)` as text, or None when there is no such function.
async fn call_double_it(uri: &str) -> Option<String> {
    sqlx::query_scalar::<_, String>("SELECT double_it(21)::text").fetch_one(&mut pg(uri).await).await.ok()
}

/// Waits for the one Planned migration of `resource`.
async fn planned(client: &Client, resource: &str) -> pb::Migration {
    wait_for(&format!("a Planned migration for {resource}"), WAIT, || {
        let mut c = client.clone();
        async move { migrations(&mut c, resource).await.into_iter().find(|m| phase(m) == pb::Phase::Planned) }
    })
    .await
}

async fn approve_and_wait(client: &Client, m: &pb::Migration) {
    approve_migration(&mut client.clone(), &m.id).await;
    let id = m.id.clone();
    let resource = m.table_resource.clone();
    wait_for(&format!("migration {id} to be executed"), WAIT, || {
        let mut c = client.clone();
        let (id, resource) = (id.clone(), resource.clone());
        async move {
            let found = migrations(&mut c, &resource).await.into_iter().find(|m| m.id == id)?;
            assert_ne!(phase(&found), pb::Phase::Failed, "{found:?}");
            (phase(&found) == pb::Phase::Executed).then_some(found)
        }
    })
    .await;
}

fn sql(m: &pb::Migration) -> Vec<String> {
    m.statements.iter().map(|s| s.sql.clone()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn functions_and_extensions_plan_apply_converge_and_drop_on_deletion() {
    let uri = fresh_postgres_database("sh_svc_objects").await;
    let dir = scratch("objects");
    let specs = dir.join("specs");
    std::fs::create_dir_all(&specs).unwrap();
    std::fs::write(specs.join("db.yaml"), postgres_database_yaml("app", &uri, false)).unwrap();
    std::fs::write(specs.join("fn.yaml"), function_yaml("bigint", "n * 2")).unwrap();
    std::fs::write(specs.join("trgm.yaml"), extension_yaml("trgm", "pg_trgm", true)).unwrap();
    std::fs::write(specs.join("ci.yaml"), extension_yaml("ci", "citext", false)).unwrap();

    let (mut planner, address) = start_planner(&dir, "127.0.0.1:0", &dir.join("planner.db"), 1);
    let mut watcher = start_watcher(&dir, &address, &specs);
    let mut executor = start_executor(&dir, &address, "exec-1", 5);
    let client = client(&address).await;

    // Each object is a Migration of its own, naming its kind; nothing applied before approval.
    let function = planned(&client, "double-it").await;
    assert_eq!((function.resource_kind.as_str(), function.table.as_str(), function.database.as_str()), ("Function", "double_it", "app"));
    assert_eq!(sql(&function).len(), 1);
    assert!(
        sql(&function)[0].starts_with("CREATE FUNCTION \"public\".\"double_it\"(n integer) RETURNS bigint LANGUAGE PLpgSQL"),
        "{:?}",
        sql(&function)
    );
    let trgm = planned(&client, "trgm").await;
    let ci = planned(&client, "ci").await;
    assert_eq!(trgm.resource_kind, "DatabaseExtension");
    assert_eq!(sql(&trgm), ["CREATE EXTENSION IF NOT EXISTS \"pg_trgm\""]);
    assert_eq!(sql(&ci), ["CREATE EXTENSION IF NOT EXISTS \"citext\""]);
    let hazard = &trgm.statements[0].hazards[0];
    assert_eq!(pb::HazardKind::try_from(hazard.kind).ok(), Some(pb::HazardKind::MayFail), "{hazard:?}");
    assert_eq!(call_double_it(&uri).await, None);
    assert!(extensions(&uri).await.is_empty());
    let listing = String::from_utf8_lossy(&cli(&["get", "migrations", "--planner", &address]).stdout).into_owned();
    assert!(listing.contains(&function.id) && listing.contains(&trgm.id), "{listing}");

    for m in [&function, &trgm, &ci] {
        approve_and_wait(&client, m).await;
    }
    assert_eq!(call_double_it(&uri).await.as_deref(), Some("42"));
    assert_eq!(extensions(&uri).await, ["citext", "pg_trgm"]);

    // Converged: drift passes (every second) plan nothing more.
    tokio::time::sleep(Duration::from_millis(2500)).await;
    for resource in ["double-it", "trgm", "ci"] {
        let all = migrations(&mut client.clone(), resource).await;
        assert_eq!(all.len(), 1, "{resource}: {all:?}");
    }

    // A changed body is CREATE OR REPLACE.
    std::fs::write(specs.join("fn.yaml"), function_yaml("bigint", "n * 3")).unwrap();
    let body = planned(&client, "double-it").await;
    assert_eq!(sql(&body).len(), 1);
    assert!(sql(&body)[0].starts_with("CREATE OR REPLACE FUNCTION \"public\".\"double_it\"(n integer) RETURNS bigint"), "{:?}", sql(&body));
    approve_and_wait(&client, &body).await;
    assert_eq!(call_double_it(&uri).await.as_deref(), Some("63"));

    // A changed return type cannot be replaced: drop and create, with a hazard.
    std::fs::write(specs.join("fn.yaml"), function_yaml("numeric", "n * 1.5")).unwrap();
    let signature = planned(&client, "double-it").await;
    assert_eq!(sql(&signature).len(), 2, "{:?}", sql(&signature));
    assert_eq!(sql(&signature)[0], "DROP FUNCTION \"public\".\"double_it\"(integer)");
    assert!(!signature.statements[0].hazards.is_empty());
    assert!(sql(&signature)[1].starts_with("CREATE FUNCTION \"public\".\"double_it\"(n integer) RETURNS numeric"), "{:?}", sql(&signature));
    approve_and_wait(&client, &signature).await;
    assert_eq!(call_double_it(&uri).await.as_deref(), Some("31.5"));
    tokio::time::sleep(Duration::from_millis(2500)).await;
    assert_eq!(migrations(&mut client.clone(), "double-it").await.len(), 3, "converged after the signature change");

    // Deleted with removeOnDeletion: a drop is planned, and nothing is dropped before approval.
    std::fs::remove_file(specs.join("fn.yaml")).unwrap();
    let drop_fn = planned(&client, "double-it").await;
    assert_eq!(sql(&drop_fn), ["DROP FUNCTION IF EXISTS \"double_it\"(integer)"]);
    assert_eq!(drop_fn.resource_kind, "Function");
    tokio::time::sleep(Duration::from_millis(1000)).await;
    assert_eq!(call_double_it(&uri).await.as_deref(), Some("31.5"), "not dropped before approval");
    approve_and_wait(&client, &drop_fn).await;
    assert_eq!(call_double_it(&uri).await, None);

    std::fs::remove_file(specs.join("trgm.yaml")).unwrap();
    let drop_trgm = planned(&client, "trgm").await;
    assert_eq!(sql(&drop_trgm), ["DROP EXTENSION IF EXISTS \"pg_trgm\""]);
    approve_and_wait(&client, &drop_trgm).await;

    // Deleted without removeOnDeletion: the extension stays, no migration.
    std::fs::remove_file(specs.join("ci.yaml")).unwrap();
    tokio::time::sleep(Duration::from_millis(2500)).await;
    assert_eq!(migrations(&mut client.clone(), "ci").await.len(), 1);
    assert_eq!(extensions(&uri).await, ["citext"]);

    assert!(watcher.is_running() && planner.is_running() && executor.is_running());
    for p in [&mut watcher, &mut executor, &mut planner] {
        p.terminate();
    }
}
