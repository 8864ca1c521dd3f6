//! Every database connection we open sets TCP_NODELAY: the engines (CLI, planner, executor) on
//! Postgres — over TLS, as this machine's Postgres negotiates by default — and MySQL/MariaDB,
//! and the planner's own Postgres store. Checked on the sockets themselves, not by timing.

use schemahero_engine::{Driver, Engine};
use schemahero_integration::sockets::nodelay_of_sockets_to;
use schemahero_planner::store::{MigrationStore, SqlStore};

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
    let engine = Engine::connect(Driver::Postgres, &format!("{pg}/postgres")).await.expect("PostgreSQL must be reachable");
    let Engine::Postgres(inner) = &engine else { panic!("a postgres engine") };
    let (tls,): (bool,) = sqlx::query_as("SELECT coalesce((SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()), false)")
        .fetch_one(inner.pool())
        .await
        .expect("pg_stat_ssl");
    let (ssl,): (String,) = sqlx::query_as("SHOW ssl").fetch_one(inner.pool()).await.expect("SHOW ssl");
    assert_eq!(tls, ssl == "on", "the default sslmode negotiates TLS whenever the server offers it");
    assert_all_nodelay(port_of(&pg), "postgres engine");
    engine.close().await;

    // The planner's store on Postgres.
    let store = SqlStore::open(&format!("{pg}/postgres")).await.expect("store on PostgreSQL");
    store.planned_spec_hash("default", "nothing").await.expect("a store query");
    assert_all_nodelay(port_of(&pg), "planner store");
    drop(store);

    // MySQL / MariaDB.
    let my = mysql_server();
    let engine = Engine::connect(Driver::Mysql, &format!("{my}/mysql")).await.expect("MariaDB must be reachable");
    assert_all_nodelay(port_of(&my), "mysql engine");
    engine.close().await;
}
