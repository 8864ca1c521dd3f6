//! `schemahero.v1.ResourceService`: the watchers' stream of resource changes.

use super::CoreError;
use crate::core::PlannerCore;
use crate::store::MigrationStore;
use schemahero_plan::policy::HazardPolicy;
use schemahero_proto::v1 as pb;
use schemahero_proto::v1::resource_service_server::ResourceService;
use std::pin::Pin;
use std::sync::Arc;
use tokio_stream::{Stream, StreamExt};
use tonic::{Request, Response, Status, Streaming};

/// Serves `ResourceService` over the planner core.
pub struct ResourceApi<S: MigrationStore> {
    core: Arc<PlannerCore<S>>,
    events_per_second: u32,
}

impl<S: MigrationStore> ResourceApi<S> {
    /// Each stream may send `events_per_second` (bursts of five seconds' worth).
    pub fn new(core: Arc<PlannerCore<S>>, events_per_second: u32) -> Self {
        Self { core, events_per_second: events_per_second.max(1) }
    }

    async fn handle_event(core: &Arc<PlannerCore<S>>, event: pb::StreamResourcesRequest) -> Result<(), CoreError> {
        use pb::stream_resources_request::Event;
        match event.event {
            None => Err(CoreError::Invalid("event: missing (expected an upsert, delete or resync marker)".into())),
            Some(Event::UpsertDatabase(db)) => {
                let field = format!("upsert_database.hazard_policy (Database {}/{})", db.namespace, db.name);
                let policy = HazardPolicy::from_entries(&field, db.hazard_policy.iter().map(|(k, v)| (k.as_str(), v.as_str())))
                    .map_err(|e| CoreError::Invalid(e.to_string()))?;
                core.upsert_database(key(&db.namespace, &db.name), &db.driver, &db.uri, db.immediate_deploy, db.deploy_seed_data, policy)
            }
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
            Some(Event::UpsertObject(o)) => core.upsert_object(&o).await,
            Some(Event::DeleteObject(r)) => core.delete_object(&r).await,
        }
    }
}

/// A resource's key; an empty namespace is "default".
fn key(namespace: &str, name: &str) -> crate::model::Key {
    crate::model::Key::new(if namespace.is_empty() { "default" } else { namespace }, name)
}

/// One stream's event budget: `rate` tokens a second, up to five seconds' worth saved up.
/// (Small enough to keep here rather than pull in a rate-limiting crate for one counter.)
struct TokenBucket {
    rate: f64,
    capacity: f64,
    tokens: f64,
    updated: tokio::time::Instant,
}

impl TokenBucket {
    fn new(rate: u32) -> Self {
        let rate = f64::from(rate);
        Self { rate, capacity: rate * 5.0, tokens: rate * 5.0, updated: tokio::time::Instant::now() }
    }

    /// Takes one token, waiting for it if the bucket is empty.
    async fn take(&mut self) {
        let now = tokio::time::Instant::now();
        self.tokens = (self.tokens + now.duration_since(self.updated).as_secs_f64() * self.rate).min(self.capacity);
        self.updated = now;
        if self.tokens < 1.0 {
            let wait = (1.0 - self.tokens) / self.rate;
            tokio::time::sleep(std::time::Duration::from_secs_f64(wait)).await;
            self.tokens = 1.0;
            self.updated = tokio::time::Instant::now();
        }
        self.tokens -= 1.0;
    }
}

type AckStream = Pin<Box<dyn Stream<Item = Result<pb::StreamResourcesResponse, Status>> + Send + 'static>>;

#[tonic::async_trait]
impl<S: MigrationStore> ResourceService for ResourceApi<S> {
    type StreamResourcesStream = AckStream;

    async fn stream_resources(&self, request: Request<Streaming<pb::StreamResourcesRequest>>) -> Result<Response<AckStream>, Status> {
        let mut events = request.into_inner();
        let core = Arc::clone(&self.core);
        let (tx, rx) = tokio::sync::mpsc::channel(256);
        let mut pace = TokenBucket::new(self.events_per_second);
        tokio::spawn(async move {
            loop {
                // Reading waits while the stream is over its rate: HTTP/2 flow control then
                // holds the watcher back, and review calls keep their share of the planner.
                pace.take().await;
                let Some(next) = events.next().await else { break };
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
