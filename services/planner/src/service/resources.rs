//! `schemahero.v1.ResourceService`: the watchers' stream of resource changes.

use super::CoreError;
use crate::core::PlannerCore;
use crate::store::MigrationStore;
use schemahero_proto::v1 as pb;
use schemahero_proto::v1::resource_service_server::ResourceService;
use std::pin::Pin;
use std::sync::Arc;
use tokio_stream::{Stream, StreamExt};
use tonic::{Request, Response, Status, Streaming};

/// Serves `ResourceService` over the planner core.
pub struct ResourceApi<S: MigrationStore> {
    core: Arc<PlannerCore<S>>,
}

impl<S: MigrationStore> ResourceApi<S> {
    pub fn new(core: Arc<PlannerCore<S>>) -> Self {
        Self { core }
    }

    async fn handle_event(core: &Arc<PlannerCore<S>>, event: pb::StreamResourcesRequest) -> Result<(), CoreError> {
        use pb::stream_resources_request::Event;
        match event.event {
            None => Err(CoreError::Invalid("event: missing (expected an upsert, delete or resync marker)".into())),
            Some(Event::UpsertDatabase(db)) => core.upsert_database(key(&db.namespace, &db.name), &db.driver, &db.uri, db.immediate_deploy),
            Some(Event::DeleteDatabase(r)) => {
                core.delete_database(&key(&r.namespace, &r.name));
                Ok(())
            }
            Some(Event::UpsertTable(t)) => core.upsert_table(key(&t.namespace, &t.name), &t.source, &t.spec_json, &event.traceparent),
            Some(Event::DeleteTable(r)) => core.delete_table(&key(&r.namespace, &r.name)).await,
            Some(Event::ResyncStart(_)) => {
                core.resync_start();
                Ok(())
            }
            Some(Event::ResyncEnd(_)) => core.resync_end().await,
        }
    }
}

/// A resource's key; an empty namespace is "default".
fn key(namespace: &str, name: &str) -> (String, String) {
    (if namespace.is_empty() { "default".to_string() } else { namespace.to_string() }, name.to_string())
}

type AckStream = Pin<Box<dyn Stream<Item = Result<pb::StreamResourcesResponse, Status>> + Send + 'static>>;

#[tonic::async_trait]
impl<S: MigrationStore> ResourceService for ResourceApi<S> {
    type StreamResourcesStream = AckStream;

    async fn stream_resources(&self, request: Request<Streaming<pb::StreamResourcesRequest>>) -> Result<Response<AckStream>, Status> {
        let mut events = request.into_inner();
        let core = Arc::clone(&self.core);
        let (tx, rx) = tokio::sync::mpsc::channel(256);
        tokio::spawn(async move {
            while let Some(next) = events.next().await {
                let event = match next {
                    Ok(event) => event,
                    Err(e) => {
                        tracing::info!(error = %e, "watcher stream ended");
                        break;
                    }
                };
                let sequence = event.sequence;
                let error = match Self::handle_event(&core, event).await {
                    Ok(()) => String::new(),
                    Err(e) => {
                        tracing::warn!(sequence, error = %e, "rejected a resource event");
                        e.to_string()
                    }
                };
                if tx.send(Ok(pb::StreamResourcesResponse { sequence, error })).await.is_err() {
                    break;
                }
            }
        });
        Ok(Response::new(Box::pin(tokio_stream::wrappers::ReceiverStream::new(rx))))
    }
}
