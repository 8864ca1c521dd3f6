//! `schemahero.v1.ExecutorService`: executors claim approved migrations under a lease, renew
//! it and report what happened.

use super::status;
use crate::core::PlannerCore;
use crate::leases::Outcome;
use crate::store::MigrationStore;
use schemahero_proto::v1 as pb;
use schemahero_proto::v1::executor_service_server::ExecutorService;
use std::sync::Arc;
use tonic::{Request, Response, Status};

/// Serves `ExecutorService` over the planner core.
pub struct ExecutorApi<S: MigrationStore> {
    core: Arc<PlannerCore<S>>,
}

impl<S: MigrationStore> ExecutorApi<S> {
    pub fn new(core: Arc<PlannerCore<S>>) -> Self {
        Self { core }
    }
}

#[tonic::async_trait]
impl<S: MigrationStore> ExecutorService for ExecutorApi<S> {
    async fn claim_migration(&self, request: Request<pb::ClaimMigrationRequest>) -> Result<Response<pb::ClaimMigrationResponse>, Status> {
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
        Ok(Response::new(pb::ClaimMigrationResponse { claim }))
    }

    async fn renew_lease(&self, request: Request<pb::RenewLeaseRequest>) -> Result<Response<pb::RenewLeaseResponse>, Status> {
        let r = request.into_inner();
        let expires = self.core.renew(&r.migration_id, r.fencing_token, r.lease_seconds).await.map_err(status)?;
        Ok(Response::new(pb::RenewLeaseResponse { lease_expires_at: expires }))
    }

    async fn report_result(&self, request: Request<pb::ReportResultRequest>) -> Result<Response<pb::ReportResultResponse>, Status> {
        let r = request.into_inner();
        let outcome = match pb::Outcome::try_from(r.outcome) {
            Ok(pb::Outcome::Executed) => Outcome::Executed,
            Ok(pb::Outcome::Failed) => Outcome::Failed,
            Ok(pb::Outcome::Stale) => Outcome::Stale,
            Ok(pb::Outcome::Retry) => Outcome::Retry,
            _ => return Err(Status::invalid_argument(format!("outcome: expected EXECUTED, FAILED, STALE or RETRY, got {}", r.outcome))),
        };
        let m = self.core.report(&r.migration_id, r.fencing_token, outcome, &r.error).await.map_err(status)?;
        Ok(Response::new(pb::ReportResultResponse { migration: Some(m.to_proto()) }))
    }
}
