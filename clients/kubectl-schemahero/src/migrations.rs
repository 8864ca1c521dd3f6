//! `get migrations`, `describe migration`, `approve|reject|recalculate migration` against a
//! planner over gRPC (`--planner`).

use anyhow::{Context, Result, bail};
use schemahero_proto::v1 as pb;
use schemahero_proto::v1::migration_service_client::MigrationServiceClient;
use serde::Serialize;
use tonic::transport::Channel;

#[derive(clap::Args)]
pub struct PlannerArgs {
    /// Talk to a planner's gRPC API (e.g. http://127.0.0.1:7070) instead of Kubernetes.
    #[arg(long, env = "SCHEMAHERO_PLANNER")]
    pub planner: Option<String>,
    /// mTLS to the planner (with an https:// --planner): the CLI's certificate needs the
    /// group schemahero:reviewer.
    #[command(flatten)]
    pub tls: schemahero_tls::ClientTlsArgs,
}

#[derive(Clone, Copy, clap::ValueEnum, PartialEq, Eq)]
pub enum Output {
    Table,
    Json,
    Yaml,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct HazardView {
    kind: String,
    message: String,
}

#[derive(Serialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct StatementView {
    pub(crate) table: String,
    pub(crate) sql: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub(crate) hazards: Vec<HazardView>,
    /// Execution hints, shown only when set (as on the wire, 0 is no hint).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub(crate) outside_transaction: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) lock_timeout_ms: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) statement_timeout_ms: Option<u64>,
}

impl StatementView {
    /// The hints as one comment line for the SQL listing (None without hints).
    fn hints_comment(&self) -> Option<String> {
        let mut hints = Vec::new();
        if self.outside_transaction {
            hints.push("runs outside the transaction".to_string());
        }
        if let Some(ms) = self.lock_timeout_ms {
            hints.push(format!("lock timeout {}", duration(ms)));
        }
        if let Some(ms) = self.statement_timeout_ms {
            hints.push(format!("statement timeout {}", duration(ms)));
        }
        (!hints.is_empty()).then(|| format!("-- hints: {}", hints.join(", ")))
    }
}

/// Milliseconds as people read them: `10s`, `1m30s`, `250ms`.
fn duration(ms: u64) -> String {
    if !ms.is_multiple_of(1000) {
        return format!("{ms}ms");
    }
    match (ms / 60_000, ms / 1000 % 60) {
        (0, s) => format!("{s}s"),
        (m, 0) => format!("{m}m"),
        (m, s) => format!("{m}m{s}s"),
    }
}

#[derive(Serialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct MigrationView {
    pub(crate) namespace: String,
    pub(crate) name: String,
    pub(crate) database: String,
    pub(crate) table: String,
    pub(crate) table_resource: String,
    /// `Function` or `DatabaseExtension` when it migrates one (then `table_resource` names it).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub(crate) resource_kind: String,
    pub(crate) phase: String,
    pub(crate) reason: String,
    pub(crate) planned_at: String,
    pub(crate) approved_at: String,
    pub(crate) executed_at: String,
    pub(crate) attempts: u32,
    pub(crate) executor: String,
    pub(crate) waiting_reason: String,
    pub(crate) error: String,
    pub(crate) fingerprint: String,
    pub(crate) trace_id: String,
    pub(crate) approved_by: String,
    pub(crate) rejected_by: String,
    pub(crate) recalculated_by: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub(crate) approval_comment: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub(crate) rejection_comment: String,
    pub(crate) statements: Vec<StatementView>,
    /// What the planner found before offering it: `Blocked`, `ReviewRequired`, `Validated`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub(crate) conditions: Vec<ConditionView>,
    /// Set only on Migrations SchemaHero (Go) made before the switch, read-only here: see
    /// `crate::legacy`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) schemahero: Option<SchemaHeroView>,
}

#[derive(Serialize, Default)]
pub struct ConditionView {
    #[serde(rename = "type")]
    pub(crate) kind: String,
    pub(crate) status: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub(crate) reason: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub(crate) message: String,
}

/// What only SchemaHero's (Go) Migrations have.
#[derive(Serialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct SchemaHeroView {
    /// `status.phase` as SchemaHero wrote it ("" when it wrote none).
    pub(crate) phase: String,
    /// The DDL shown is `editedDDL` (a person edited it) rather than `generatedDDL`.
    pub(crate) ddl_edited: bool,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub(crate) rejected_at: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub(crate) invalidated_at: String,
}

impl MigrationView {
    /// The phase as the table and `describe` show it: SchemaHero's marked as such.
    fn phase_label(&self) -> String {
        let holds = |kind: &str, status: &str| self.conditions.iter().any(|c| c.kind == kind && c.status == status);
        match &self.schemahero {
            Some(_) => format!("{} (SchemaHero)", self.phase),
            None if holds("Blocked", "True") => format!("{} (blocked)", self.phase),
            None if holds("Validated", "False") => format!("{} (invalid)", self.phase),
            None if holds("ReviewRequired", "True") => format!("{} (needs review)", self.phase),
            None => self.phase.clone(),
        }
    }
}

pub fn phase_name(phase: i32) -> String {
    match pb::Phase::try_from(phase) {
        Ok(pb::Phase::Planned) => "Planned",
        Ok(pb::Phase::Approved) => "Approved",
        Ok(pb::Phase::Executing) => "Executing",
        Ok(pb::Phase::Executed) => "Executed",
        Ok(pb::Phase::Rejected) => "Rejected",
        Ok(pb::Phase::Failed) => "Failed",
        Ok(pb::Phase::Superseded) => "Superseded",
        _ => "Unknown",
    }
    .to_string()
}

pub fn describe_phase(m: &pb::Migration) -> String {
    phase_name(m.phase)
}

pub fn parse_phase(name: &str) -> Result<pb::Phase> {
    Ok(match name.to_ascii_lowercase().as_str() {
        "planned" => pb::Phase::Planned,
        "approved" => pb::Phase::Approved,
        "executing" => pb::Phase::Executing,
        "executed" => pb::Phase::Executed,
        "rejected" => pb::Phase::Rejected,
        "failed" => pb::Phase::Failed,
        "superseded" => pb::Phase::Superseded,
        other => bail!("unknown phase {other:?}"),
    })
}

/// Unix milliseconds as RFC 3339 UTC (`-` for zero).
pub fn timestamp(ms: i64) -> String {
    if ms <= 0 {
        return String::new();
    }
    let secs = ms.div_euclid(1000);
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    // Civil-from-days (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z", rem / 3600, rem % 3600 / 60, rem % 60)
}

pub fn view(m: &pb::Migration) -> MigrationView {
    MigrationView {
        namespace: m.namespace.clone(),
        name: m.id.clone(),
        database: m.database.clone(),
        table: m.table.clone(),
        table_resource: m.table_resource.clone(),
        resource_kind: m.resource_kind.clone(),
        phase: phase_name(m.phase),
        reason: m.reason.clone(),
        planned_at: timestamp(m.planned_at),
        approved_at: timestamp(m.approved_at),
        executed_at: timestamp(m.executed_at),
        attempts: m.attempts,
        executor: m.executor.clone(),
        waiting_reason: m.waiting_reason.clone(),
        error: m.error.clone(),
        fingerprint: m.fingerprint.clone(),
        trace_id: m.trace_id.clone(),
        approved_by: m.approved_by.clone(),
        rejected_by: m.rejected_by.clone(),
        recalculated_by: m.recalculated_by.clone(),
        approval_comment: m.approval_comment.clone(),
        rejection_comment: m.rejection_comment.clone(),
        statements: m
            .statements
            .iter()
            .map(|s| StatementView {
                table: s.table.clone(),
                sql: s.sql.clone(),
                hazards: s.hazards.iter().map(|h| HazardView { kind: h.kind_name(), message: h.message.clone() }).collect(),
                outside_transaction: s.outside_transaction,
                lock_timeout_ms: (s.lock_timeout_ms > 0).then_some(s.lock_timeout_ms),
                statement_timeout_ms: (s.statement_timeout_ms > 0).then_some(s.statement_timeout_ms),
            })
            .collect(),
        conditions: m
            .conditions
            .iter()
            .map(|c| ConditionView {
                kind: c.r#type.clone(),
                status: c.status.clone(),
                reason: c.reason.clone(),
                message: c.message.clone(),
            })
            .collect(),
        schemahero: None,
    }
}

/// Migrations asked for per ListMigrations page.
pub const PAGE_SIZE: i32 = 500;

/// A client of the planner's `MigrationService` that sends the CLI's trace context with every
/// call.
pub type Client =
    MigrationServiceClient<tonic::service::interceptor::InterceptedService<Channel, schemahero_telemetry::TraceparentInterceptor>>;

pub async fn client(planner: &str, tls: &schemahero_tls::ClientTlsArgs) -> Result<Client> {
    let tls = tls.load(planner)?;
    let endpoint = Channel::from_shared(planner.to_string())
        .with_context(|| format!("--planner {planner:?} is not a URL"))?
        .connect_timeout(std::time::Duration::from_secs(5))
        .timeout(std::time::Duration::from_secs(60));
    let channel =
        schemahero_tls::client::connect(&endpoint, tls.as_ref()).await.with_context(|| format!("cannot reach the planner at {planner}"))?;
    Ok(MigrationServiceClient::with_interceptor(channel, schemahero_telemetry::TraceparentInterceptor))
}

/// The migration a response holds; a planner that answers without one is in error.
pub fn returned(migration: Option<pb::Migration>) -> Result<pb::Migration> {
    migration.context("the planner answered without a migration")
}

/// A gRPC error as the one line a user needs.
pub fn rpc_error(status: tonic::Status) -> anyhow::Error {
    anyhow::anyhow!("{}", status.message())
}

pub fn print_list(migrations: &[pb::Migration], output: Output) -> Result<String> {
    let views: Vec<MigrationView> = migrations.iter().map(view).collect();
    print_views(&views, output)
}

pub fn print_views(views: &[MigrationView], output: Output) -> Result<String> {
    Ok(match output {
        Output::Json => serde_json::to_string_pretty(&views)? + "\n",
        Output::Yaml => serde_saphyr::to_string(&views).map_err(|e| anyhow::anyhow!("{e}"))?,
        Output::Table => {
            let mut rows = vec![["NAMESPACE", "NAME", "DATABASE", "TABLE", "PHASE"].map(String::from).to_vec()];
            for v in views {
                rows.push(vec![v.namespace.clone(), v.name.clone(), v.database.clone(), v.table.clone(), v.phase_label()]);
            }
            let widths: Vec<usize> = (0..5).map(|i| rows.iter().map(|r| r[i].chars().count()).max().unwrap_or(0)).collect();
            let mut out = String::new();
            for r in rows {
                let cells: Vec<String> =
                    r.iter().enumerate().map(|(i, c)| if i == 4 { c.clone() } else { format!("{c:<w$}", w = widths[i]) }).collect();
                out.push_str(cells.join("   ").trim_end());
                out.push('\n');
            }
            out
        }
    })
}

pub fn describe(m: &pb::Migration, output: Output) -> Result<String> {
    describe_view(&view(m), output)
}

pub fn describe_view(v: &MigrationView, output: Output) -> Result<String> {
    Ok(match output {
        Output::Json => serde_json::to_string_pretty(v)? + "\n",
        Output::Yaml => serde_saphyr::to_string(v).map_err(|e| anyhow::anyhow!("{e}"))?,
        Output::Table => {
            let mut out = String::new();
            let dash = |s: &str| if s.is_empty() { "-".to_string() } else { s.to_string() };
            let (object_label, object) = match v.resource_kind.as_str() {
                "" => ("Table", v.table.clone()),
                kind => ("Resource", format!("{kind} {} ({})", v.table_resource, v.table)),
            };
            for (label, value) in [
                ("Name", v.name.clone()),
                ("Namespace", v.namespace.clone()),
                ("Database", v.database.clone()),
                (object_label, object),
                ("Phase", v.phase_label()),
                ("Reason", v.reason.clone()),
                ("Planned", v.planned_at.clone()),
                ("Approved", v.approved_at.clone()),
                ("Approved by", v.approved_by.clone()),
                ("Approval note", v.approval_comment.clone()),
                ("Rejected by", v.rejected_by.clone()),
                ("Rejection note", v.rejection_comment.clone()),
                ("Recalculated by", v.recalculated_by.clone()),
                ("Executed", v.executed_at.clone()),
                ("Attempts", v.attempts.to_string()),
                ("Executor", v.executor.clone()),
                ("Waiting", v.waiting_reason.clone()),
                ("Error", v.error.clone()),
                ("Fingerprint", v.fingerprint.clone()),
                ("Trace ID", v.trace_id.clone()),
            ] {
                // Comments show only when a reviewer wrote one (most approvals have none).
                if value.is_empty() && label.ends_with(" note") {
                    continue;
                }
                out.push_str(&format!("{:<17}{}\n", format!("{label}:"), dash(&value)));
            }
            if !v.conditions.is_empty() {
                out.push_str("Conditions:\n");
                for c in &v.conditions {
                    let reason = if c.reason.is_empty() { String::new() } else { format!(" ({})", c.reason) };
                    out.push_str(&format!("  {}={}{reason}: {}\n", c.kind, c.status, dash(&c.message)));
                }
            }
            if let Some(legacy) = &v.schemahero {
                for (label, value) in [
                    ("Planned by", "SchemaHero (Go), before the switch: read-only history, never run here".to_string()),
                    ("Original phase", if legacy.phase.is_empty() { "(none)".to_string() } else { legacy.phase.clone() }),
                    ("Rejected", legacy.rejected_at.clone()),
                    ("Invalidated", legacy.invalidated_at.clone()),
                ] {
                    out.push_str(&format!("{:<17}{}\n", format!("{label}:"), dash(&value)));
                }
                out.push_str(if legacy.ddl_edited { "SQL (editedDDL):\n" } else { "SQL (generatedDDL):\n" });
            } else {
                out.push_str("SQL:\n");
            }
            for s in &v.statements {
                for h in &s.hazards {
                    out.push_str(&format!("  -- hazard {}: {}\n", h.kind, h.message));
                }
                if let Some(hints) = s.hints_comment() {
                    out.push_str(&format!("  {hints}\n"));
                }
                for line in s.sql.lines() {
                    out.push_str(&format!("  {line}\n"));
                }
                out.pop();
                out.push_str(";\n");
            }
            out
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_are_rfc3339_utc() {
        assert_eq!(timestamp(0), "");
        assert_eq!(timestamp(1_700_000_000_000), "2023-11-14T22:13:20Z");
        assert_eq!(timestamp(951_782_400_000), "2000-02-29T00:00:00Z");
    }

    #[test]
    fn describe_names_the_function_or_extension_a_migration_is_for() {
        let m = pb::Migration {
            id: "double-it-1".into(),
            table_resource: "double-it".into(),
            table: "double_it".into(),
            resource_kind: "Function".into(),
            ..Default::default()
        };
        let out = describe(&m, Output::Table).unwrap();
        assert!(out.contains("Resource:        Function double-it (double_it)\n"), "{out}");
        assert!(!out.contains("Table:"), "{out}");
        let table = describe(&pb::Migration { table: "users".into(), ..Default::default() }, Output::Table).unwrap();
        assert!(table.contains("Table:           users\n") && !table.contains("Resource:"), "{table}");
        assert!(describe(&m, Output::Json).unwrap().contains("\"resourceKind\": \"Function\""));
    }

    #[test]
    fn describe_shows_review_comments_only_when_written() {
        let m = pb::Migration {
            id: "users-1".into(),
            approved_by: "alice".into(),
            approval_comment: "reviewed in PR #12".into(),
            ..Default::default()
        };
        let out = describe(&m, Output::Table).unwrap();
        assert!(out.contains("Approved by:     alice\nApproval note:   reviewed in PR #12\nRejected by:     -\n"), "{out}");
        assert!(!out.contains("Rejection note"), "no rejection comment, no line: {out}");
        let json = describe(&m, Output::Json).unwrap();
        assert!(json.contains("\"approvalComment\": \"reviewed in PR #12\"") && !json.contains("rejectionComment"), "{json}");
    }

    #[test]
    fn describe_shows_the_hints_of_each_statement_that_has_them() {
        let m = pb::Migration {
            id: "items-1".into(),
            statements: vec![
                pb::Statement { table: "public.items".into(), sql: "CREATE TABLE \"x\" (a int)".into(), ..Default::default() },
                pb::Statement {
                    table: "public.items".into(),
                    sql: "ALTER TABLE \"items\" ADD COLUMN \"b\" integer".into(),
                    lock_timeout_ms: 10_000,
                    ..Default::default()
                },
                pb::Statement {
                    table: "public.items".into(),
                    sql: "CREATE INDEX CONCURRENTLY \"i\" ON \"items\" (\"b\")".into(),
                    outside_transaction: true,
                    lock_timeout_ms: 250,
                    statement_timeout_ms: 90_000,
                    ..Default::default()
                },
            ],
            ..Default::default()
        };
        let out = describe(&m, Output::Table).unwrap();
        let sql = &out[out.find("SQL:\n").unwrap()..];
        assert_eq!(
            sql,
            "SQL:\n  CREATE TABLE \"x\" (a int);\n  -- hints: lock timeout 10s\n  ALTER TABLE \"items\" ADD COLUMN \"b\" integer;\n  \
             -- hints: runs outside the transaction, lock timeout 250ms, statement timeout 1m30s\n  \
             CREATE INDEX CONCURRENTLY \"i\" ON \"items\" (\"b\");\n"
        );
        let json = describe(&m, Output::Json).unwrap();
        assert!(json.contains("\"lockTimeoutMs\": 10000") && json.contains("\"outsideTransaction\": true"), "{json}");
        assert_eq!(json.matches("TimeoutMs").count(), 3, "hints only where set: {json}");
    }

    #[test]
    fn list_has_the_guide_columns() {
        let m = pb::Migration {
            id: "users-abc123".into(),
            namespace: "default".into(),
            database: "my-database".into(),
            table: "users".into(),
            phase: pb::Phase::Planned as i32,
            ..Default::default()
        };
        let out = print_list(&[m], Output::Table).unwrap();
        assert_eq!(
            out,
            "NAMESPACE   NAME           DATABASE      TABLE   PHASE\ndefault     users-abc123   my-database   users   Planned\n"
        );
    }
}
