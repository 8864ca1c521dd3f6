//! The planner service: plans migrations from the resources watchers stream to it, stores them,
//! serves their review, and hands approved ones to executors.

pub mod admission;
pub mod core;
pub mod entry;
pub mod kube_controller;
pub mod kube_store;
pub mod leadership;
pub mod leases;
pub mod model;
pub mod objects;
pub mod phase_gauges;
pub mod preview;
pub mod scheduler;
pub mod service;
pub mod store;
pub mod validation;

use crate::core::{Config, PlannerCore};
use crate::service::{ExecutorApi, MigrationApi, ResourceApi};
use crate::store::MigrationStore;
use schemahero_proto::v1::executor_service_server::ExecutorServiceServer;
use schemahero_proto::v1::migration_service_server::MigrationServiceServer;
use schemahero_proto::v1::resource_service_server::ResourceServiceServer;
use schemahero_tls::{AuthorizeLayer, Policy, ServerTls, roles};
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tonic_health::ServingStatus;

/// The largest request message accepted (a Table spec may be up to 1 MiB, see
/// [`core::MAX_SPEC_BYTES`]; the rest is room for the envelope).
pub const MAX_REQUEST_BYTES: usize = 2 * 1024 * 1024;
/// The largest response message sent (a list of many migrations).
pub const MAX_RESPONSE_BYTES: usize = 64 * 1024 * 1024;

/// With TLS, how long a client connection lasts before the planner asks it to reconnect (and
/// so to present its current certificate again).
pub const MAX_CONNECTION_AGE: Duration = Duration::from_secs(3600);

/// How the planner's gRPC server is exposed.
#[derive(Clone)]
pub struct ServeOptions {
    /// mTLS with client certificates; None serves plaintext, where every caller may call every
    /// service (the binary allows that only on loopback unless `--insecure`).
    pub tls: Option<Arc<ServerTls>>,
    /// The events per second one `ResourceService` stream may send, with bursts of five
    /// seconds' worth; a faster watcher is slowed down (its events wait), never dropped.
    pub stream_events_per_second: u32,
    /// The longest a unary call may take (a shorter `grpc-timeout` from the client wins).
    pub request_timeout: Duration,
}

impl Default for ServeOptions {
    fn default() -> Self {
        Self { tls: None, stream_events_per_second: 2000, request_timeout: Duration::from_secs(30) }
    }
}

/// Which role each service requires (see [`schemahero_tls::roles`]); health and reflection are
/// open to any authenticated caller; with TLS every call needs a verified identity.
pub fn policy(tls: bool) -> Policy {
    Policy::new()
        .require("schemahero.v1.ResourceService", roles::WATCHER)
        .require("schemahero.v1.MigrationService", roles::REVIEWER)
        .require("schemahero.v1.ExecutorService", roles::EXECUTOR)
        .open("grpc.health.v1.Health")
        .open("grpc.reflection.v1.ServerReflection")
        .open("grpc.reflection.v1alpha.ServerReflection")
        .require_identity(tls)
}

/// Serves the planner's three services (`ResourceService`, `MigrationService`,
/// `ExecutorService`), with gRPC health and reflection, on `listener` until `shutdown`
/// completes, running the drift check on its interval meanwhile.
pub async fn serve<S: MigrationStore>(
    listener: TcpListener,
    store: S,
    config: Config,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), tonic::transport::Error> {
    serve_core(listener, PlannerCore::new(store, config), ServeOptions::default(), shutdown).await
}

/// As [`serve`], for a core the caller also uses (e.g. the Kubernetes Migration controller),
/// exposed as `options` say.
pub async fn serve_core<S: MigrationStore>(
    listener: TcpListener,
    core: Arc<PlannerCore<S>>,
    options: ServeOptions,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), tonic::transport::Error> {
    let drift_core = Arc::clone(&core);
    let drift = tokio::spawn(async move {
        let mut ticker = tokio::time::interval(drift_core.drift_interval());
        // A pass that overruns the interval delays the next rather than bunching them up.
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        ticker.tick().await; // the first tick is immediate; resources arrive with the watcher
        loop {
            ticker.tick().await;
            let limit = drift_core.drift_interval();
            drift_core.drift_check(limit).await;
        }
    });
    let gauges = tokio::spawn(phase_gauges::run(Arc::clone(&core)));
    let (health_reporter, health_service) = tonic_health::server::health_reporter();
    // The whole server ("") and each service answer SERVING.
    health_reporter.set_service_status("", ServingStatus::Serving).await;
    health_reporter.set_serving::<ResourceServiceServer<ResourceApi<S>>>().await;
    health_reporter.set_serving::<MigrationServiceServer<MigrationApi<S>>>().await;
    health_reporter.set_serving::<ExecutorServiceServer<ExecutorApi<S>>>().await;
    // Reflection in both versions: grpcurl and most tools speak v1; Python's grpcio-reflection
    // and older grpcurl only v1alpha, where a v1-only server answers UNIMPLEMENTED.
    let reflection = || {
        tonic_reflection::server::Builder::configure()
            .register_encoded_file_descriptor_set(schemahero_proto::v1::FILE_DESCRIPTOR_SET)
            .register_encoded_file_descriptor_set(tonic_health::pb::FILE_DESCRIPTOR_SET)
    };
    let (reflection, reflection_v1alpha) = (reflection().build_v1(), reflection().build_v1alpha());
    let mut builder = tonic::transport::Server::builder();
    if options.tls.is_some() {
        // Connections are re-established hourly, so a CA taken out of --tls-client-ca or an
        // expired certificate stops working within the hour, not only for new connections.
        builder = builder.max_connection_age(MAX_CONNECTION_AGE).max_connection_age_grace(Duration::from_secs(60));
    }
    let mut builder = builder
        .timeout(options.request_timeout)
        // Per connection: a client cannot open unbounded concurrent calls.
        .max_concurrent_streams(Some(256))
        .concurrency_limit_per_connection(256)
        .http2_keepalive_interval(Some(Duration::from_secs(30)))
        .http2_keepalive_timeout(Some(Duration::from_secs(10)))
        .layer(schemahero_telemetry::GrpcTraceLayer)
        // Before any handler reads the request: refused calls never reach the services.
        .layer(AuthorizeLayer::new(policy(options.tls.is_some())));
    let resources = ResourceServiceServer::new(ResourceApi::new(Arc::clone(&core), options.stream_events_per_second))
        .max_decoding_message_size(MAX_REQUEST_BYTES);
    let migrations = MigrationServiceServer::new(MigrationApi::new(Arc::clone(&core)))
        .max_decoding_message_size(MAX_REQUEST_BYTES)
        .max_encoding_message_size(MAX_RESPONSE_BYTES);
    let executors = ExecutorServiceServer::new(ExecutorApi::new(core))
        .max_decoding_message_size(MAX_REQUEST_BYTES)
        .max_encoding_message_size(MAX_RESPONSE_BYTES);
    let router = builder.add_service(health_service).add_service(resources).add_service(migrations).add_service(executors);
    let router = match (reflection, reflection_v1alpha) {
        (Ok(v1), Ok(v1alpha)) => router.add_service(v1).add_service(v1alpha),
        (Err(e), _) | (_, Err(e)) => {
            tracing::warn!(error = %e, "server reflection unavailable");
            router
        }
    };
    // Every accepted connection gets TCP_NODELAY (tonic sets it only on listeners it binds
    // itself) and, with TLS, completes its handshake before tonic sees it.
    let incoming = schemahero_tls::incoming::incoming(listener, options.tls);
    let result = router.serve_with_incoming_shutdown(incoming, shutdown).await;
    drift.abort();
    gauges.abort();
    result
}
