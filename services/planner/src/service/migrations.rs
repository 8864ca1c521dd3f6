//! `schemahero.v1.MigrationService`: review of migrations by people and their tools.

use super::status;
use crate::core::PlannerCore;
use crate::model::Phase;
use crate::store::{Filter, MigrationStore};
use schemahero_proto::v1 as pb;
use schemahero_proto::v1::migration_service_server::MigrationService;
use std::sync::Arc;
use tonic::{Request, Response, Status};

/// Who made a request: the client certificate's user, or "anonymous" on plaintext.
fn actor<T>(request: &Request<T>) -> String {
    request.extensions().get::<schemahero_tls::PeerInfo>().map(|p| p.actor()).unwrap_or_else(|| "anonymous".into())
}

/// Serves `MigrationService` over the planner core.
pub struct MigrationApi<S: MigrationStore> {
    core: Arc<PlannerCore<S>>,
}

impl<S: MigrationStore> MigrationApi<S> {
    pub fn new(core: Arc<PlannerCore<S>>) -> Self {
        Self { core }
    }
}

#[tonic::async_trait]
impl<S: MigrationStore> MigrationService for MigrationApi<S> {
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

    async fn get_migration(&self, request: Request<pb::GetMigrationRequest>) -> Result<Response<pb::GetMigrationResponse>, Status> {
        let m = self.core.get(&request.into_inner().id).await.map_err(status)?;
        Ok(Response::new(pb::GetMigrationResponse { migration: Some(m.to_proto()) }))
    }

    async fn approve_migration(
        &self,
        request: Request<pb::ApproveMigrationRequest>,
    ) -> Result<Response<pb::ApproveMigrationResponse>, Status> {
        let actor = actor(&request);
        let m = self.core.approve(&request.into_inner().id, &actor).await.map_err(status)?;
        Ok(Response::new(pb::ApproveMigrationResponse { migration: Some(m.to_proto()) }))
    }

    async fn reject_migration(
        &self,
        request: Request<pb::RejectMigrationRequest>,
    ) -> Result<Response<pb::RejectMigrationResponse>, Status> {
        let actor = actor(&request);
        let m = self.core.reject(&request.into_inner().id, &actor).await.map_err(status)?;
        Ok(Response::new(pb::RejectMigrationResponse { migration: Some(m.to_proto()) }))
    }

    async fn recalculate_migration(
        &self,
        request: Request<pb::RecalculateMigrationRequest>,
    ) -> Result<Response<pb::RecalculateMigrationResponse>, Status> {
        let actor = actor(&request);
        let m = self.core.recalculate(&request.into_inner().id, &actor).await.map_err(status)?;
        Ok(Response::new(pb::RecalculateMigrationResponse { migration: Some(m.to_proto()) }))
    }
}
