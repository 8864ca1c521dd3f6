//! PlanPreview: one Table spec planned against a Database the planner knows, with nothing
//! stored. The spec goes through the checks a watcher's Table goes through (size limit, spec
//! validation including what reaches SQL), and the Database's URI never leaves the planner.

use crate::core::{CoreError, Key, MAX_SPEC_BYTES, PlannerCore};
use crate::store::MigrationStore;
use schemahero_plan::{Plan, PlannedStatement};
use schemahero_schema::{Document, TableManifest, parse_documents};
use std::sync::Arc;

/// What a migration for the spec would hold now.
#[derive(Debug, Clone)]
pub struct Preview {
    pub statements: Vec<PlannedStatement>,
    pub fingerprint: String,
    pub warnings: Vec<String>,
}

/// The one Table in `text` (JSON or YAML: a bare spec or a whole Table resource).
fn table_of(database: &Key, text: &str) -> Result<(TableManifest, Vec<String>), CoreError> {
    const SOURCE: &str = "table_spec";
    if text.len() > MAX_SPEC_BYTES {
        return Err(CoreError::Invalid(format!("table_spec: the spec is {} bytes; at most {MAX_SPEC_BYTES} are accepted", text.len())));
    }
    if text.trim().is_empty() {
        return Err(CoreError::Invalid("table_spec: must not be empty".into()));
    }
    // JSON is YAML: one parser reads both, and validates the spec as the watcher does.
    let parsed = parse_documents(SOURCE, text).map_err(|e| CoreError::Invalid(e.to_string()))?;
    let mut tables = Vec::new();
    for document in parsed.documents {
        match document {
            Document::Table(t) => tables.push(t),
            Document::Other(other) => {
                return Err(CoreError::Invalid(format!(
                    "table_spec: {}: a {} {}, not a Table",
                    other.source, other.api_version, other.kind
                )));
            }
        }
    }
    let table = match <[TableManifest; 1]>::try_from(tables) {
        Ok([table]) => table,
        Err(tables) => return Err(CoreError::Invalid(format!("table_spec: expected one Table, found {}", tables.len()))),
    };
    if !table.spec.database.is_empty() && table.spec.database != database.name {
        return Err(CoreError::Invalid(format!(
            "table_spec: spec.database is {:?} but the preview plans against the Database {:?}",
            table.spec.database, database.name
        )));
    }
    let warnings = parsed.warnings.iter().map(ToString::to_string).collect();
    Ok((table, warnings))
}

impl<S: MigrationStore> PlannerCore<S> {
    /// Plans `table_spec` against the Database `database` as it is now; stores nothing.
    pub async fn plan_preview(self: &Arc<Self>, database: Key, table_spec: &str) -> Result<Preview, CoreError> {
        if database.name.is_empty() {
            return Err(CoreError::Invalid("database: must name a Database".into()));
        }
        let (mut table, mut warnings) = table_of(&database, table_spec)?;
        table.spec.database = database.name.clone();
        let Some(entry) = self.database(&database) else {
            return Err(CoreError::Precondition(format!("the Database {database} is not known to the planner")));
        };
        // The engine is the planner's own, shared with planning: its errors never carry the URI.
        let engine = self
            .engine_for(&database, &entry)
            .await
            .map_err(|e| CoreError::Plan { table: table.spec.name.clone(), message: e.to_string() })?;
        let mut plan_warnings = Vec::new();
        let mut plans = engine
            .plan_each(std::slice::from_ref(&table), true, &mut plan_warnings)
            .await
            .map_err(|e| CoreError::Plan { table: table.spec.name.clone(), message: e.to_string() })?;
        warnings.extend(plan_warnings.iter().map(ToString::to_string));
        let plan: Plan = match plans.pop() {
            Some(Ok(plan)) => plan,
            // The spec cannot be planned on this database (an unsupported type, ...): the
            // caller's to fix, as the message says.
            Some(Err(e)) => return Err(CoreError::Invalid(format!("table_spec: {}: {e}", table.spec.name))),
            None => return Err(CoreError::Plan { table: table.spec.name.clone(), message: "the engine returned no plan".into() }),
        };
        Ok(Preview { statements: plan.statements, fingerprint: plan.fingerprint, warnings })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn specs_are_read_from_json_yaml_or_a_whole_resource_and_must_be_one_table_of_the_database() {
        let db = Key::new("default", "app");
        let json = r#"{"database":"app","name":"users","schema":{"sqlite":{"columns":[{"name":"id","type":"integer"}]}}}"#;
        assert_eq!(table_of(&db, json).unwrap().0.spec.name, "users");
        let yaml = "apiVersion: schemas.schemahero.io/v1alpha4\nkind: Table\nmetadata:\n  name: users\nspec:\n  name: users\n  schema:\n    sqlite:\n      columns:\n        - name: id\n          type: integer\n";
        assert_eq!(table_of(&db, yaml).unwrap().0.spec.name, "users");
        let other = table_of(&Key::new("default", "other"), json).unwrap_err().to_string();
        assert!(other.contains("spec.database is \"app\""), "{other}");
        let two = format!("{yaml}---\n{yaml}");
        assert!(table_of(&db, &two).unwrap_err().to_string().contains("expected one Table, found 2"));
        assert!(table_of(&db, "").unwrap_err().to_string().starts_with("table_spec: must not be empty"));
        let huge = " ".repeat(MAX_SPEC_BYTES + 1);
        assert!(table_of(&db, &huge).unwrap_err().to_string().contains("at most"));
        let not_a_table = "apiVersion: databases.schemahero.io/v1alpha4\nkind: Database\nmetadata:\n  name: app\n";
        assert!(table_of(&db, not_a_table).unwrap_err().to_string().contains("not a Table"));
    }
}
