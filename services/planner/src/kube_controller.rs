//! Kubernetes mode: approval, rejection and recalculation arrive as changes to Migration
//! resources (`spec.approved`, `spec.rejected`, `spec.recalculate`), so `kubectl patch`, the
//! plugin and GitOps all work. This controller turns them into planner transitions.

use crate::core::{CoreError, PlannerCore};
use crate::model::Phase;
use crate::store::MigrationStore;
use futures_util::StreamExt;
use kube::api::{Patch, PatchParams};
use kube::runtime::controller::{Action, Controller};
use kube::runtime::watcher;
use kube::{Api, Client, ResourceExt};
use schemahero_k8s::Migration;
use std::sync::Arc;
use std::time::Duration;

pub struct Context<S: MigrationStore> {
    pub client: Client,
    pub core: Arc<PlannerCore<S>>,
}

/// What the user asked for on a Migration, given its current phase.
#[derive(Debug, PartialEq, Eq)]
pub enum Request {
    Approve,
    Reject,
    Recalculate(String),
    Nothing,
}

pub fn request_of(m: &Migration) -> Request {
    if m.is_schemahero_made() {
        // SchemaHero's (Go) history: nothing to approve here (the plugin refuses; a bare
        // `kubectl patch` is logged by `reconcile`). Its spelling `PLANNED` would parse as ours.
        return Request::Nothing;
    }
    let status = m.status.clone().unwrap_or_default();
    let phase = Phase::parse(&status.phase);
    if m.spec.rejected && matches!(phase, Some(Phase::Planned | Phase::Approved)) {
        return Request::Reject;
    }
    if m.spec.approved && !m.spec.rejected && phase == Some(Phase::Planned) {
        return Request::Approve;
    }
    if !m.spec.recalculate.is_empty() && m.spec.recalculate != status.recalculated {
        return Request::Recalculate(m.spec.recalculate.clone());
    }
    Request::Nothing
}

/// Who asked: `spec.requestedBy`, which `kubectl schemahero` sets to the Kubernetes user it is
/// authenticated as (RBAC decides who may patch Migrations at all).
fn actor_of(m: &Migration) -> String {
    match m.spec.requested_by.trim() {
        "" => "unknown Kubernetes user (spec.requestedBy not set)".to_string(),
        user => user.to_string(),
    }
}

pub async fn reconcile<S: MigrationStore>(m: Arc<Migration>, ctx: Arc<Context<S>>) -> Result<Action, CoreError> {
    let id = m.name_any();
    let actor = actor_of(&m);
    if m.is_schemahero_made() && (m.spec.approved || m.spec.rejected || !m.spec.recalculate.is_empty()) {
        tracing::warn!(
            migration = %id,
            table = %m.spec.table_name,
            "a Migration made by SchemaHero (Go) was approved, rejected or recalculated: ignored, it is history here; \
             the planner plans its Table from the live database and shows that plan as a new Migration"
        );
    }
    match request_of(&m) {
        Request::Approve => {
            // Blocked by the hazard policy or failed validation: approving it is refused, and
            // retrying would not change that (a changed policy re-judges it by itself, and
            // then this approval counts).
            if let Some(why) = ctx.core.get(&id).await?.refusal() {
                tracing::warn!(migration = %id, by = %actor, "spec.approved is set, but it cannot be approved: {why}");
                return Ok(Action::await_change());
            }
            ctx.core.approve(&id, &actor, &m.spec.comment).await?;
            tracing::info!(migration = %id, "approved (spec.approved)");
        }
        Request::Reject => {
            ctx.core.reject(&id, &actor, &m.spec.comment).await?;
            tracing::info!(migration = %id, "rejected (spec.rejected)");
        }
        Request::Recalculate(token) => {
            let current = ctx.core.recalculate(&id, &actor).await?;
            let api: Api<Migration> = Api::namespaced(ctx.client.clone(), &m.namespace().unwrap_or_default());
            let patch = serde_json::json!({ "status": { "recalculated": token } });
            api.patch_status(&id, &PatchParams::default(), &Patch::Merge(&patch))
                .await
                .map_err(|e| CoreError::Precondition(format!("recording the recalculation of {id}: {e}")))?;
            tracing::info!(migration = %id, current = %current.id, "recalculated (spec.recalculate)");
        }
        Request::Nothing => {}
    }
    Ok(Action::await_change())
}

pub fn error_policy<S: MigrationStore>(m: Arc<Migration>, error: &CoreError, _ctx: Arc<Context<S>>) -> Action {
    tracing::warn!(migration = %m.name_any(), error = %error, "could not act on the Migration; retrying");
    Action::requeue(Duration::from_secs(5))
}

/// Runs until the process stops, over the served namespaces (all when empty).
pub async fn run<S: MigrationStore>(client: Client, core: Arc<PlannerCore<S>>, namespaces: Vec<String>) {
    let apis: Vec<Api<Migration>> = if namespaces.is_empty() {
        vec![Api::all(client.clone())]
    } else {
        namespaces.iter().map(|ns| Api::namespaced(client.clone(), ns)).collect()
    };
    let ctx = Arc::new(Context { client, core });
    let controllers = apis.into_iter().map(|api| {
        Controller::new(api, watcher::Config::default()).run(reconcile, error_policy, Arc::clone(&ctx)).for_each(|result| async move {
            if let Err(e) = result {
                tracing::debug!(error = %e, "migration controller");
            }
        })
    });
    futures_util::future::join_all(controllers).await;
}

#[cfg(test)]
mod tests {
    use super::*;
    use schemahero_k8s::{MigrationSpec, MigrationStatus};

    fn migration(phase: &str, approved: bool, rejected: bool, recalculate: &str, recalculated: &str) -> Migration {
        let spec = MigrationSpec {
            table_resource: "users".into(),
            approved,
            rejected,
            recalculate: recalculate.into(),
            ..MigrationSpec::default()
        };
        let mut m = Migration::new("users-1", spec);
        m.status = Some(MigrationStatus { phase: phase.into(), recalculated: recalculated.into(), ..MigrationStatus::default() });
        m
    }

    #[test]
    fn requests_follow_the_spec_and_the_phase() {
        assert_eq!(request_of(&migration("Planned", true, false, "", "")), Request::Approve);
        assert_eq!(request_of(&migration("Executed", true, false, "", "")), Request::Nothing, "approving twice does nothing");
        assert_eq!(request_of(&migration("Approved", true, true, "", "")), Request::Reject);
        assert_eq!(request_of(&migration("Rejected", false, true, "", "")), Request::Nothing);
        assert_eq!(request_of(&migration("Planned", false, false, "t1", "")), Request::Recalculate("t1".into()));
        assert_eq!(request_of(&migration("Planned", false, false, "t1", "t1")), Request::Nothing, "each recalculation once");
    }

    #[test]
    fn schemahero_migrations_are_never_acted_on() {
        // As SchemaHero (Go) writes them, then approved by a bare `kubectl patch`.
        let legacy: Migration = serde_json::from_value(serde_json::json!({
            "apiVersion": "schemas.schemahero.io/v1alpha4", "kind": "Migration",
            "metadata": { "name": "a1b2c3d", "namespace": "default" },
            "spec": { "tableName": "users", "tableNamespace": "default", "generatedDDL": "alter table users add x int", "approved": true },
            "status": { "phase": "PLANNED", "plannedAt": 1_700_000_000 },
        }))
        .unwrap();
        assert_eq!(request_of(&legacy), Request::Nothing);
        let mut recalculated = legacy.clone();
        recalculated.spec.recalculate = "t1".into();
        assert_eq!(request_of(&recalculated), Request::Nothing);
        assert!(crate::kube_store::record_of(&legacy).is_none(), "not a record of this planner's");
        let mut approved = legacy;
        approved.status = Some(MigrationStatus { phase: "APPROVED".into(), approved_at: 1_700_000_001, ..MigrationStatus::default() });
        assert!(crate::kube_store::record_of(&approved).is_none(), "APPROVED is not our Approved: never claimed");
    }
}
