//! The planner service: plans migrations from the resources watchers stream to it, stores them,
//! serves their review, and hands approved ones to executors.

pub mod core;
pub mod kube_controller;
pub mod kube_store;
pub mod leases;
pub mod model;
pub mod scheduler;
pub mod service;
pub mod store;

use crate::core::{Config, PlannerCore};
use crate::service::{ExecutorApi, MigrationApi, ResourceApi};
use crate::store::MigrationStore;
use schemahero_proto::v1::executor_service_server::ExecutorServiceServer;
use schemahero_proto::v1::migration_service_server::MigrationServiceServer;
use schemahero_proto::v1::resource_service_server::ResourceServiceServer;
use std::future::Future;
use std::sync::Arc;
use tokio::net::TcpListener;
use tonic_health::ServingStatus;

/// Serves the planner's three services (`ResourceService`, `MigrationService`,
/// `ExecutorService`), with gRPC health and reflection, on `listener` until `shutdown`
/// completes, running the drift check on its interval meanwhile.
pub async fn serve<S: MigrationStore>(
    listener: TcpListener,
    store: S,
    config: Config,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), tonic::transport::Error> {
    serve_core(listener, PlannerCore::new(store, config), shutdown).await
}

/// As [`serve`], for a core the caller also uses (e.g. the Kubernetes Migration controller).
pub async fn serve_core<S: MigrationStore>(
    listener: TcpListener,
    core: Arc<PlannerCore<S>>,
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
    let (health_reporter, health_service) = tonic_health::server::health_reporter();
    // The whole server ("") and each service answer SERVING.
    health_reporter.set_service_status("", ServingStatus::Serving).await;
    health_reporter.set_serving::<ResourceServiceServer<ResourceApi<S>>>().await;
    health_reporter.set_serving::<MigrationServiceServer<MigrationApi<S>>>().await;
    health_reporter.set_serving::<ExecutorServiceServer<ExecutorApi<S>>>().await;
    let reflection = tonic_reflection::server::Builder::configure()
        .register_encoded_file_descriptor_set(schemahero_proto::v1::FILE_DESCRIPTOR_SET)
        .register_encoded_file_descriptor_set(tonic_health::pb::FILE_DESCRIPTOR_SET)
        .build_v1();
    let mut builder = tonic::transport::Server::builder().layer(schemahero_telemetry::GrpcTraceLayer);
    let router = builder
        .add_service(health_service)
        .add_service(ResourceServiceServer::new(ResourceApi::new(Arc::clone(&core))))
        .add_service(MigrationServiceServer::new(MigrationApi::new(Arc::clone(&core))))
        .add_service(ExecutorServiceServer::new(ExecutorApi::new(core)));
    let router = match reflection {
        Ok(r) => router.add_service(r),
        Err(e) => {
            tracing::warn!(error = %e, "server reflection unavailable");
            router
        }
    };
    // Every accepted connection gets TCP_NODELAY (tonic sets it only on listeners it binds
    // itself): without it each response waits ~40 ms for the client's delayed ACK.
    let incoming = tokio_stream::StreamExt::map(tokio_stream::wrappers::TcpListenerStream::new(listener), |accepted| {
        accepted.and_then(|stream| {
            stream.set_nodelay(true)?;
            Ok(stream)
        })
    });
    let result = router.serve_with_incoming_shutdown(incoming, shutdown).await;
    drift.abort();
    result
}
