//! A Database's `deploySeedData` in the services, as SchemaHero's operator reads it: a Table's
//! `seedData` is planned only when its Database sets it. Switching it on later plans the rows
//! (and only them) for the tables already there.

use schemahero_integration::services::*;
use schemahero_proto::v1 as pb;
use std::path::Path;
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(30);

fn database_yaml(name: &str, path: &Path, seed: Option<bool>) -> String {
    let seed = seed.map(|s| format!("  deploySeedData: {s}\n")).unwrap_or_default();
    format!(
        "apiVersion: databases.schemahero.io/v1alpha4\nkind: Database\nmetadata:\n  name: {name}\nspec:\n{seed}  connection:\n    sqlite:\n      dsn:\n        value: {}\n",
        path.display()
    )
}

fn teams_yaml(resource: &str, database: &str) -> String {
    format!(
        "apiVersion: schemas.schemahero.io/v1alpha4\nkind: Table\nmetadata:\n  name: {resource}\nspec:\n  database: {database}\n  name: teams\n  schema:\n    sqlite:\n      primaryKey: [id]\n      columns:\n        - name: id\n          type: integer\n        - name: name\n          type: text\n  seedData:\n    rows:\n      - columns:\n          - column: id\n            value:\n              int: 1\n          - column: name\n            value:\n              str: core\n"
    )
}

async fn team_names(db: &Path) -> Vec<String> {
    use sqlx::Connection;
    let mut conn = sqlx::SqliteConnection::connect(&format!("sqlite://{}", db.display())).await.expect("open the target database");
    let rows: Vec<(String,)> = sqlx::query_as("SELECT name FROM teams ORDER BY id").fetch_all(&mut conn).await.expect("teams");
    rows.into_iter().map(|(n,)| n).collect()
}

async fn planned(client: &Client, resource: &str) -> pb::Migration {
    wait_for(&format!("a Planned migration for {resource}"), WAIT, || {
        let mut c = client.clone();
        async move { migrations(&mut c, resource).await.into_iter().find(|m| phase(m) == pb::Phase::Planned) }
    })
    .await
}

async fn approve_and_wait(client: &Client, m: &pb::Migration) {
    approve_migration(&mut client.clone(), &m.id).await;
    let (id, resource) = (m.id.clone(), m.table_resource.clone());
    wait_for(&format!("migration {id} to be executed"), WAIT, || {
        let mut c = client.clone();
        let (id, resource) = (id.clone(), resource.clone());
        async move { migrations(&mut c, &resource).await.into_iter().find(|m| m.id == id && phase(m) == pb::Phase::Executed) }
    })
    .await;
}

fn kinds(m: &pb::Migration) -> Vec<String> {
    m.statements.iter().map(|s| s.kind.clone()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn seed_data_is_planned_only_where_the_database_deploys_it() {
    let dir = scratch("seed-data");
    let specs = dir.join("specs");
    std::fs::create_dir_all(&specs).unwrap();
    let (seeded_db, plain_db) = (dir.join("seeded.db"), dir.join("plain.db"));
    std::fs::write(specs.join("db-seeded.yaml"), database_yaml("seeded", &seeded_db, Some(true))).unwrap();
    // No deploySeedData at all: SchemaHero's default, off.
    std::fs::write(specs.join("db-plain.yaml"), database_yaml("plain", &plain_db, None)).unwrap();
    std::fs::write(specs.join("teams-seeded.yaml"), teams_yaml("teams-seeded", "seeded")).unwrap();
    std::fs::write(specs.join("teams-plain.yaml"), teams_yaml("teams-plain", "plain")).unwrap();

    let (mut planner, address) = start_planner(&dir, "127.0.0.1:0", &dir.join("planner.db"), 1);
    let mut watcher = start_watcher(&dir, &address, &specs);
    let mut executor = start_executor(&dir, &address, "exec-1", 5);
    let client = client(&address).await;

    let seeded = planned(&client, "teams-seeded").await;
    assert_eq!(kinds(&seeded), ["CREATE TABLE", "INSERT"], "{:?}", seeded.statements);
    let plain = planned(&client, "teams-plain").await;
    assert_eq!(kinds(&plain), ["CREATE TABLE"], "no seed rows without deploySeedData: {:?}", plain.statements);
    approve_and_wait(&client, &seeded).await;
    approve_and_wait(&client, &plain).await;
    assert_eq!(team_names(&seeded_db).await, ["core"]);
    assert!(team_names(&plain_db).await.is_empty());

    // Converged either way: drift passes plan nothing more.
    tokio::time::sleep(Duration::from_millis(2500)).await;
    assert_eq!(migrations(&mut client.clone(), "teams-seeded").await.len(), 1);
    assert_eq!(migrations(&mut client.clone(), "teams-plain").await.len(), 1);

    // Switching it on plans the rows of the tables already there.
    std::fs::write(specs.join("db-plain.yaml"), database_yaml("plain", &plain_db, Some(true))).unwrap();
    let rows = planned(&client, "teams-plain").await;
    assert_eq!(kinds(&rows), ["INSERT"], "{:?}", rows.statements);
    approve_and_wait(&client, &rows).await;
    assert_eq!(team_names(&plain_db).await, ["core"]);

    for p in [&mut watcher, &mut executor, &mut planner] {
        p.terminate();
    }
}
