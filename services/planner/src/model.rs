//! Migrations as the planner stores them, and their state machine.

use schemahero_proto::v1 as pb;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Phase {
    #[default]
    Planned,
    Approved,
    Executing,
    Executed,
    Rejected,
    Failed,
    Superseded,
}

impl Phase {
    pub fn as_str(self) -> &'static str {
        match self {
            Phase::Planned => "Planned",
            Phase::Approved => "Approved",
            Phase::Executing => "Executing",
            Phase::Executed => "Executed",
            Phase::Rejected => "Rejected",
            Phase::Failed => "Failed",
            Phase::Superseded => "Superseded",
        }
    }

    /// Every phase, in the order of the proto enum.
    pub const ALL: [Phase; 7] =
        [Phase::Planned, Phase::Approved, Phase::Executing, Phase::Executed, Phase::Rejected, Phase::Failed, Phase::Superseded];

    pub fn parse(s: &str) -> Option<Self> {
        [Phase::Planned, Phase::Approved, Phase::Executing, Phase::Executed, Phase::Rejected, Phase::Failed, Phase::Superseded]
            .into_iter()
            .find(|p| p.as_str().eq_ignore_ascii_case(s))
    }

    /// Not finished: a newer plan must wait for (or replace) it.
    pub fn is_open(self) -> bool {
        matches!(self, Phase::Planned | Phase::Approved | Phase::Executing)
    }

    pub fn to_proto(self) -> pb::Phase {
        match self {
            Phase::Planned => pb::Phase::Planned,
            Phase::Approved => pb::Phase::Approved,
            Phase::Executing => pb::Phase::Executing,
            Phase::Executed => pb::Phase::Executed,
            Phase::Rejected => pb::Phase::Rejected,
            Phase::Failed => pb::Phase::Failed,
            Phase::Superseded => pb::Phase::Superseded,
        }
    }

    pub fn from_proto(p: pb::Phase) -> Option<Self> {
        match p {
            pb::Phase::Unspecified => None,
            pb::Phase::Planned => Some(Phase::Planned),
            pb::Phase::Approved => Some(Phase::Approved),
            pb::Phase::Executing => Some(Phase::Executing),
            pb::Phase::Executed => Some(Phase::Executed),
            pb::Phase::Rejected => Some(Phase::Rejected),
            pb::Phase::Failed => Some(Phase::Failed),
            pb::Phase::Superseded => Some(Phase::Superseded),
        }
    }
}

/// A namespaced resource (a Database or a Table): its namespace and name.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Key {
    pub namespace: String,
    pub name: String,
}

impl Key {
    pub fn new(namespace: impl Into<String>, name: impl Into<String>) -> Self {
        Self { namespace: namespace.into(), name: name.into() }
    }
}

impl std::fmt::Display for Key {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.namespace, self.name)
    }
}

/// Why a table is planned.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Reason {
    /// Its spec (or its Database) changed.
    #[default]
    Spec,
    /// The periodic pass that finds changes made outside SchemaHero.
    Drift,
    /// A reviewer asked for a fresh plan.
    Recalculate,
}

impl Reason {
    /// As stored and sent: `spec`, `drift` or `recalculate`.
    pub fn as_str(self) -> &'static str {
        match self {
            Reason::Spec => "spec",
            Reason::Drift => "drift",
            Reason::Recalculate => "recalculate",
        }
    }
}

impl Reason {
    /// The stored name; "" (records made before reasons were kept) reads as `Spec`.
    pub fn parse(s: &str) -> Option<Self> {
        if s.is_empty() {
            return Some(Reason::Spec);
        }
        [Reason::Spec, Reason::Drift, Reason::Recalculate].into_iter().find(|r| r.as_str() == s)
    }
}

/// A migration's statements are the plan's own type, stored and sent as they were planned.
pub use schemahero_plan::PlannedStatement;

/// A migration row. `version` increases with every update (optimistic concurrency).
/// `Default` is for building records field by field (tests); planned records set every field.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MigrationRecord {
    pub id: String,
    pub namespace: String,
    pub database: String,
    pub table_resource: String,
    pub table: String,
    pub phase: Phase,
    pub statements: Vec<PlannedStatement>,
    pub fingerprint: String,
    pub spec_hash: String,
    /// The Table spec (JSON) planned; handed to executors for the stale-plan check.
    pub spec_json: String,
    pub planned_at: i64,
    pub approved_at: i64,
    pub executed_at: i64,
    pub trace_id: String,
    /// W3C traceparent of the planning span (execution continues the same trace).
    pub traceparent: String,
    pub error: String,
    pub waiting_reason: String,
    pub attempts: i64,
    pub executor: String,
    pub reason: Reason,
    pub fencing_token: i64,
    pub lease_expires_at: i64,
    /// An approved migration is not handed out before this time (retry backoff).
    pub not_before: i64,
    pub version: i64,
    /// Who approved, rejected or last recalculated it (see `pb::Migration`).
    pub approved_by: String,
    pub rejected_by: String,
    pub recalculated_by: String,
    /// "" for a Table; `Function` or `DatabaseExtension` (then `table_resource` names that
    /// resource and `spec_json` is its spec).
    pub resource_kind: String,
    /// What the reviewer wrote when approving or rejecting it.
    pub approval_comment: String,
    pub rejection_comment: String,
    /// The store's change sequence at this migration's last write (SQL store; 0 elsewhere):
    /// every insert or update takes the next value, which is what WatchMigrations resumes from.
    pub revision: i64,
    /// What the planner found before offering it (`Blocked`, `ReviewRequired`, `Validated`;
    /// see `pb::Migration.conditions`).
    pub conditions: Vec<MigrationCondition>,
}

/// A condition on a migration, in the Kubernetes style (`type`, `status` True/False/Unknown,
/// a CamelCase `reason`, a `message` naming the statements concerned).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MigrationCondition {
    #[serde(rename = "type")]
    pub kind: String,
    pub status: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub reason: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub message: String,
}

/// The hazard policy denies one of the statements' hazards: never approved nor executed.
pub const BLOCKED: &str = "Blocked";
/// `immediateDeploy` left it for a reviewer because the policy asks one for a hazard.
pub const REVIEW_REQUIRED: &str = "ReviewRequired";
/// Its statements ran on a scratch copy of the schema and planning again there was empty.
pub const VALIDATED: &str = "Validated";

impl MigrationCondition {
    pub fn new(kind: &str, status: bool, reason: &str, message: impl Into<String>) -> Self {
        MigrationCondition {
            kind: kind.to_string(),
            status: if status { "True" } else { "False" }.to_string(),
            reason: reason.to_string(),
            message: message.into(),
        }
    }

    pub fn unknown(kind: &str, reason: &str, message: impl Into<String>) -> Self {
        MigrationCondition { status: "Unknown".into(), ..Self::new(kind, false, reason, message) }
    }

    pub fn to_proto(&self) -> pb::MigrationCondition {
        pb::MigrationCondition {
            r#type: self.kind.clone(),
            status: self.status.clone(),
            reason: self.reason.clone(),
            message: self.message.clone(),
        }
    }
}

impl MigrationRecord {
    pub fn to_proto(&self) -> pb::Migration {
        pb::Migration {
            id: self.id.clone(),
            namespace: self.namespace.clone(),
            database: self.database.clone(),
            table_resource: self.table_resource.clone(),
            table: self.table.clone(),
            phase: self.phase.to_proto() as i32,
            statements: self.statements.iter().map(pb::Statement::from).collect(),
            fingerprint: self.fingerprint.clone(),
            spec_hash: self.spec_hash.clone(),
            planned_at: self.planned_at,
            approved_at: self.approved_at,
            executed_at: self.executed_at,
            trace_id: self.trace_id.clone(),
            traceparent: self.traceparent.clone(),
            error: self.error.clone(),
            waiting_reason: self.waiting_reason.clone(),
            attempts: self.attempts.clamp(0, u32::MAX as i64) as u32,
            executor: self.executor.clone(),
            reason: self.reason.as_str().to_string(),
            approved_by: self.approved_by.clone(),
            rejected_by: self.rejected_by.clone(),
            recalculated_by: self.recalculated_by.clone(),
            resource_kind: self.resource_kind.clone(),
            planned_time: timestamp(self.planned_at),
            approved_time: timestamp(self.approved_at),
            executed_time: timestamp(self.executed_at),
            approval_comment: self.approval_comment.clone(),
            rejection_comment: self.rejection_comment.clone(),
            conditions: self.conditions.iter().map(MigrationCondition::to_proto).collect(),
        }
    }

    pub fn condition(&self, kind: &str) -> Option<&MigrationCondition> {
        self.conditions.iter().find(|c| c.kind == kind)
    }

    /// Replaces the condition of the same type (or adds it); `None` removes it.
    pub fn set_condition(&mut self, kind: &str, condition: Option<MigrationCondition>) {
        match (self.conditions.iter().position(|c| c.kind == kind), condition) {
            (Some(i), Some(c)) => self.conditions[i] = c,
            (Some(i), None) => {
                self.conditions.remove(i);
            }
            (None, Some(c)) => self.conditions.push(c),
            (None, None) => {}
        }
    }

    /// Why it may not be approved or executed: the policy blocks it, or it failed validation.
    pub fn refusal(&self) -> Option<String> {
        if let Some(c) = self.condition(BLOCKED).filter(|c| c.status == "True") {
            return Some(format!("blocked by the Database's hazard policy: {}", c.message));
        }
        if let Some(c) = self.condition(VALIDATED).filter(|c| c.status == "False") {
            return Some(format!("failed validation on a scratch copy of the schema: {}", c.message));
        }
        None
    }

    /// Whether it migrates a Table (not a Function, DatabaseExtension or View).
    pub fn is_table(&self) -> bool {
        self.resource_kind.is_empty()
    }

    /// Whether `other` is this migration's plan again: the same SQL in the same order. Hints
    /// are left out on purpose: a migration planned before hints existed (or before a default
    /// changed) is the same change, and is neither superseded nor offered for review again just
    /// for them; it runs with the hints it was planned with.
    pub fn same_statements(&self, other: &[PlannedStatement]) -> bool {
        self.statements.len() == other.len() && self.statements.iter().zip(other).all(|(a, b)| a.sql == b.sql)
    }
}

/// Unix milliseconds as a protobuf Timestamp; `None` for 0 (not reached).
pub fn timestamp(millis: i64) -> Option<prost_types::Timestamp> {
    (millis != 0).then(|| prost_types::Timestamp { seconds: millis.div_euclid(1000), nanos: (millis.rem_euclid(1000) * 1_000_000) as i32 })
}

pub fn now_millis() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_sql_with_other_hints_is_the_same_plan() {
        let planned = PlannedStatement::new("public.t", "ALTER TABLE \"t\" ADD COLUMN \"a\" integer");
        let record = MigrationRecord {
            id: "t-1".into(),
            namespace: "default".into(),
            database: "db".into(),
            table_resource: "t".into(),
            table: "t".into(),
            statements: vec![planned.clone()],
            version: 1,
            ..MigrationRecord::default()
        };
        assert!(timestamp(0).is_none());
        assert_eq!(timestamp(1_700_000_000_123), Some(prost_types::Timestamp { seconds: 1_700_000_000, nanos: 123_000_000 }));
        assert_eq!(timestamp(-1), Some(prost_types::Timestamp { seconds: -1, nanos: 999_000_000 }));
        assert!(record.same_statements(&[planned.clone().with_lock_timeout(std::time::Duration::from_secs(10))]));
        assert!(!record.same_statements(&[PlannedStatement::new("public.t", "ALTER TABLE \"t\" ADD COLUMN \"b\" integer")]));
    }
}
