//! Reliability of the three services as real processes: restarts lose and duplicate nothing,
//! many executors apply every migration exactly once with one in flight per database, a killed
//! executor's migration completes elsewhere, and malformed requests get clear codes.

use schemahero_integration::services::*;
use schemahero_proto::v1 as pb;
use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(60);

fn sqlite_database(name: &str, path: &Path, immediate: bool) -> String {
    format!(
        "apiVersion: databases.schemahero.io/v1alpha4\nkind: Database\nmetadata:\n  name: {name}\nspec:\n  immediateDeploy: {immediate}\n  connection:\n    sqlite:\n      dsn:\n        value: {}\n",
        path.display()
    )
}

fn sqlite_table(name: &str, database: &str, extra: &str) -> String {
    format!(
        "database: {database}\nname: {name}\nschema:\n  sqlite:\n    primaryKey: [id]\n    columns:\n      - name: id\n        type: integer\n{extra}"
    )
}

async fn all_migrations(client: &mut Client) -> Vec<pb::Migration> {
    migrations(client, "").await
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).expect("a free port")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn restarting_planner_and_watcher_loses_and_duplicates_nothing() {
    let dir = scratch("restarts");
    let specs = dir.join("specs");
    std::fs::create_dir_all(&specs).unwrap();
    let db = dir.join("app.db");
    std::fs::write(specs.join("db.yaml"), sqlite_database("app", &db, false)).unwrap();
    std::fs::write(specs.join("t1.yaml"), sqlite_table("t1", "app", "")).unwrap();
    std::fs::write(specs.join("t2.yaml"), sqlite_table("t2", "app", "")).unwrap();
    let store = dir.join("planner.db");
    let listen = format!("127.0.0.1:{}", free_port());

    let (mut planner, address) = start_planner(&dir, &listen, &store, 60);
    let mut watcher = start_watcher(&dir, &address, &specs);
    let mut client = client(&address).await;
    let first = wait_for("two planned migrations", WAIT, || {
        let mut c = client.clone();
        async move { Some(all_migrations(&mut c).await).filter(|m| m.len() == 2 && m.iter().all(|m| phase(m) == pb::Phase::Planned)) }
    })
    .await;
    let t1 = first.iter().find(|m| m.table == "t1").expect("t1 planned").id.clone();
    approve_migration(&mut client, &t1).await;

    // Kill the planner mid-stream; change a spec while it is down; restart it on the same port.
    planner.kill9();
    std::fs::write(specs.join("t2.yaml"), sqlite_table("t2", "app", "      - name: added_while_down\n        type: text\n")).unwrap();
    tokio::time::sleep(Duration::from_millis(500)).await;
    let (_planner, address2) = start_planner(&dir, &listen, &store, 60);
    assert_eq!(address, address2);
    let mut client = schemahero_integration::services::client(&address).await;
    let after = wait_for("the change made while the planner was down", WAIT, || {
        let mut c = client.clone();
        async move {
            let all = all_migrations(&mut c).await;
            all.iter()
                .any(|m| {
                    m.table == "t2" && phase(m) == pb::Phase::Planned && m.statements.iter().any(|s| s.sql.contains("added_while_down"))
                })
                .then_some(all)
        }
    })
    .await;
    let by_id: HashMap<&str, &pb::Migration> = after.iter().map(|m| (m.id.as_str(), m)).collect();
    assert_eq!(phase(by_id[t1.as_str()]), pb::Phase::Approved, "the approval survived the restart");
    assert_eq!(after.len(), 3, "t1 once, t2's first plan superseded by the new one: {after:?}");
    assert_eq!(after.iter().filter(|m| phase(m) == pb::Phase::Superseded).count(), 1);

    // Restart the watcher: its resync must not plan anything again.
    watcher.kill9();
    let _watcher = start_watcher(&dir, &address, &specs);
    tokio::time::sleep(Duration::from_secs(2)).await;
    let after_watcher = all_migrations(&mut client).await;
    assert_eq!(after_watcher.len(), 3, "a watcher resync created duplicates: {after_watcher:?}");

    // An executor now runs the approved migration, exactly once.
    let _executor = start_executor(&dir, &address, "exec-r", 5);
    wait_for("t1 executed", WAIT, || {
        let mut c = client.clone();
        let t1 = t1.clone();
        async move { all_migrations(&mut c).await.into_iter().find(|m| m.id == t1 && phase(m) == pb::Phase::Executed) }
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_executors_thirty_databases_exactly_once() {
    const DATABASES: usize = 30;
    const TABLES: usize = 5;
    let dir = scratch("exactly-once");
    let specs = dir.join("specs");
    std::fs::create_dir_all(&specs).unwrap();
    for d in 0..DATABASES {
        std::fs::write(
            specs.join(format!("db{d:02}.yaml")),
            sqlite_database(&format!("db{d:02}"), &dir.join(format!("db{d:02}.sqlite")), true),
        )
        .unwrap();
        let docs: Vec<String> = (0..TABLES).map(|t| sqlite_table(&format!("d{d:02}t{t}"), &format!("db{d:02}"), "")).collect();
        std::fs::write(specs.join(format!("tables{d:02}.yaml")), docs.join("---\n")).unwrap();
    }
    let (_planner, address) = start_planner(&dir, "127.0.0.1:0", &dir.join("planner.db"), 300);
    let _executors: Vec<Proc> = (1..=3).map(|i| start_executor(&dir, &address, &format!("exec-{i}"), 10)).collect();
    let _watcher = start_watcher(&dir, &address, &specs);
    let mut client = client(&address).await;

    // Sample what is executing until everything is executed: never two in one database.
    let deadline = std::time::Instant::now() + Duration::from_secs(180);
    let mut samples = 0;
    let all = loop {
        let all = all_migrations(&mut client).await;
        let executing: Vec<&pb::Migration> = all.iter().filter(|m| phase(m) == pb::Phase::Executing).collect();
        let mut dbs = HashSet::new();
        for m in &executing {
            assert!(dbs.insert(m.database.clone()), "two migrations in flight on {}: {executing:?}", m.database);
        }
        samples += 1;
        if all.len() == DATABASES * TABLES && all.iter().all(|m| phase(m) == pb::Phase::Executed) {
            break all;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "not all executed in time: {} migrations, phases {:?}",
            all.len(),
            all.iter().map(phase).collect::<Vec<_>>()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(samples > 3);
    let executors: HashSet<&str> = all.iter().map(|m| m.executor.as_str()).collect();
    assert!(executors.len() >= 2, "the work was shared: {executors:?}");
    assert!(all.iter().all(|m| m.attempts == 1), "no migration needed a second attempt");

    // Every ledger holds exactly its database's five migrations, once each.
    use sqlx::Connection;
    for d in 0..DATABASES {
        let mut conn =
            sqlx::SqliteConnection::connect(&format!("sqlite://{}", dir.join(format!("db{d:02}.sqlite")).display())).await.unwrap();
        let rows: Vec<(String, String)> =
            sqlx::query_as("SELECT migration_id, executor FROM schemahero_migrations_ledger ORDER BY migration_id")
                .fetch_all(&mut conn)
                .await
                .unwrap();
        let mut expected: Vec<String> = all.iter().filter(|m| m.database == format!("db{d:02}")).map(|m| m.id.clone()).collect();
        expected.sort();
        assert_eq!(rows.iter().map(|r| r.0.clone()).collect::<Vec<_>>(), expected, "ledger of db{d:02}");
        let tables: Vec<(String,)> = sqlx::query_as("SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'd%' ORDER BY name")
            .fetch_all(&mut conn)
            .await
            .unwrap();
        assert_eq!(tables.len(), TABLES);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_executor_migration_completes_once_on_another() {
    use sqlx::{Connection, PgConnection};
    let server = std::env::var("SCHEMAHERO_TEST_POSTGRES").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".into());
    let mut admin = PgConnection::connect(&format!("{server}/postgres")).await.expect("PostgreSQL must be reachable");
    for sql in ["DROP DATABASE IF EXISTS shsvc_kill WITH (FORCE)", "CREATE DATABASE shsvc_kill"] {
        sqlx::raw_sql(sql).execute(&mut admin).await.unwrap();
    }
    let uri = format!("{server}/shsvc_kill");
    let mut holder = PgConnection::connect(&uri).await.unwrap();
    sqlx::raw_sql("CREATE TABLE accounts (id integer PRIMARY KEY)").execute(&mut holder).await.unwrap();

    let dir = scratch("kill-executor");
    let specs = dir.join("specs");
    std::fs::create_dir_all(&specs).unwrap();
    std::fs::write(
        specs.join("db.yaml"),
        format!("apiVersion: databases.schemahero.io/v1alpha4\nkind: Database\nmetadata:\n  name: pg\nspec:\n  immediateDeploy: true\n  connection:\n    postgres:\n      uri:\n        value: {uri}\n"),
    )
    .unwrap();
    std::fs::write(
        specs.join("accounts.yaml"),
        "database: pg\nname: accounts\nschema:\n  postgres:\n    primaryKey: [id]\n    columns:\n      - name: id\n        type: integer\n      - name: note\n        type: text\n",
    )
    .unwrap();
    let (_planner, address) = start_planner(&dir, "127.0.0.1:0", &dir.join("planner.db"), 300);
    let _watcher = start_watcher(&dir, &address, &specs);
    let client = client(&address).await;
    let approved = wait_for("the approved migration", WAIT, || {
        let mut c = client.clone();
        async move { migrations(&mut c, "accounts").await.into_iter().find(|m| phase(m) == pb::Phase::Approved) }
    })
    .await;

    // Hold a lock the migration needs, so the first executor blocks in the middle of it.
    sqlx::raw_sql("BEGIN; LOCK TABLE accounts IN ACCESS EXCLUSIVE MODE").execute(&mut holder).await.unwrap();
    let mut first = start_executor(&dir, &address, "exec-doomed", 2);
    wait_for("exec-doomed to hold the migration", WAIT, || {
        let mut c = client.clone();
        async move { migrations(&mut c, "accounts").await.into_iter().find(|m| phase(m) == pb::Phase::Executing && m.executor == "exec-doomed") }
    })
    .await;
    tokio::time::sleep(Duration::from_millis(1500)).await; // it is now waiting on the lock
    first.kill9();

    let _second = start_executor(&dir, &address, "exec-heir", 2);
    wait_for("exec-heir to take over after the lease expired", WAIT, || {
        let mut c = client.clone();
        async move { migrations(&mut c, "accounts").await.into_iter().find(|m| phase(m) == pb::Phase::Executing && m.executor == "exec-heir") }
    })
    .await;
    sqlx::raw_sql("COMMIT").execute(&mut holder).await.unwrap();
    let done = wait_for("the migration to be executed", WAIT, || {
        let mut c = client.clone();
        async move { migrations(&mut c, "accounts").await.into_iter().find(|m| phase(m) == pb::Phase::Executed) }
    })
    .await;
    assert_eq!(done.id, approved.id);
    assert_eq!((done.executor.as_str(), done.attempts), ("exec-heir", 2));
    let ledger: Vec<(String, String)> =
        sqlx::query_as("SELECT migration_id, executor FROM schemahero_migrations_ledger").fetch_all(&mut holder).await.unwrap();
    assert_eq!(ledger, vec![(approved.id.clone(), "exec-heir".to_string())]);
    let columns: Vec<(String,)> =
        sqlx::query_as("SELECT column_name::text FROM information_schema.columns WHERE table_name = 'accounts' ORDER BY ordinal_position")
            .fetch_all(&mut holder)
            .await
            .unwrap();
    assert_eq!(columns, vec![("id".to_string(),), ("note".to_string(),)]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_requests_get_clear_codes_and_the_planner_keeps_serving() {
    let dir = scratch("malformed");
    let (mut planner, address) = start_planner(&dir, "127.0.0.1:0", &dir.join("planner.db"), 300);
    let mut client = client(&address).await;
    let mut executor = executor_client(&address).await;
    let mut resources = resource_client(&address).await;

    let status = client.approve_migration(pb::ApproveMigrationRequest { id: String::new(), ..Default::default() }).await.unwrap_err();
    assert_eq!((status.code(), status.message()), (tonic::Code::InvalidArgument, "id: must not be empty"));
    let status = client.get_migration(pb::GetMigrationRequest { id: "ghost-1".into() }).await.unwrap_err();
    assert_eq!((status.code(), status.message()), (tonic::Code::NotFound, "migration ghost-1 not found"));
    let status = executor.claim_migration(pb::ClaimMigrationRequest { executor_id: String::new(), lease_seconds: 5 }).await.unwrap_err();
    assert_eq!(status.code(), tonic::Code::InvalidArgument);
    assert!(status.message().starts_with("executor_id"), "{}", status.message());
    let status = client.list_migrations(pb::ListMigrationsRequest { phase: 99, ..Default::default() }).await.unwrap_err();
    assert_eq!((status.code(), status.message()), (tonic::Code::InvalidArgument, "phase: unknown value 99"));
    let status = executor
        .report_result(pb::ReportResultRequest { migration_id: "x".into(), fencing_token: 1, outcome: 0, error: String::new() })
        .await
        .unwrap_err();
    assert_eq!(status.code(), tonic::Code::InvalidArgument);
    let status = executor
        .renew_lease(pb::RenewLeaseRequest { migration_id: "ghost-1".into(), fencing_token: 3, lease_seconds: 5 })
        .await
        .unwrap_err();
    assert_eq!(status.code(), tonic::Code::NotFound);

    // Bad resource events are acknowledged with an error naming the field; the stream goes on.
    let events = vec![
        pb::StreamResourcesRequest { sequence: 1, ..Default::default() },
        pb::StreamResourcesRequest {
            sequence: 2,
            event: Some(pb::stream_resources_request::Event::UpsertTable(pb::Table {
                namespace: "default".into(),
                name: "t".into(),
                source: "t.yaml".into(),
                spec_json: "not json".into(),
            })),
            ..Default::default()
        },
        pb::StreamResourcesRequest {
            sequence: 3,
            event: Some(pb::stream_resources_request::Event::UpsertTable(pb::Table {
                namespace: "default".into(),
                name: "dup".into(),
                source: "dup.yaml".into(),
                spec_json:
                    r#"{"database":"d","name":"dup","schema":{"sqlite":{"columns":[{"name":"a","type":"int"},{"name":"a","type":"int"}]}}}"#
                        .into(),
            })),
            ..Default::default()
        },
        pb::StreamResourcesRequest {
            sequence: 4,
            event: Some(pb::stream_resources_request::Event::UpsertDatabase(pb::Database {
                namespace: "default".into(),
                name: "d".into(),
                driver: "oracle".into(),
                uri: "x".into(),
                immediate_deploy: false,
                deploy_seed_data: false,
                hazard_policy: Default::default(),
            })),
            ..Default::default()
        },
        pb::StreamResourcesRequest {
            sequence: 5,
            event: Some(pb::stream_resources_request::Event::ResyncStart(pb::ResyncStart {})),
            ..Default::default()
        },
    ];
    let mut acks = resources.stream_resources(tokio_stream::iter(events)).await.expect("stream opens").into_inner();
    let mut got = Vec::new();
    while got.len() < 5 {
        let ack =
            tokio::time::timeout(Duration::from_secs(10), acks.message()).await.expect("acks arrive").expect("stream ok").expect("an ack");
        got.push((ack.sequence, ack.error));
    }
    assert!(got[0].1.starts_with("event: missing"), "{got:?}");
    assert!(got[1].1.starts_with("upsert_table.spec_json: t.yaml: not a Table spec"), "{got:?}");
    assert!(got[2].1.contains("dup.yaml") && got[2].1.contains("duplicate column \"a\""), "{got:?}");
    assert!(got[3].1.starts_with("upsert_database.driver: unknown driver \"oracle\""), "{got:?}");
    assert_eq!(got[4], (5, String::new()));

    // Still healthy, still serving.
    let channel = tonic::transport::Channel::from_shared(address.clone()).unwrap().connect().await.unwrap();
    let mut health = tonic_health::pb::health_client::HealthClient::new(channel);
    for service in pb::SERVICE_NAMES {
        let serving = health.check(tonic_health::pb::HealthCheckRequest { service: service.into() }).await.expect("health").into_inner();
        assert_eq!(serving.status, tonic_health::pb::health_check_response::ServingStatus::Serving as i32, "{service}");
    }
    assert!(planner.is_running());
    assert!(client.list_migrations(pb::ListMigrationsRequest::default()).await.is_ok());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_table_waits_for_the_tables_it_references() {
    use sqlx::{Connection, PgConnection};
    let server = std::env::var("SCHEMAHERO_TEST_POSTGRES").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".into());
    let mut admin = PgConnection::connect(&format!("{server}/postgres")).await.expect("PostgreSQL must be reachable");
    for sql in ["DROP DATABASE IF EXISTS shsvc_order WITH (FORCE)", "CREATE DATABASE shsvc_order"] {
        sqlx::raw_sql(sql).execute(&mut admin).await.unwrap();
    }
    let uri = format!("{server}/shsvc_order");
    let dir = scratch("ordering");
    let specs = dir.join("specs");
    std::fs::create_dir_all(&specs).unwrap();
    std::fs::write(
        specs.join("db.yaml"),
        format!("apiVersion: databases.schemahero.io/v1alpha4\nkind: Database\nmetadata:\n  name: pg\nspec:\n  connection:\n    postgres:\n      uri:\n        value: {uri}\n"),
    )
    .unwrap();
    // The child sorts first and is planned first; Postgres would refuse its foreign key if it
    // ran before the parent exists.
    std::fs::write(
        specs.join("a-child.yaml"),
        "database: pg\nname: child\nschema:\n  postgres:\n    primaryKey: [id]\n    columns:\n      - name: id\n        type: integer\n      - name: parent_id\n        type: integer\n    foreignKeys:\n      - columns: [parent_id]\n        references: {table: parent, columns: [id]}\n",
    )
    .unwrap();
    std::fs::write(
        specs.join("z-parent.yaml"),
        "database: pg\nname: parent\nschema:\n  postgres:\n    primaryKey: [id]\n    columns:\n      - name: id\n        type: integer\n",
    )
    .unwrap();
    let (_planner, address) = start_planner(&dir, "127.0.0.1:0", &dir.join("planner.db"), 300);
    let _executor = start_executor(&dir, &address, "exec-o", 5);
    let _watcher = start_watcher(&dir, &address, &specs);
    let mut client = client(&address).await;
    let planned = wait_for("both tables planned", WAIT, || {
        let mut c = client.clone();
        async move { Some(all_migrations(&mut c).await).filter(|all| all.len() == 2 && all.iter().all(|m| phase(m) == pb::Phase::Planned)) }
    })
    .await;
    let child_id = planned.iter().find(|m| m.table == "child").unwrap().id.clone();
    let parent_id = planned.iter().find(|m| m.table == "parent").unwrap().id.clone();

    // Approving only the child: it waits for the parent's migration, and says so.
    approve_migration(&mut client, &child_id).await;
    let waiting = wait_for("the child to wait for its parent", WAIT, || {
        let mut c = client.clone();
        let id = child_id.clone();
        async move { all_migrations(&mut c).await.into_iter().find(|m| m.id == id && !m.waiting_reason.is_empty()) }
    })
    .await;
    assert_eq!(phase(&waiting), pb::Phase::Approved);
    assert!(waiting.waiting_reason.contains(&parent_id) && waiting.waiting_reason.contains("parent"), "{}", waiting.waiting_reason);
    tokio::time::sleep(Duration::from_millis(800)).await;
    let still = get_migration(&mut client, &child_id).await;
    assert_eq!(phase(&still), pb::Phase::Approved, "the child must not run before its parent");

    approve_migration(&mut client, &parent_id).await;
    let done = wait_for("both tables executed", WAIT, || {
        let mut c = client.clone();
        async move { Some(all_migrations(&mut c).await).filter(|all| all.len() == 2 && all.iter().all(|m| phase(m) == pb::Phase::Executed)) }
    })
    .await;
    let child = done.iter().find(|m| m.table == "child").unwrap();
    let parent = done.iter().find(|m| m.table == "parent").unwrap();
    assert!(child.executed_at >= parent.executed_at, "the child ran after its parent");
    assert_eq!(child.attempts, 1);
}

async fn fresh_postgres(name: &str) -> String {
    use sqlx::{Connection, PgConnection};
    let server = std::env::var("SCHEMAHERO_TEST_POSTGRES").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".into());
    let mut admin = PgConnection::connect(&format!("{server}/postgres")).await.expect("PostgreSQL must be reachable");
    for sql in [
        format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
        format!("DROP DATABASE IF EXISTS {name}_away WITH (FORCE)"),
        format!("CREATE DATABASE {name}"),
    ] {
        sqlx::raw_sql(sqlx::AssertSqlSafe(sql)).execute(&mut admin).await.unwrap();
    }
    format!("{server}/{name}")
}

fn postgres_specs(dir: &Path, uri: &str, table_yaml: &str) -> std::path::PathBuf {
    let specs = dir.join("specs");
    std::fs::create_dir_all(&specs).unwrap();
    std::fs::write(
        specs.join("db.yaml"),
        format!("apiVersion: databases.schemahero.io/v1alpha4\nkind: Database\nmetadata:\n  name: pg\nspec:\n  connection:\n    postgres:\n      uri:\n        value: {uri}\n"),
    )
    .unwrap();
    std::fs::write(specs.join("table.yaml"), table_yaml).unwrap();
    specs
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stale_plan_is_not_applied_and_is_planned_again() {
    use sqlx::{Connection, PgConnection};
    let uri = fresh_postgres("shsvc_stale").await;
    let mut conn = PgConnection::connect(&uri).await.unwrap();
    sqlx::raw_sql("CREATE TABLE items (id integer PRIMARY KEY)").execute(&mut conn).await.unwrap();
    let dir = scratch("stale");
    let specs = postgres_specs(
        &dir,
        &uri,
        "database: pg\nname: items\nschema:\n  postgres:\n    primaryKey: [id]\n    columns:\n      - name: id\n        type: integer\n      - name: label\n        type: text\n",
    );
    let (_planner, address) = start_planner(&dir, "127.0.0.1:0", &dir.join("planner.db"), 300);
    let _watcher = start_watcher(&dir, &address, &specs);
    let mut client = client(&address).await;
    let planned = wait_for("the plan", WAIT, || {
        let mut c = client.clone();
        async move { migrations(&mut c, "items").await.into_iter().find(|m| phase(m) == pb::Phase::Planned) }
    })
    .await;
    approve_migration(&mut client, &planned.id).await;

    // Someone changes the table by hand after the plan was approved (SchemaHero issue #140).
    sqlx::raw_sql("ALTER TABLE items ADD COLUMN rogue integer").execute(&mut conn).await.unwrap();
    let _executor = start_executor(&dir, &address, "exec-s", 5);
    let superseded = wait_for("the stale migration to be refused", WAIT, || {
        let mut c = client.clone();
        let id = planned.id.clone();
        async move { migrations(&mut c, "items").await.into_iter().find(|m| m.id == id && phase(m) == pb::Phase::Superseded) }
    })
    .await;
    assert!(superseded.error.contains("live schema changed"), "{}", superseded.error);
    let replanned = wait_for("a fresh plan", WAIT, || {
        let mut c = client.clone();
        async move { migrations(&mut c, "items").await.into_iter().find(|m| phase(m) == pb::Phase::Planned) }
    })
    .await;
    assert!(replanned.statements.iter().any(|s| s.sql.contains("DROP COLUMN \"rogue\"")), "{:?}", replanned.statements);
    let columns: Vec<(String,)> =
        sqlx::query_as("SELECT column_name::text FROM information_schema.columns WHERE table_name = 'items' ORDER BY ordinal_position")
            .fetch_all(&mut conn)
            .await
            .unwrap();
    assert_eq!(columns, vec![("id".to_string(),), ("rogue".to_string(),)], "nothing of the stale plan was applied");
    let ledger: Vec<(String,)> =
        sqlx::query_as("SELECT migration_id FROM schemahero_migrations_ledger").fetch_all(&mut conn).await.unwrap();
    assert!(ledger.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_database_is_retried_and_says_why() {
    use sqlx::{Connection, PgConnection};
    let uri = fresh_postgres("shsvc_away").await;
    let dir = scratch("unreachable");
    let specs = postgres_specs(
        &dir,
        &uri,
        "database: pg\nname: notes\nschema:\n  postgres:\n    columns:\n      - name: body\n        type: text\n",
    );
    let (_planner, address) = start_planner(&dir, "127.0.0.1:0", &dir.join("planner.db"), 300);
    let _watcher = start_watcher(&dir, &address, &specs);
    let mut client = client(&address).await;
    let planned = wait_for("the plan", WAIT, || {
        let mut c = client.clone();
        async move { migrations(&mut c, "notes").await.into_iter().find(|m| phase(m) == pb::Phase::Planned) }
    })
    .await;

    // Take the database away (rename it), then approve and let an executor try.
    let server = uri.rsplit_once('/').map(|(s, _)| s.to_string()).unwrap();
    let mut admin = PgConnection::connect(&format!("{server}/postgres")).await.unwrap();
    sqlx::raw_sql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = 'shsvc_away'; ALTER DATABASE shsvc_away RENAME TO shsvc_away_away")
        .execute(&mut admin)
        .await
        .unwrap();
    approve_migration(&mut client, &planned.id).await;
    let _executor = start_executor(&dir, &address, "exec-u", 5);
    let waiting =
        wait_for("the migration to show why it waits", WAIT, || {
            let mut c = client.clone();
            let id = planned.id.clone();
            async move {
                migrations(&mut c, "notes").await.into_iter().find(|m| m.id == id && m.waiting_reason.contains("database unreachable"))
            }
        })
        .await;
    assert_eq!(phase(&waiting), pb::Phase::Approved);
    assert!(!waiting.waiting_reason.contains("postgres://"), "no URI in the reason: {}", waiting.waiting_reason);

    // Bring it back: the retry applies it.
    sqlx::raw_sql("ALTER DATABASE shsvc_away_away RENAME TO shsvc_away").execute(&mut admin).await.unwrap();
    let done = wait_for("the migration to be executed after the retry", WAIT, || {
        let mut c = client.clone();
        let id = planned.id.clone();
        async move { migrations(&mut c, "notes").await.into_iter().find(|m| m.id == id && phase(m) == pb::Phase::Executed) }
    })
    .await;
    assert!(done.attempts >= 2, "attempts: {}", done.attempts);
    assert!(done.waiting_reason.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_planner_replicas_on_a_postgres_store_apply_everything_once() {
    use sqlx::{Connection, PgConnection};
    const DATABASES: usize = 6;
    const TABLES: usize = 3;
    let server = std::env::var("SCHEMAHERO_TEST_POSTGRES").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".into());
    let mut admin = PgConnection::connect(&format!("{server}/postgres")).await.expect("PostgreSQL must be reachable");
    for sql in ["DROP DATABASE IF EXISTS shstore_ha WITH (FORCE)", "CREATE DATABASE shstore_ha"] {
        sqlx::raw_sql(sql).execute(&mut admin).await.unwrap();
    }
    let store_url = format!("{server}/shstore_ha");
    let dir = scratch("replicas");
    let specs = dir.join("specs");
    std::fs::create_dir_all(&specs).unwrap();
    for d in 0..DATABASES {
        std::fs::write(specs.join(format!("db{d}.yaml")), sqlite_database(&format!("db{d}"), &dir.join(format!("db{d}.sqlite")), true))
            .unwrap();
        let docs: Vec<String> = (0..TABLES).map(|t| sqlite_table(&format!("r{d}t{t}"), &format!("db{d}"), "")).collect();
        std::fs::write(specs.join(format!("tables{d}.yaml")), docs.join("---\n")).unwrap();
    }
    // Two planners on one store, each with its own watcher and executor.
    let store = std::path::PathBuf::from(&store_url);
    std::fs::create_dir_all(dir.join("a")).unwrap();
    std::fs::create_dir_all(dir.join("b")).unwrap();
    let (_planner_a, a) = start_planner(&dir.join("a"), "127.0.0.1:0", &store, 300);
    let (_planner_b, b) = start_planner(&dir.join("b"), "127.0.0.1:0", &store, 300);
    let _watchers = [start_watcher(&dir.join("a"), &a, &specs), start_watcher(&dir.join("b"), &b, &specs)];
    let _executors = [start_executor(&dir.join("a"), &a, "exec-a", 10), start_executor(&dir.join("b"), &b, "exec-b", 10)];
    let mut client = client(&a).await;

    let deadline = std::time::Instant::now() + Duration::from_secs(120);
    let all = loop {
        let all = all_migrations(&mut client).await;
        let mut dbs = HashSet::new();
        for m in all.iter().filter(|m| phase(m) == pb::Phase::Executing) {
            assert!(dbs.insert(m.database.clone()), "two migrations in flight on {}", m.database);
        }
        let executed: HashSet<&str> = all.iter().filter(|m| phase(m) == pb::Phase::Executed).map(|m| m.table.as_str()).collect();
        let open = all.iter().any(|m| matches!(phase(m), pb::Phase::Planned | pb::Phase::Approved | pb::Phase::Executing));
        if executed.len() == DATABASES * TABLES && !open {
            break all;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "not done in time: {:?}",
            all.iter().map(|m| (m.table.clone(), phase(m))).collect::<Vec<_>>()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    // Exactly one executed migration per table; anything else was superseded, never failed.
    let mut per_table: HashMap<&str, usize> = HashMap::new();
    for m in all.iter().filter(|m| phase(m) == pb::Phase::Executed) {
        *per_table.entry(m.table.as_str()).or_default() += 1;
    }
    assert!(per_table.values().all(|n| *n == 1), "{per_table:?}");
    assert!(all.iter().all(|m| matches!(phase(m), pb::Phase::Executed | pb::Phase::Superseded)), "{all:?}");
    for d in 0..DATABASES {
        let mut conn = sqlx::SqliteConnection::connect(&format!("sqlite://{}", dir.join(format!("db{d}.sqlite")).display())).await.unwrap();
        let ledger: Vec<(String,)> = sqlx::query_as("SELECT migration_id FROM schemahero_migrations_ledger ORDER BY migration_id")
            .fetch_all(&mut conn)
            .await
            .unwrap();
        let mut expected: Vec<String> =
            all.iter().filter(|m| m.database == format!("db{d}") && phase(m) == pb::Phase::Executed).map(|m| m.id.clone()).collect();
        expected.sort();
        assert_eq!(ledger.into_iter().map(|(id,)| id).collect::<Vec<_>>(), expected);
    }
    // Both replicas see the same migrations.
    let mut other = schemahero_integration::services::client(&b).await;
    assert_eq!(all_migrations(&mut other).await.len(), all.len());
}
