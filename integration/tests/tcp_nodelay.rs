//! Every database connection we open sets TCP_NODELAY: the engines (CLI, planner, executor) on
//! Postgres — over TLS, as this machine's Postgres negotiates by default — and MySQL/MariaDB,
//! and the planner's own Postgres store. Checked on the sockets themselves, not by timing.

use schemahero_engine::{Driver, Engine};
use schemahero_integration::sockets::{nodelay_of_sockets_accepted_on, nodelay_of_sockets_to};
use schemahero_planner::store::{MigrationStore, SqlStore};
use schemahero_proto::v1 as pb;

fn postgres_server() -> String {
    std::env::var("SCHEMAHERO_TEST_POSTGRES").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".into())
}

fn mysql_server() -> String {
    std::env::var("SCHEMAHERO_TEST_MYSQL").unwrap_or_else(|_| "mysql://root@127.0.0.1:3306".into())
}

fn port_of(url: &str) -> u16 {
    url::Url::parse(url).ok().and_then(|u| u.port()).expect("test server URL with a port")
}

fn assert_all_nodelay(port: u16, what: &str) {
    let sockets = nodelay_of_sockets_to(port);
    assert!(!sockets.is_empty(), "{what}: no open socket to port {port} found");
    assert!(sockets.iter().all(|on| *on), "{what}: a socket to port {port} lacks TCP_NODELAY: {sockets:?}");
}

// One test function: the checks read every socket of the process, so they must not overlap
// with other connections made concurrently by other tests in this binary.
#[tokio::test]
async fn every_database_connection_sets_tcp_nodelay() {
    // Postgres with the default sslmode (prefer): TLS here.
    let pg = postgres_server();
    // The Postgres engine itself (what `Engine` connects for Driver::Postgres), for its pool.
    let inner = schemahero_postgres::PostgresEngine::connect(&format!("{pg}/postgres")).await.expect("PostgreSQL must be reachable");
    let (tls,): (bool,) = sqlx::query_as("SELECT coalesce((SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()), false)")
        .fetch_one(inner.pool())
        .await
        .expect("pg_stat_ssl");
    let (ssl,): (String,) = sqlx::query_as("SHOW ssl").fetch_one(inner.pool()).await.expect("SHOW ssl");
    assert_eq!(tls, ssl == "on", "the default sslmode negotiates TLS whenever the server offers it");
    assert_all_nodelay(port_of(&pg), "postgres engine");
    inner.close().await;

    // The planner's store on Postgres.
    let store = SqlStore::open(&format!("{pg}/postgres")).await.expect("store on PostgreSQL");
    store.planned_spec_hash("default", "nothing").await.expect("a store query");
    assert_all_nodelay(port_of(&pg), "planner store");
    drop(store);

    // The planner's gRPC server: the connections it accepts (executors, watchers, the CLI).
    let dir = std::env::temp_dir().join(format!("schemahero-nodelay-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("scratch dir");
    let store = SqlStore::open(dir.join("planner.db").to_str().expect("utf-8 path")).await.expect("SQLite store");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let port = listener.local_addr().expect("address").port();
    let config = schemahero_planner::core::Config {
        debounce: std::time::Duration::from_millis(100),
        drift_interval: std::time::Duration::from_secs(3600),
        validate_plans: true,
    };
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(schemahero_planner::serve(listener, store, config, async {
        let _ = stopped.await;
    }));
    let mut client = pb::migration_service_client::MigrationServiceClient::connect(format!("http://127.0.0.1:{port}"))
        .await
        .expect("connect to the planner");
    client.list_migrations(pb::ListMigrationsRequest::default()).await.expect("a call");
    let accepted = nodelay_of_sockets_accepted_on(port);
    assert!(!accepted.is_empty(), "the planner's accepted connection is found");
    assert!(accepted.iter().all(|on| *on), "an accepted gRPC connection lacks TCP_NODELAY: {accepted:?}");
    drop(client);
    let _ = stop.send(());
    let _ = server.await;
    let _ = std::fs::remove_dir_all(&dir);

    // MySQL / MariaDB.
    let my = mysql_server();
    let engine = Engine::connect(Driver::Mysql, &format!("{my}/mysql")).await.expect("MariaDB must be reachable");
    assert_all_nodelay(port_of(&my), "mysql engine");
    engine.close().await;
}
