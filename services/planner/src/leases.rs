//! Handing approved migrations to executors under a lease, with fencing tokens.
//!
//! At most one migration per database is executing at a time. A lease that is not renewed
//! expires and the migration goes to the next executor that asks; the new claim gets a new
//! fencing token, so the old executor can neither renew nor report any more. (The ledger in
//! the target database is what makes a double application impossible; the token keeps the
//! planner's record honest.)

use crate::core::{CoreError, PlannerCore};
use crate::model::{Key, MigrationRecord, Phase, now_millis};
use crate::store::{Filter, MigrationStore};
use std::collections::HashSet;

pub struct ClaimGrant {
    pub migration: MigrationRecord,
    pub driver: String,
    pub uri: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Executed,
    Failed,
    Stale,
    Retry,
}

/// What a View spec reads: `requires` and the relations its queries name.
fn view_reads(spec_json: &str) -> HashSet<String> {
    let Ok(spec) = serde_json::from_str::<schemahero_schema::view::ViewSpec>(spec_json) else { return HashSet::new() };
    spec.reads_any().into_iter().filter(|t| *t != spec.name).collect()
}

/// Tables a Table spec depends on: foreign-key targets and `requires`.
fn referenced_tables(spec_json: &str) -> HashSet<String> {
    let Ok(spec) = serde_json::from_str::<schemahero_schema::spec::TableSpec>(spec_json) else { return HashSet::new() };
    let mut out: HashSet<String> = spec.requires.iter().cloned().collect();
    if let Some(schema) = &spec.schema {
        let pg = schema.postgres.iter().chain(schema.cockroachdb.iter()).flat_map(|p| p.foreign_keys.iter());
        let lite = schema.sqlite.iter().chain(schema.rqlite.iter()).flat_map(|s| s.foreign_keys.iter());
        out.extend(pg.chain(lite).map(|fk| fk.references.table.clone()).filter(|t| *t != spec.name));
    }
    out
}

fn retry_delay_ms(attempts: i64) -> i64 {
    let exponent = attempts.clamp(1, 6) - 1;
    (1000i64 << exponent).min(30_000)
}

impl<S: MigrationStore> PlannerCore<S> {
    pub async fn claim(&self, executor: &str, lease_seconds: u32) -> Result<Option<ClaimGrant>, CoreError> {
        if executor.trim().is_empty() {
            return Err(CoreError::Invalid("executor_id: must not be empty".into()));
        }
        if !(1..=3600).contains(&lease_seconds) {
            return Err(CoreError::Invalid("lease_seconds: must be between 1 and 3600".into()));
        }
        let _guard = self.transitions_lock().await?;
        let now = now_millis();
        let mut candidates = self.store().list(&Filter { phase: Some(Phase::Approved), ..Filter::default() }).await?;
        // Approval refuses these; a record that reached Approved some other way (a store edited
        // by hand) still never runs.
        candidates.retain(|m| m.refusal().is_none());
        let executing = self.store().list(&Filter { phase: Some(Phase::Executing), ..Filter::default() }).await?;
        let busy: HashSet<Key> =
            executing.iter().filter(|m| m.lease_expires_at > now).map(|m| Key::new(&m.namespace, &m.database)).collect();
        // Expired leases go back into the queue, ahead of newer work for the same database.
        let mut expired: Vec<MigrationRecord> = executing.into_iter().filter(|m| m.lease_expires_at <= now).collect();
        expired.append(&mut candidates);
        expired.sort_by_key(|m| m.planned_at);
        // Tables and Views with unfinished migrations, per database: a migration whose table
        // references one of them (foreign key or `requires`), or whose View reads one, waits for
        // it, so tables are created in order and views after what they read.
        let planned = self.store().list(&Filter { phase: Some(Phase::Planned), ..Filter::default() }).await?;
        let unfinished: Vec<(String, String, String, String)> = planned
            .iter()
            .chain(expired.iter())
            .filter(|m| m.is_table() || m.resource_kind == schemahero_schema::object::VIEW)
            .map(|m| (m.namespace.clone(), m.database.clone(), m.table.clone(), m.id.clone()))
            .collect();
        let mut seen_db: HashSet<Key> = HashSet::new();
        for m in expired {
            let db = Key::new(&m.namespace, &m.database);
            if busy.contains(&db) || !seen_db.insert(db.clone()) {
                continue; // one at a time per database, in plan order
            }
            if m.not_before > now {
                continue;
            }
            // A Function's or DatabaseExtension's spec references no tables.
            let needs = if m.is_table() {
                referenced_tables(&m.spec_json)
            } else if m.resource_kind == schemahero_schema::object::VIEW {
                view_reads(&m.spec_json)
            } else {
                HashSet::new()
            };
            if let Some((_, _, table, id)) =
                unfinished.iter().find(|u| u.0 == db.namespace && u.1 == db.name && u.3 != m.id && needs.contains(&u.2))
            {
                let reason = if m.is_table() {
                    format!("waiting for migration {id} of table {table}, which this table references")
                } else {
                    format!("waiting for migration {id} of {table}, which this view reads")
                };
                if m.waiting_reason != reason {
                    let mut waiting = m.clone();
                    waiting.waiting_reason = reason;
                    waiting.version += 1;
                    // Only a note: if someone changed the migration meanwhile, theirs stands.
                    if let Err(e) = self.update(&waiting).await {
                        tracing::debug!(migration = %waiting.id, error = %e, "waiting reason not recorded");
                    }
                }
                seen_db.remove(&db); // later migrations of this database may still go
                continue;
            }
            let Some(database) = self.database(&db) else {
                if m.waiting_reason.is_empty() {
                    let mut waiting = m.clone();
                    waiting.waiting_reason = format!("database {db} is not known to the planner yet");
                    waiting.version += 1;
                    // Only a note: if someone changed the migration meanwhile, theirs stands.
                    if let Err(e) = self.update(&waiting).await {
                        tracing::debug!(migration = %waiting.id, error = %e, "waiting reason not recorded");
                    }
                }
                continue;
            };
            if m.phase == Phase::Executing {
                tracing::warn!(migration = %m.id, executor = %m.executor, "lease expired; handing the migration to another executor");
                schemahero_telemetry::metrics::counter("schemahero_lease_expirations_total", &[]).inc();
            }
            let mut next = m.clone();
            next.phase = Phase::Executing;
            next.fencing_token = self.store().next_fencing_token().await?;
            next.lease_expires_at = now + i64::from(lease_seconds) * 1000;
            next.executor = executor.to_string();
            next.attempts += 1;
            next.waiting_reason.clear();
            next.version += 1;
            if self.store().update(&next).await? {
                return Ok(Some(ClaimGrant { migration: next, driver: database.driver.to_string(), uri: database.uri }));
            }
        }
        Ok(None)
    }

    async fn holder(&self, id: &str, token: u64) -> Result<MigrationRecord, CoreError> {
        let m = self.get(id).await?;
        if m.phase != Phase::Executing || m.fencing_token != token as i64 {
            return Err(CoreError::Precondition(format!(
                "fencing token {token} no longer holds migration {id} (it is {} with token {})",
                m.phase.as_str(),
                m.fencing_token
            )));
        }
        Ok(m)
    }

    pub async fn renew(&self, id: &str, token: u64, lease_seconds: u32) -> Result<i64, CoreError> {
        if !(1..=3600).contains(&lease_seconds) {
            return Err(CoreError::Invalid("lease_seconds: must be between 1 and 3600".into()));
        }
        let _guard = self.transitions_lock().await?;
        let mut m = self.holder(id, token).await?;
        if m.lease_expires_at < now_millis() {
            return Err(CoreError::Precondition(format!("the lease on migration {id} has expired")));
        }
        m.lease_expires_at = now_millis() + i64::from(lease_seconds) * 1000;
        m.version += 1;
        self.update(&m).await?;
        Ok(m.lease_expires_at)
    }

    pub async fn report(
        self: &std::sync::Arc<Self>,
        id: &str,
        token: u64,
        outcome: Outcome,
        error: &str,
    ) -> Result<MigrationRecord, CoreError> {
        let guard = self.transitions_lock().await?;
        let mut m = self.holder(id, token).await?;
        let now = now_millis();
        m.lease_expires_at = 0;
        match outcome {
            Outcome::Executed => {
                m.phase = Phase::Executed;
                m.executed_at = now;
                // After retries, the migration keeps what interrupted the earlier attempts.
                m.error = match m.error.strip_prefix("retried: ") {
                    Some(last) if m.attempts > 1 => format!("executed on attempt {} after: {last}", m.attempts),
                    _ => String::new(),
                };
            }
            Outcome::Failed => {
                m.phase = Phase::Failed;
                m.error = error.to_string();
            }
            Outcome::Stale => {
                m.phase = Phase::Superseded;
                m.error = format!("not applied: the live schema changed since planning ({error}); re-planned");
            }
            Outcome::Retry => {
                m.phase = Phase::Approved;
                m.waiting_reason = error.to_string();
                m.error = format!("retried: attempt {}: {error}", m.attempts);
                m.not_before = now + retry_delay_ms(m.attempts);
            }
        }
        m.version += 1;
        self.update(&m).await?;
        drop(guard);
        schemahero_telemetry::metrics::counter("schemahero_migrations_total", &[("phase", m.phase.as_str())]).inc();
        if outcome == Outcome::Retry {
            schemahero_telemetry::metrics::counter("schemahero_retries_total", &[]).inc();
        }
        let key = Key::new(&m.namespace, &m.table_resource);
        if !m.is_table() {
            // Planned again: nothing once it is in place (its status then says so), or the
            // change a stale plan missed.
            if matches!(outcome, Outcome::Executed | Outcome::Stale) {
                let okey = crate::objects::ObjectKey { kind: m.resource_kind.clone(), key };
                self.schedule_object(okey, crate::scheduler::Reason::Spec, std::time::Duration::ZERO);
            }
        } else if outcome == Outcome::Stale {
            self.schedule_for(key, true, crate::scheduler::Reason::Spec, std::time::Duration::ZERO);
        }
        Ok(m)
    }
}

#[cfg(test)]
mod tests {
    use super::{retry_delay_ms, view_reads};

    #[test]
    fn a_view_reads_what_it_requires_and_what_its_queries_name() {
        let spec = r#"{"database":"app","name":"v","requires":["audit"],"schema":{"postgres":{"query":"SELECT * FROM users u JOIN orders o ON o.uid = u.id"},"mysql":{"query":"SELECT * FROM `Items`, v"}}}"#;
        let mut reads: Vec<String> = view_reads(spec).into_iter().collect();
        reads.sort();
        assert_eq!(reads, ["Items", "audit", "orders", "users"], "quoted names as written; its own name left out");
        assert!(view_reads("not json").is_empty());
    }

    #[test]
    fn retry_backoff_doubles_up_to_thirty_seconds() {
        assert_eq!(retry_delay_ms(1), 1000);
        assert_eq!(retry_delay_ms(2), 2000);
        assert_eq!(retry_delay_ms(4), 8000);
        assert_eq!(retry_delay_ms(50), 30_000);
    }
}
