//! The current-state gauge `schemahero_migrations_by_phase{phase}`: how many migrations the
//! store holds in each phase, next to the `schemahero_migrations_total{phase}` counters (which
//! count transitions this process made).
//!
//! Not `schemahero_migrations{phase}`: in the OpenMetrics format `/metrics` speaks, the counter
//! `schemahero_migrations_total` is the family `schemahero_migrations`, and two families may not
//! share a name.

use crate::core::PlannerCore;
use crate::model::Phase;
use crate::store::MigrationStore;
use std::sync::Arc;
use std::time::Duration;

pub const GAUGE: &str = "schemahero_migrations_by_phase";

/// At most one count per this interval, however fast migrations change.
const MIN_INTERVAL: Duration = Duration::from_secs(1);
/// Counted at least this often, for changes other planner replicas make to a shared store.
const MAX_INTERVAL: Duration = Duration::from_secs(30);

/// Sets the gauges from the store once; false when the store could not be read.
pub async fn update<S: MigrationStore>(core: &PlannerCore<S>) -> bool {
    match core.store().count_by_phase().await {
        Ok(counts) => {
            for phase in Phase::ALL {
                schemahero_telemetry::metrics::gauge(GAUGE, &[("phase", phase.as_str())]).set(counts.get(&phase).copied().unwrap_or(0));
            }
            true
        }
        Err(e) => {
            tracing::debug!(error = %e, "counting migrations per phase");
            false
        }
    }
}

/// Keeps the gauges current: after this process changes a migration (at most once a second)
/// and every 30 seconds.
pub async fn run<S: MigrationStore>(core: Arc<PlannerCore<S>>) {
    let mut changes = core.subscribe_changes();
    loop {
        changes.borrow_and_update();
        update(&core).await;
        tokio::time::sleep(MIN_INTERVAL).await;
        let _ = tokio::time::timeout(MAX_INTERVAL.saturating_sub(MIN_INTERVAL), changes.changed()).await;
    }
}
