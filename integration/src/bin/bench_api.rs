//! What mTLS costs on the planner's API: the same in-process planner served plaintext and with
//! mutual TLS (certificates from `schemahero_tls::pki`), measured from a client on loopback.
//!
//!     cargo run --release -p schemahero-integration --bin bench-api
//!
//! Prints, for each transport: a new connection's first call (connect, handshake, one
//! ListMigrations), unary call latency on one connection (p50, p99), and how fast one watcher
//! stream of upserts is acknowledged (with the event rate lifted). Figures only.

use anyhow::{Context, Result};
use schemahero_integration::bench::quantile;
use schemahero_planner::ServeOptions;
use schemahero_planner::core::{Config, PlannerCore};
use schemahero_planner::store::SqlStore;
use schemahero_proto::v1 as pb;
use schemahero_proto::v1::migration_service_client::MigrationServiceClient;
use schemahero_proto::v1::resource_service_client::ResourceServiceClient;
use schemahero_tls::pki::CertificateAuthority;
use schemahero_tls::{ClientTls, ServerTls, roles};
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tonic::transport::{Channel, Endpoint};

const CONNECTIONS: usize = 50;
const CALLS: usize = 2000;
const EVENTS: u64 = 20_000;

#[tokio::main]
async fn main() -> Result<()> {
    let dir = std::env::temp_dir().join(format!("schemahero-bench-api-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let ca = CertificateAuthority::generate("bench CA", 1)?;
    let write = |name: &str, pem: &str| -> Result<std::path::PathBuf> {
        let path = dir.join(name);
        std::fs::write(&path, pem)?;
        Ok(path)
    };
    let ca_path = write("ca.crt", &ca.cert_pem)?;
    let server = ca.issue("schemahero-planner", &[], &["127.0.0.1"], 1)?;
    let client = ca.issue("bench", &[roles::REVIEWER, roles::WATCHER], &[], 1)?;
    let server_tls =
        Arc::new(ServerTls::load(write("server.crt", &server.cert_pem)?, write("server.key", &server.key_pem)?, ca_path.clone())?);
    let client_tls =
        Arc::new(ClientTls::load(ca_path.clone(), write("client.crt", &client.cert_pem)?, write("client.key", &client.key_pem)?, None)?);

    println!("transport   first call p50 (ms)   unary p50 (ms)   unary p99 (ms)   stream events/s");
    for (name, tls) in [("plaintext", None), ("mTLS", Some((server_tls, client_tls)))] {
        let address = start(&dir.join(format!("{name}.db")), tls.as_ref().map(|t| Arc::clone(&t.0))).await?;
        let client_tls = tls.map(|t| t.1);
        let connect = || {
            let scheme = if client_tls.is_some() { "https" } else { "http" };
            let endpoint = Endpoint::from_shared(format!("{scheme}://{address}")).map(|e| e.connect_timeout(Duration::from_secs(5)));
            let tls = client_tls.clone();
            async move { Ok::<Channel, anyhow::Error>(schemahero_tls::client::connect(&endpoint?, tls.as_ref()).await?) }
        };
        let mut first = Vec::new();
        for _ in 0..CONNECTIONS {
            let started = Instant::now();
            MigrationServiceClient::new(connect().await?).list_migrations(pb::ListMigrationsRequest::default()).await?;
            first.push(started.elapsed().as_secs_f64() * 1000.0);
        }
        let mut client = MigrationServiceClient::new(connect().await?);
        let mut unary = Vec::new();
        for _ in 0..CALLS {
            let started = Instant::now();
            client.list_migrations(pb::ListMigrationsRequest::default()).await?;
            unary.push(started.elapsed().as_secs_f64() * 1000.0);
        }
        let events = tokio_stream::iter((1..=EVENTS).map(|sequence| pb::StreamResourcesRequest {
            sequence,
            event: Some(pb::stream_resources_request::Event::UpsertDatabase(pb::Database {
                namespace: "default".into(),
                name: format!("db{}", sequence % 50),
                driver: "sqlite".into(),
                uri: "sqlite::memory:".into(),
                immediate_deploy: false,
                deploy_seed_data: false,
                hazard_policy: Default::default(),
            })),
            ..Default::default()
        }));
        let started = Instant::now();
        let mut acks = ResourceServiceClient::new(connect().await?).stream_resources(events).await?.into_inner();
        let mut last = 0;
        while last < EVENTS {
            last = acks.message().await?.context("the stream ended early")?.sequence;
        }
        let rate = EVENTS as f64 / started.elapsed().as_secs_f64();
        first.sort_by(f64::total_cmp);
        unary.sort_by(f64::total_cmp);
        println!(
            "{name:<11} {:>19.2}   {:>14.3}   {:>14.3}   {:>15.0}",
            quantile(&first, 0.5),
            quantile(&unary, 0.5),
            quantile(&unary, 0.99),
            rate
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}

/// A planner on 127.0.0.1:0 (SQLite store, event rate lifted); its address.
async fn start(store: &Path, tls: Option<Arc<ServerTls>>) -> Result<String> {
    let store = SqlStore::open(store.to_str().context("utf-8 path")?).await?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let address = listener.local_addr()?.to_string();
    let core = PlannerCore::new(
        store,
        Config { debounce: Duration::from_millis(200), drift_interval: Duration::from_secs(3600), validate_plans: true },
    );
    let options = ServeOptions { tls, stream_events_per_second: 10_000_000, ..ServeOptions::default() };
    tokio::spawn(schemahero_planner::serve_core(listener, core, options, std::future::pending()));
    Ok(address)
}
