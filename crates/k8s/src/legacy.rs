//! Migrations made by SchemaHero (Go), found in a cluster this SchemaHero was installed over.
//!
//! They share the kind with ours but not the shape: the DDL is one script in
//! `spec.generatedDDL` (or `spec.editedDDL`), the table is `spec.tableName` /
//! `spec.tableNamespace`, the phase is spelled `PLANNED`, `APPROVED`, `EXECUTED`, `REJECTED` or
//! `INVALID` (or missing, on older versions, where only the timestamps tell), and timestamps are
//! unix seconds where ours are milliseconds. They are history here: the planner never claims,
//! executes, supersedes or deletes one (their DDL was planned by another engine against a state
//! of the database that may be gone; the planner plans every Table from the live database
//! instead), and the CLI shows them read-only.
//!
//! Which is which is decided by shape, never by the magnitude of a timestamp: every Migration
//! this planner creates names its Table resource (`spec.tableResource`) and has none of
//! SchemaHero's fields.

use crate::{Migration, MigrationStatus};

/// SchemaHero's phase spellings (its CRD's enum).
pub const SCHEMAHERO_PHASES: [&str; 5] = ["PLANNED", "APPROVED", "EXECUTED", "INVALID", "REJECTED"];

/// A SchemaHero Migration as this SchemaHero reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchemaHeroMigration {
    /// `status.phase` exactly as SchemaHero wrote it ("" when it wrote none).
    pub original_phase: String,
    /// The phase in this planner's names: `Planned`, `Approved`, `Executed`, `Rejected`, or
    /// `Superseded` for SchemaHero's `INVALID` (a plan it found outdated).
    pub phase: &'static str,
    /// The DDL SchemaHero would run: `editedDDL` when a person edited it, else `generatedDDL`.
    pub ddl: String,
    pub ddl_edited: bool,
    pub database: String,
    /// The Table resource (SchemaHero's `tableName` names the resource, not the SQL table).
    pub table: String,
    pub table_namespace: String,
    /// Unix milliseconds (SchemaHero's seconds × 1000), 0 when not reached.
    pub planned_at: i64,
    pub approved_at: i64,
    pub executed_at: i64,
    pub rejected_at: i64,
    pub invalidated_at: i64,
}

impl Migration {
    /// Whether SchemaHero (Go) made this Migration rather than this planner.
    pub fn is_schemahero_made(&self) -> bool {
        let spec = &self.spec;
        let status = self.status.as_ref();
        // Ours always name their Table resource; SchemaHero's never do.
        spec.table_resource.is_empty()
            || !spec.generated_ddl.is_empty()
            || !spec.edited_ddl.is_empty()
            || !spec.table_namespace.is_empty()
            || !spec.database_name.is_empty()
            || status.is_some_and(|s| SCHEMAHERO_PHASES.contains(&s.phase.as_str()) || s.rejected_at != 0 || s.invalidated_at != 0)
    }

    /// This Migration read as SchemaHero's, or `None` when this planner made it.
    pub fn schemahero(&self) -> Option<SchemaHeroMigration> {
        if !self.is_schemahero_made() {
            return None;
        }
        let status = self.status.clone().unwrap_or_default();
        let spec = &self.spec;
        let (ddl, ddl_edited) =
            if spec.edited_ddl.trim().is_empty() { (spec.generated_ddl.clone(), false) } else { (spec.edited_ddl.clone(), true) };
        let ms = |secs: i64| secs.max(0).saturating_mul(1000);
        Some(SchemaHeroMigration {
            phase: mapped_phase(&status),
            original_phase: status.phase,
            ddl,
            ddl_edited,
            database: if spec.database_name.is_empty() { spec.database.clone() } else { spec.database_name.clone() },
            table: spec.table_name.clone(),
            table_namespace: spec.table_namespace.clone(),
            planned_at: ms(status.planned_at),
            approved_at: ms(status.approved_at),
            executed_at: ms(status.executed_at),
            rejected_at: ms(status.rejected_at),
            invalidated_at: ms(status.invalidated_at),
        })
    }
}

/// SchemaHero's phase in this planner's names. Its explicit end states win; otherwise the
/// timestamps decide, as SchemaHero's own controller does (it runs any migration with
/// `approvedAt` set and no `executedAt`, even one whose phase still says `PLANNED`, which is how
/// `immediateDeploy` wrote them, and older versions wrote no phase at all).
fn mapped_phase(status: &MigrationStatus) -> &'static str {
    match status.phase.as_str() {
        "EXECUTED" => return "Executed",
        "REJECTED" => return "Rejected",
        "INVALID" => return "Superseded",
        _ => {}
    }
    if status.executed_at > 0 {
        "Executed"
    } else if status.rejected_at > 0 {
        "Rejected"
    } else if status.invalidated_at > 0 {
        "Superseded"
    } else if status.phase == "APPROVED" || status.approved_at > 0 {
        "Approved"
    } else {
        "Planned"
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::MigrationSpec;

    /// A Migration exactly as SchemaHero's table controller writes it (JSON as stored).
    fn theirs(spec: serde_json::Value, status: serde_json::Value) -> Migration {
        serde_json::from_value(serde_json::json!({
            "apiVersion": "schemas.schemahero.io/v1alpha4",
            "kind": "Migration",
            "metadata": { "name": "a1b2c3d", "namespace": "default" },
            "spec": spec,
            "status": status,
        }))
        .unwrap()
    }

    #[test]
    fn a_schemahero_migration_parses_and_maps() {
        let m = theirs(
            serde_json::json!({
                "databaseName": "my-database", "tableName": "users", "tableNamespace": "default",
                "generatedDDL": "create table \"users\" (\"id\" integer)",
                "generatedDML": "update users set x = 1"
            }),
            serde_json::json!({ "phase": "EXECUTED", "plannedAt": 1_700_000_000, "approvedAt": 1_700_000_060, "executedAt": 1_700_000_120 }),
        );
        assert!(m.is_schemahero_made());
        let legacy = m.schemahero().unwrap();
        assert_eq!((legacy.phase, legacy.original_phase.as_str()), ("Executed", "EXECUTED"));
        assert_eq!((legacy.database.as_str(), legacy.table.as_str(), legacy.table_namespace.as_str()), ("my-database", "users", "default"));
        assert_eq!(legacy.ddl, "create table \"users\" (\"id\" integer)");
        assert!(!legacy.ddl_edited);
        assert_eq!((legacy.planned_at, legacy.approved_at, legacy.executed_at), (1_700_000_000_000, 1_700_000_060_000, 1_700_000_120_000));
    }

    #[test]
    fn phases_follow_schemahero_spelling_and_timestamps() {
        let phase = |status: serde_json::Value| {
            theirs(serde_json::json!({ "tableName": "t", "tableNamespace": "ns", "generatedDDL": "x" }), status).schemahero().unwrap().phase
        };
        assert_eq!(phase(serde_json::json!({ "phase": "PLANNED", "plannedAt": 1 })), "Planned");
        assert_eq!(phase(serde_json::json!({ "phase": "APPROVED", "plannedAt": 1, "approvedAt": 2 })), "Approved");
        assert_eq!(phase(serde_json::json!({ "phase": "REJECTED", "rejectedAt": 2 })), "Rejected");
        assert_eq!(phase(serde_json::json!({ "phase": "INVALID", "invalidatedAt": 2 })), "Superseded");
        // immediateDeploy: SchemaHero writes PLANNED with approvedAt, and runs it.
        assert_eq!(phase(serde_json::json!({ "phase": "PLANNED", "approvedAt": 2 })), "Approved");
        // Older versions: no phase, only timestamps (the apply pod set executedAt alone).
        assert_eq!(phase(serde_json::json!({ "plannedAt": 1, "approvedAt": 2, "executedAt": 3 })), "Executed");
        assert_eq!(phase(serde_json::json!({})), "Planned");
    }

    #[test]
    fn edited_ddl_is_what_would_run() {
        let m = theirs(
            serde_json::json!({ "tableName": "t", "tableNamespace": "ns", "generatedDDL": "alter table a", "editedDDL": "alter table b" }),
            serde_json::json!({ "phase": "PLANNED" }),
        );
        let legacy = m.schemahero().unwrap();
        assert_eq!((legacy.ddl.as_str(), legacy.ddl_edited), ("alter table b", true));
    }

    #[test]
    fn ours_are_not_legacy_whatever_their_timestamps() {
        let spec = MigrationSpec {
            database: "db".into(),
            table_name: "users".into(),
            table_resource: "users".into(),
            planned_ddl: "CREATE TABLE x ();\n".into(),
            ..MigrationSpec::default()
        };
        let mut m = Migration::new("users-c97b9393", spec);
        assert!(!m.is_schemahero_made(), "no status yet (just created)");
        m.status = Some(MigrationStatus { phase: "Approved".into(), planned_at: 1_700_000_000, ..MigrationStatus::default() });
        assert!(!m.is_schemahero_made(), "a small timestamp does not make it SchemaHero's");
        assert_eq!(m.schemahero(), None);
        m.status = Some(MigrationStatus { phase: "APPROVED".into(), ..MigrationStatus::default() });
        assert!(m.is_schemahero_made(), "SchemaHero's spelling does");
        let mut nameless = Migration::new("x", MigrationSpec { table_name: "t".into(), ..MigrationSpec::default() });
        nameless.status = Some(MigrationStatus { phase: "Planned".into(), ..MigrationStatus::default() });
        assert!(nameless.is_schemahero_made(), "no Table resource: not one this planner can act on");
    }
}
