//! Views through the three services (directory mode, real processes, real Postgres): a View
//! becomes a Migration of its own (resource kind `View`) that waits for the unfinished
//! migration of the table it reads even when approved first, is applied after it, and plans
//! nothing afterwards; a changed query re-creates it; `isDeleted` drops it.

use schemahero_integration::services::*;
use schemahero_proto::v1 as pb;
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(30);

const USERS: &str = "apiVersion: schemas.schemahero.io/v1alpha4\nkind: Table\nmetadata:\n  name: users\nspec:\n  database: app\n  name: users\n  schema:\n    postgres:\n      primaryKey: [id]\n      columns:\n        - name: id\n          type: integer\n        - name: email\n          type: text\n";

fn view_yaml(section: &str) -> String {
    format!(
        "apiVersion: schemas.schemahero.io/v1alpha4\nkind: View\nmetadata:\n  name: user-emails\nspec:\n  database: app\n  name: user_emails\n  schema:\n    postgres:\n{section}"
    )
}

async fn pg(uri: &str) -> sqlx::PgConnection {
    use sqlx::Connection;
    sqlx::PgConnection::connect(uri).await.expect("connect to the test database")
}

/// The view's definition as the server prints it, or None when there is no such view.
async fn view_definition(uri: &str) -> Option<String> {
    sqlx::query_scalar::<_, String>("SELECT pg_get_viewdef('public.user_emails'::regclass)").fetch_one(&mut pg(uri).await).await.ok()
}

async fn planned(client: &Client, resource: &str) -> pb::Migration {
    wait_for(&format!("a Planned migration for {resource}"), WAIT, || {
        let mut c = client.clone();
        async move { migrations(&mut c, resource).await.into_iter().find(|m| phase(m) == pb::Phase::Planned) }
    })
    .await
}

async fn executed(client: &Client, m: &pb::Migration) {
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
async fn views_wait_for_their_tables_apply_converge_change_and_drop() {
    let uri = fresh_postgres_database("sh_svc_views").await;
    let dir = scratch("views");
    let specs = dir.join("specs");
    std::fs::create_dir_all(&specs).unwrap();
    std::fs::write(specs.join("db.yaml"), postgres_database_yaml("app", &uri, false)).unwrap();
    std::fs::write(specs.join("users.yaml"), USERS).unwrap();
    std::fs::write(specs.join("view.yaml"), view_yaml("      query: SELECT id, email FROM users\n")).unwrap();

    let (mut planner, address) = start_planner(&dir, "127.0.0.1:0", &dir.join("planner.db"), 1);
    let mut watcher = start_watcher(&dir, &address, &specs);
    let mut executor = start_executor(&dir, &address, "exec-1", 5);
    let client = client(&address).await;

    let table = planned(&client, "users").await;
    let view = planned(&client, "user-emails").await;
    assert_eq!((view.resource_kind.as_str(), view.table.as_str(), view.database.as_str()), ("View", "user_emails", "app"));
    assert_eq!(sql(&view), ["CREATE VIEW \"public\".\"user_emails\" AS\nSELECT id, email FROM users"]);

    // Approved before its table, the view waits for the table's migration, saying so.
    approve_migration(&mut client.clone(), &view.id).await;
    let waiting = wait_for("the view's migration to say what it waits for", WAIT, || {
        let mut c = client.clone();
        let id = view.id.clone();
        async move { migrations(&mut c, "user-emails").await.into_iter().find(|m| m.id == id && !m.waiting_reason.is_empty()) }
    })
    .await;
    assert_eq!(phase(&waiting), pb::Phase::Approved);
    assert_eq!(waiting.waiting_reason, format!("waiting for migration {} of users, which this view reads", table.id));
    assert_eq!(view_definition(&uri).await, None);

    approve_migration(&mut client.clone(), &table.id).await;
    executed(&client, &table).await;
    executed(&client, &view).await;
    sqlx::raw_sql("INSERT INTO users VALUES (1, 'a@example.com')").execute(&mut pg(&uri).await).await.unwrap();
    let rows: Vec<(i32, String)> = sqlx::query_as("SELECT id, email FROM user_emails").fetch_all(&mut pg(&uri).await).await.unwrap();
    assert_eq!(rows, [(1, "a@example.com".to_string())]);

    // Converged: drift passes (every second) plan nothing more.
    tokio::time::sleep(Duration::from_millis(2500)).await;
    assert_eq!(migrations(&mut client.clone(), "user-emails").await.len(), 1);

    // A changed query: its columns change, so the view is dropped and created again.
    std::fs::write(specs.join("view.yaml"), view_yaml("      query: SELECT id, upper(email) AS shout FROM users\n")).unwrap();
    let changed = planned(&client, "user-emails").await;
    assert_eq!(sql(&changed)[0], "DROP VIEW \"public\".\"user_emails\"");
    assert_eq!(sql(&changed)[1], "CREATE VIEW \"public\".\"user_emails\" AS\nSELECT id, upper(email) AS shout FROM users");
    approve_migration(&mut client.clone(), &changed.id).await;
    executed(&client, &changed).await;
    let shout: String = sqlx::query_scalar("SELECT shout FROM user_emails").fetch_one(&mut pg(&uri).await).await.unwrap();
    assert_eq!(shout, "A@EXAMPLE.COM");
    tokio::time::sleep(Duration::from_millis(2500)).await;
    assert_eq!(migrations(&mut client.clone(), "user-emails").await.len(), 2, "converged after the change");

    // isDeleted drops it (once approved).
    std::fs::write(specs.join("view.yaml"), view_yaml("      isDeleted: true\n")).unwrap();
    let dropped = planned(&client, "user-emails").await;
    assert_eq!(sql(&dropped), ["DROP VIEW \"public\".\"user_emails\""]);
    assert!(view_definition(&uri).await.is_some(), "not dropped before approval");
    approve_migration(&mut client.clone(), &dropped.id).await;
    executed(&client, &dropped).await;
    assert_eq!(view_definition(&uri).await, None);

    // A query that would inject SQL is refused by the watcher: nothing is planned for it.
    std::fs::write(specs.join("view.yaml"), view_yaml("      query: \"SELECT 1; DROP TABLE users\"\n")).unwrap();
    tokio::time::sleep(Duration::from_millis(2500)).await;
    assert_eq!(migrations(&mut client.clone(), "user-emails").await.len(), 3);
    let users: i64 = sqlx::query_scalar("SELECT count(*) FROM users").fetch_one(&mut pg(&uri).await).await.unwrap();
    assert_eq!(users, 1);

    assert!(watcher.is_running() && planner.is_running() && executor.is_running());
    for p in [&mut watcher, &mut executor, &mut planner] {
        p.terminate();
    }
}
