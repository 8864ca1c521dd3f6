//! Migrations SchemaHero (Go) made before the switch, as the plugin shows them: listed and
//! described with their DDL (`editedDDL`, else `generatedDDL`), their phase in this
//! SchemaHero's names with SchemaHero's own spelling kept (`Executed (SchemaHero)`, original
//! `EXECUTED`) and their unix-second timestamps converted. They cannot be approved, rejected or
//! recalculated: the planner never runs them (see `schemahero_k8s::legacy`).

use crate::migrations::{MigrationView, SchemaHeroView, StatementView, timestamp};
use anyhow::anyhow;
use kube::ResourceExt;
use schemahero_k8s::Migration;
use schemahero_k8s::legacy::SchemaHeroMigration;

/// The printers' view of a SchemaHero Migration.
pub fn view(m: &Migration, legacy: &SchemaHeroMigration) -> MigrationView {
    MigrationView {
        namespace: m.namespace().unwrap_or_default(),
        name: m.name_any(),
        database: legacy.database.clone(),
        // SchemaHero names the Table resource only; the SQL table is in its spec.
        table: legacy.table.clone(),
        table_resource: legacy.table.clone(),
        phase: legacy.phase.to_string(),
        planned_at: timestamp(legacy.planned_at),
        approved_at: timestamp(legacy.approved_at),
        executed_at: timestamp(legacy.executed_at),
        statements: statements(&legacy.ddl),
        conditions: Vec::new(),
        schemahero: Some(SchemaHeroView {
            phase: legacy.original_phase.clone(),
            ddl_edited: legacy.ddl_edited,
            rejected_at: timestamp(legacy.rejected_at),
            invalidated_at: timestamp(legacy.invalidated_at),
        }),
        ..MigrationView::default()
    }
}

/// SchemaHero's DDL is one script (statements joined by `;` and a newline); shown one statement
/// at a time like ours. A script the splitter cannot read (an unterminated quote) is shown
/// whole rather than not at all.
fn statements(ddl: &str) -> Vec<StatementView> {
    let parts = match schemahero_plan::split_statements(ddl) {
        Ok(parts) => parts,
        Err(_) => vec![ddl.trim().trim_end_matches(';').to_string()],
    };
    parts.into_iter().filter(|s| !s.trim().is_empty()).map(|sql| StatementView { sql, ..StatementView::default() }).collect()
}

/// Why `verb` (approved, rejected, recalculated) cannot be done to a SchemaHero Migration, and
/// how to get a fresh plan instead.
pub fn refusal(m: &Migration, legacy: &SchemaHeroMigration, verb: &str) -> anyhow::Error {
    let name = m.name_any();
    let namespace = m.namespace().unwrap_or_default();
    let original = if legacy.original_phase.is_empty() { "no phase".to_string() } else { legacy.original_phase.clone() };
    anyhow!(
        "migration {name} was planned by SchemaHero (Go) before the switch ({} (SchemaHero), {original}) and is kept as \
         read-only history: it cannot be {verb} here, and it is never executed. This SchemaHero plans Table \
         {namespace}/{} from the live database itself: its plan, if the table needs one, is listed by \
         `kubectl schemahero get migrations -n {namespace} --table {}` (none listed: the database already matches the Table)",
        legacy.phase,
        legacy.table,
        legacy.table
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::migrations::{Output, describe_view, print_views};

    fn theirs() -> Migration {
        serde_json::from_value(serde_json::json!({
            "apiVersion": "schemas.schemahero.io/v1alpha4", "kind": "Migration",
            "metadata": { "name": "a1b2c3d", "namespace": "default" },
            "spec": {
                "databaseName": "my-database", "tableName": "users", "tableNamespace": "default",
                "generatedDDL": "create table \"users\" (\"id\" integer, \"note\" text default 'a;b');\nalter table \"users\" add column \"x\" int"
            },
            "status": { "phase": "EXECUTED", "plannedAt": 1_700_000_000, "approvedAt": 1_700_000_060, "executedAt": 1_700_000_120 },
        }))
        .unwrap()
    }

    #[test]
    fn listed_and_described_with_their_ddl_and_times() {
        let m = theirs();
        let legacy = m.schemahero().unwrap();
        let list = print_views(&[view(&m, &legacy)], Output::Table).unwrap();
        assert_eq!(
            list,
            "NAMESPACE   NAME      DATABASE      TABLE   PHASE\ndefault     a1b2c3d   my-database   users   Executed (SchemaHero)\n"
        );
        let described = describe_view(&view(&m, &legacy), Output::Table).unwrap();
        for line in [
            "Phase:           Executed (SchemaHero)\n",
            "Planned:         2023-11-14T22:13:20Z\n",
            "Approved:        2023-11-14T22:14:20Z\n",
            "Executed:        2023-11-14T22:15:20Z\n",
            "Original phase:  EXECUTED\n",
            "SQL (generatedDDL):\n  create table \"users\" (\"id\" integer, \"note\" text default 'a;b');\n  alter table \"users\" add column \"x\" int;\n",
        ] {
            assert!(described.contains(line), "{line:?} in:\n{described}");
        }
        let json = describe_view(&view(&m, &legacy), Output::Json).unwrap();
        let v: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!((v["phase"].as_str(), v["schemahero"]["phase"].as_str()), (Some("Executed"), Some("EXECUTED")));
        assert_eq!(v["statements"].as_array().map(Vec::len), Some(2));
    }

    #[test]
    fn approving_one_says_why_not_and_where_the_fresh_plan_is() {
        let m = theirs();
        let message = refusal(&m, &m.schemahero().unwrap(), "approved").to_string();
        assert!(message.contains("planned by SchemaHero (Go)"), "{message}");
        assert!(message.contains("cannot be approved"), "{message}");
        assert!(message.contains("kubectl schemahero get migrations -n default --table users"), "{message}");
    }
}
