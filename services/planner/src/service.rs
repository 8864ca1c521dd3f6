//! The `schemahero.v1.Planner` gRPC service over the planner core.

use crate::core::{CoreError, PlannerCore};
use crate::leases::Outcome;
use crate::model::Phase;
use crate::store::{Filter, MigrationStore};
use schemahero_proto::v1 as pb;
use schemahero_proto::v1::planner_server::Planner;
use std::pin::Pin;
use std::sync::Arc;
use tokio_stream::{Stream, StreamExt};
use tonic::{Request, Response, Status, Streaming};

pub struct PlannerService<S: MigrationStore> {
    core: Arc<PlannerCore<S>>,
}

impl<S: MigrationStore> PlannerService<S> {
    pub fn new(core: Arc<PlannerCore<S>>) -> Self {
        Self { core }
    }
}

fn status(e: CoreError) -> Status {
    match e {
        CoreError::Invalid(m) => Status::invalid_argument(m),
        CoreError::NotFound(id) => Status::not_found(format!("migration {id} not found")),
        CoreError::Precondition(m) => Status::failed_precondition(m),
        CoreError::Plan { .. } => Status::unavailable(e.to_string()),
        CoreError::Store(e) => Status::internal(e.to_string()),
    }
}

fn key(namespace: &str, name: &str) -> (String, String) {
    (if namespace.is_empty() { "default".to_string() } else { namespace.to_string() }, name.to_string())
}

impl<S: MigrationStore> PlannerService<S> {
    async fn handle_event(core: &Arc<PlannerCore<S>>, event: pb::ResourceEvent) -> Result<(), CoreError> {
        use pb::resource_event::Event;
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

type AckStream = Pin<Box<dyn Stream<Item = Result<pb::EventAck, Status>> + Send + 'static>>;

#[tonic::async_trait]
impl<S: MigrationStore> Planner for PlannerService<S> {
    type StreamResourcesStream = AckStream;

    async fn stream_resources(&self, request: Request<Streaming<pb::ResourceEvent>>) -> Result<Response<AckStream>, Status> {
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
                if tx.send(Ok(pb::EventAck { sequence, error })).await.is_err() {
                    break;
                }
            }
        });
        Ok(Response::new(Box::pin(tokio_stream::wrappers::ReceiverStream::new(rx))))
    }

    async fn list_migrations(&self, request: Request<pb::ListMigrationsRequest>) -> Result<Response<pb::ListMigrationsResponse>, Status> {
        let r = request.into_inner();
        let phase = match pb::Phase::try_from(r.phase) {
            Ok(p) => Phase::from_proto(p),
            Err(_) => return Err(Status::invalid_argument(format!("phase: unknown value {}", r.phase))),
        };
        let non_empty = |s: String| (!s.is_empty()).then_some(s);
        let filter = Filter { namespace: non_empty(r.namespace), database: non_empty(r.database), table: non_empty(r.table), phase };
        let migrations = self.core.list(&filter).await.map_err(status)?;
        Ok(Response::new(pb::ListMigrationsResponse { migrations: migrations.iter().map(|m| m.to_proto()).collect() }))
    }

    async fn get_migration(&self, request: Request<pb::MigrationRef>) -> Result<Response<pb::Migration>, Status> {
        Ok(Response::new(self.core.get(&request.into_inner().id).await.map_err(status)?.to_proto()))
    }

    async fn approve_migration(&self, request: Request<pb::MigrationRef>) -> Result<Response<pb::Migration>, Status> {
        Ok(Response::new(self.core.approve(&request.into_inner().id).await.map_err(status)?.to_proto()))
    }

    async fn reject_migration(&self, request: Request<pb::MigrationRef>) -> Result<Response<pb::Migration>, Status> {
        Ok(Response::new(self.core.reject(&request.into_inner().id).await.map_err(status)?.to_proto()))
    }

    async fn recalculate_migration(&self, request: Request<pb::MigrationRef>) -> Result<Response<pb::Migration>, Status> {
        Ok(Response::new(self.core.recalculate(&request.into_inner().id).await.map_err(status)?.to_proto()))
    }

    async fn claim_migration(&self, request: Request<pb::ClaimRequest>) -> Result<Response<pb::ClaimResponse>, Status> {
        let r = request.into_inner();
        let grant = self.core.claim(&r.executor_id, r.lease_seconds).await.map_err(status)?;
        let claim = grant.map(|g| pb::Claim {
            fencing_token: g.migration.fencing_token as u64,
            lease_expires_at: g.migration.lease_expires_at,
            driver: g.driver,
            uri: g.uri,
            spec_json: g.migration.spec_json.clone(),
            migration: Some(g.migration.to_proto()),
        });
        Ok(Response::new(pb::ClaimResponse { claim }))
    }

    async fn renew_lease(&self, request: Request<pb::LeaseRequest>) -> Result<Response<pb::LeaseResponse>, Status> {
        let r = request.into_inner();
        let expires = self.core.renew(&r.migration_id, r.fencing_token, r.lease_seconds).await.map_err(status)?;
        Ok(Response::new(pb::LeaseResponse { lease_expires_at: expires }))
    }

    async fn report_result(&self, request: Request<pb::ReportRequest>) -> Result<Response<pb::Migration>, Status> {
        let r = request.into_inner();
        let outcome = match pb::Outcome::try_from(r.outcome) {
            Ok(pb::Outcome::Executed) => Outcome::Executed,
            Ok(pb::Outcome::Failed) => Outcome::Failed,
            Ok(pb::Outcome::Stale) => Outcome::Stale,
            Ok(pb::Outcome::Retry) => Outcome::Retry,
            _ => return Err(Status::invalid_argument(format!("outcome: expected EXECUTED, FAILED, STALE or RETRY, got {}", r.outcome))),
        };
        let m = self.core.report(&r.migration_id, r.fencing_token, outcome, &r.error).await.map_err(status)?;
        Ok(Response::new(m.to_proto()))
    }
}
