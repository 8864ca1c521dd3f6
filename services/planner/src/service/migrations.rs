//! `schemahero.v1.MigrationService`: review of migrations by people and their tools.

use super::status;
use super::tokens;
use super::watch::{WatchFilter, watch};
use crate::core::{Key, PlannerCore};
use crate::model::Phase;
use crate::store::{Filter, MigrationStore};
use schemahero_proto::v1 as pb;
use schemahero_proto::v1::migration_service_server::MigrationService;
use std::pin::Pin;
use std::sync::Arc;
use tokio_stream::Stream;
use tonic::{Request, Response, Status};

/// Migrations per page when the client does not say.
pub const DEFAULT_PAGE_SIZE: usize = 500;
/// The most migrations per page, whatever the client asks: bounds one response's size.
pub const MAX_PAGE_SIZE: usize = 1000;

/// The filter of a request's phase field; INVALID_ARGUMENT for a value this build does not know.
fn phase_filter(phase: i32) -> Result<Option<Phase>, Status> {
    match pb::Phase::try_from(phase) {
        Ok(p) => Ok(Phase::from_proto(p)),
        Err(_) => Err(Status::invalid_argument(format!("phase: unknown value {phase}"))),
    }
}

fn non_empty(s: String) -> Option<String> {
    (!s.is_empty()).then_some(s)
}

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
    type WatchMigrationsStream = Pin<Box<dyn Stream<Item = Result<pb::WatchMigrationsResponse, Status>> + Send + 'static>>;

    async fn list_migrations(&self, request: Request<pb::ListMigrationsRequest>) -> Result<Response<pb::ListMigrationsResponse>, Status> {
        let r = request.into_inner();
        let phase = phase_filter(r.phase)?;
        let filter = Filter { namespace: non_empty(r.namespace), database: non_empty(r.database), table: non_empty(r.table), phase };
        let page_size = match r.page_size {
            n if n < 0 => return Err(Status::invalid_argument(format!("page_size: {n} is negative"))),
            0 => DEFAULT_PAGE_SIZE,
            n => (n as usize).min(MAX_PAGE_SIZE),
        };
        let after = if r.page_token.is_empty() { None } else { Some(tokens::parse_page_token(&filter, &r.page_token)?) };
        // Read before the page: a watch from here replays whatever changes after the read.
        // A store that cannot say yet (Kubernetes, before its watch has listed) still lists.
        let revision = self.core.store().current_revision().await.ok().flatten();
        // One more than the page holds tells whether there is a next page.
        let mut migrations = self.core.store().list_page(&filter, after, page_size + 1).await.map_err(|e| status(e.into()))?;
        let next_page_token = if migrations.len() > page_size {
            migrations.truncate(page_size);
            migrations.last().map(|m| tokens::page_token(&filter, m.planned_at, &m.id)).unwrap_or_default()
        } else {
            String::new()
        };
        Ok(Response::new(pb::ListMigrationsResponse {
            migrations: migrations.iter().map(|m| m.to_proto()).collect(),
            next_page_token,
            watch_token: revision.map(tokens::watch_token).unwrap_or_default(),
        }))
    }

    async fn watch_migrations(
        &self,
        request: Request<pb::WatchMigrationsRequest>,
    ) -> Result<Response<Self::WatchMigrationsStream>, Status> {
        let r = request.into_inner();
        let filter = WatchFilter {
            list: Filter {
                namespace: non_empty(r.namespace),
                database: non_empty(r.database),
                table: non_empty(r.table),
                phase: phase_filter(r.phase)?,
            },
            id: non_empty(r.id),
        };
        let after = if r.resume_token.is_empty() { None } else { Some(tokens::parse_watch_token(&r.resume_token)?) };
        let stream = watch(Arc::clone(&self.core), filter, after).await?;
        Ok(Response::new(Box::pin(stream)))
    }

    async fn plan_preview(&self, request: Request<pb::PlanPreviewRequest>) -> Result<Response<pb::PlanPreviewResponse>, Status> {
        let r = request.into_inner();
        let preview = self.core.plan_preview(Key::new(r.namespace, r.database), &r.table_spec).await.map_err(status)?;
        Ok(Response::new(pb::PlanPreviewResponse {
            statements: preview.statements.iter().map(pb::Statement::from).collect(),
            fingerprint: preview.fingerprint,
            warnings: preview.warnings,
        }))
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
        let r = request.into_inner();
        let m = self.core.approve(&r.id, &actor, &r.comment).await.map_err(status)?;
        Ok(Response::new(pb::ApproveMigrationResponse { migration: Some(m.to_proto()) }))
    }

    async fn reject_migration(
        &self,
        request: Request<pb::RejectMigrationRequest>,
    ) -> Result<Response<pb::RejectMigrationResponse>, Status> {
        let actor = actor(&request);
        let r = request.into_inner();
        let m = self.core.reject(&r.id, &actor, &r.comment).await.map_err(status)?;
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
