//! Rendering SQLite DDL, including the table-rebuild procedure for what ALTER TABLE cannot do.

use crate::diff::TableDiff;
use schemahero_plan::{HazardKind, PlannedStatement};
use schemahero_schema::model::IndexDef;
use schemahero_schema::model::sqlite::{ColumnDef, TableDef};
use schemahero_schema::spec::Trigger;

fn quote_literal(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

pub use schemahero_schema::seed::quote_ident;

fn column_list(columns: &[String]) -> String {
    columns.iter().map(|c| quote_ident(c)).collect::<Vec<_>>().join(", ")
}

fn column_definition(c: &ColumnDef, inline_pk: bool) -> String {
    let mut out = format!("{} {}", quote_ident(&c.name), c.data_type);
    if inline_pk {
        out.push_str(" PRIMARY KEY AUTOINCREMENT");
    }
    if c.not_null {
        out.push_str(" NOT NULL");
    }
    if let Some(d) = &c.default {
        out.push_str(&format!(" DEFAULT {d}"));
    }
    out
}

pub fn create_table_sql(name: &str, def: &TableDef) -> String {
    let autoinc = def.columns.iter().find(|c| c.auto_increment).map(|c| c.name.clone());
    let mut parts: Vec<String> = def.columns.iter().map(|c| column_definition(c, autoinc.as_deref() == Some(c.name.as_str()))).collect();
    if let Some(pk) = &def.primary_key
        && autoinc.is_none()
    {
        parts.push(format!("PRIMARY KEY ({})", column_list(&pk.columns)));
    }
    for fk in &def.foreign_keys {
        let mut clause = String::new();
        if let Some(n) = &fk.name {
            clause.push_str(&format!("CONSTRAINT {} ", quote_ident(n)));
        }
        clause.push_str(&format!(
            "FOREIGN KEY ({}) REFERENCES {} ({})",
            column_list(&fk.columns),
            quote_ident(&fk.ref_table),
            column_list(&fk.ref_columns)
        ));
        if fk.on_delete != "NO ACTION" {
            clause.push_str(&format!(" ON DELETE {}", fk.on_delete));
        }
        parts.push(clause);
    }
    for check in &def.checks {
        parts.push(format!("CONSTRAINT {} CHECK ({})", quote_ident(&check.name), check.expression));
    }
    format!("CREATE TABLE {} (\n  {}\n){}", quote_ident(name), parts.join(",\n  "), if def.ext.strict { " STRICT" } else { "" })
}

fn create_index_sql(table: &str, ix: &IndexDef) -> String {
    format!(
        "CREATE {}INDEX {} ON {} ({})",
        if ix.unique { "UNIQUE " } else { "" },
        quote_ident(ix.name.as_deref().unwrap_or_default()),
        quote_ident(table),
        column_list(&ix.columns)
    )
}

/// SQLite triggers: the spec's events and condition, with `executeProcedure` as the body
/// (one or more SQL statements run between BEGIN and END).
pub fn trigger_sql(table: &str, t: &Trigger) -> String {
    let (timing, events) = t.timing_and_events();
    let mut sql = format!("CREATE TRIGGER {} {timing} {} ON {}", quote_ident(&t.name), events.join(" OR "), quote_ident(table));
    if t.for_each_row.unwrap_or(false) {
        sql.push_str(" FOR EACH ROW");
    }
    if let Some(c) = &t.condition {
        // In parentheses, as on Postgres: the condition (checked to balance) cannot reach past them.
        sql.push_str(&format!(" WHEN ({c})"));
    }
    let body =
        t.execute_procedure.as_deref().or(t.execute.as_ref().map(|e| e.name.as_str())).unwrap_or_default().trim().trim_end_matches(';');
    sql.push_str(&format!(" BEGIN {body}; END"));
    sql
}

pub struct TableWork<'a> {
    pub name: String,
    pub desired: TableDef,
    pub diff: TableDiff,
    pub triggers: &'a [Trigger],
    pub seed: Vec<PlannedStatement>,
}

/// Order: drop tables → create tables (referenced first) → alter/rebuild → indexes →
/// triggers → seed data.
pub fn render(work: &[TableWork<'_>]) -> Vec<PlannedStatement> {
    let mut out = Vec::new();
    for w in work.iter().filter(|w| w.diff.drop) {
        out.push(
            PlannedStatement::new(&w.name, format!("DROP TABLE {}", quote_ident(&w.name)))
                .with_hazard(HazardKind::DeletesData, format!("drops table {} and all its rows", w.name)),
        );
    }
    // Renames next: every later statement names the table and its columns by their new names.
    for w in work {
        if let Some(old) = &w.diff.rename_from {
            out.push(PlannedStatement::new(&w.name, format!("ALTER TABLE {} RENAME TO {}", quote_ident(old), quote_ident(&w.name))));
        }
        for (old, new) in &w.diff.rename_columns {
            out.push(PlannedStatement::new(
                &w.name,
                format!("ALTER TABLE {} RENAME COLUMN {} TO {}", quote_ident(&w.name), quote_ident(old), quote_ident(new)),
            ));
        }
    }
    let creating: Vec<&str> = work.iter().filter(|w| w.diff.create).map(|w| w.name.as_str()).collect();
    let mut placed: Vec<&str> = Vec::new();
    let mut pending: Vec<&TableWork<'_>> = work.iter().filter(|w| w.diff.create).collect();
    while !pending.is_empty() {
        let ready = pending
            .iter()
            .position(|w| {
                w.desired.foreign_keys.iter().all(|fk| {
                    fk.ref_table == w.name || !creating.contains(&fk.ref_table.as_str()) || placed.contains(&fk.ref_table.as_str())
                })
            })
            .unwrap_or(0); // a cycle: SQLite checks references lazily, so any order works
        let w = pending.remove(ready);
        placed.push(&w.name);
        out.push(PlannedStatement::new(&w.name, create_table_sql(&w.name, &w.desired)));
    }
    for w in work {
        let t = quote_ident(&w.name);
        for c in &w.diff.add_columns {
            out.push(PlannedStatement::new(&w.name, format!("ALTER TABLE {t} ADD COLUMN {}", column_definition(c, false))));
        }
        for ix in &w.diff.drop_indexes {
            out.push(PlannedStatement::new(&w.name, format!("DROP INDEX {}", quote_ident(ix))));
        }
        if let Some(rebuild) = &w.diff.rebuild {
            let temp = format!("_schemahero_rebuild_{}", w.name);
            let reasons = rebuild.reasons.join("; ");
            out.push(PlannedStatement::new(&w.name, create_table_sql(&temp, &w.desired)));
            let selects: Vec<String> = rebuild
                .kept_columns
                .iter()
                .map(|c| {
                    let d = w.desired.column(c);
                    match d.and_then(|d| d.not_null.then_some(d.default.as_ref()).flatten()) {
                        Some(default) => format!("coalesce({}, {default})", quote_ident(c)),
                        None => quote_ident(c),
                    }
                })
                .collect();
            out.push(
                PlannedStatement::new(
                    &w.name,
                    format!(
                        "INSERT INTO {} ({}) SELECT {} FROM {t}",
                        quote_ident(&temp),
                        column_list(&rebuild.kept_columns),
                        selects.join(", ")
                    ),
                )
                .with_hazard(HazardKind::TableRewrite, format!("rebuilds table {} ({reasons}): copies every row", w.name))
                .with_hazard(HazardKind::MayFail, "fails if existing rows break a new constraint"),
            );
            if w.desired.columns.iter().any(|c| c.auto_increment) {
                // Keep the AUTOINCREMENT high-water mark, so deleted ids are never handed out again.
                let (old, new) = (quote_literal(&w.name), quote_literal(&temp));
                out.push(PlannedStatement::new(&w.name, format!("DELETE FROM sqlite_sequence WHERE name = {new}")));
                out.push(PlannedStatement::new(
                    &w.name,
                    format!("INSERT INTO sqlite_sequence (name, seq) SELECT {new}, seq FROM sqlite_sequence WHERE name = {old}"),
                ));
            }
            let mut drop = PlannedStatement::new(&w.name, format!("DROP TABLE {t}"));
            if !rebuild.dropped_columns.is_empty() {
                drop = drop.with_hazard(
                    HazardKind::DeletesData,
                    format!("the data of column(s) {} is not copied", rebuild.dropped_columns.join(", ")),
                );
            }
            out.push(drop);
            out.push(PlannedStatement::new(&w.name, format!("ALTER TABLE {} RENAME TO {t}", quote_ident(&temp))));
            for trigger in &rebuild.live_triggers {
                if !trigger.create_sql.is_empty() {
                    out.push(PlannedStatement::new(&w.name, trigger.create_sql.clone()));
                }
            }
        }
        let existing = !w.diff.create && w.diff.rebuild.is_none();
        for ix in &w.diff.create_indexes {
            let mut s = PlannedStatement::new(&w.name, create_index_sql(&w.name, ix));
            if existing {
                s = s.with_hazard(HazardKind::IndexBuild, "builds an index; the database is locked for writes meanwhile");
                if ix.unique {
                    s = s.with_hazard(HazardKind::MayFail, "fails if existing rows hold duplicates");
                }
            }
            out.push(s);
        }
    }
    for w in work {
        for name in &w.diff.create_triggers {
            if let Some(t) = w.triggers.iter().find(|t| &t.name == name) {
                out.push(PlannedStatement::new(&w.name, trigger_sql(&w.name, t)));
            }
        }
    }
    for w in work {
        out.extend(w.seed.iter().cloned());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trigger_conditions_are_parenthesised_and_events_keep_their_text() {
        let t = Trigger {
            name: "t".into(),
            events: vec!["after insert".into(), "update of a".into()],
            for_each_row: Some(true),
            condition: Some("NEW.a > 0".into()),
            execute_procedure: Some("SELECT 1".into()),
            ..Trigger::default()
        };
        assert_eq!(
            trigger_sql("x", &t),
            "CREATE TRIGGER \"t\" AFTER insert OR update of a ON \"x\" FOR EACH ROW WHEN (NEW.a > 0) BEGIN SELECT 1; END"
        );
    }
}
