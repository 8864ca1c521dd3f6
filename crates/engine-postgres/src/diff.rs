//! What the spec asks for, and how it differs from what is live, as plain change data.

use crate::normalize::{canonical_default, default_to_sql, is_integer_type, normalize_type};
use schemahero_schema::checks::{Unmanaged, comment_change, diff_checks};
use schemahero_schema::diff::{Changes, ColumnPair, DiffRules, compare};
use schemahero_schema::model::postgres::{self, ColumnDef, NotNullCheck, TableDef};
use schemahero_schema::model::{CheckDef, ForeignKeyDef, IndexDef, KeyDef, TriggerDef};
use schemahero_schema::normalize_fk_action;
use schemahero_schema::spec::PostgresTableSchema;
use schemahero_schema::sql_safety::Dialect;

/// Postgres keeps the first 63 bytes of a longer identifier. Names a spec gives are checked
/// against that limit when the spec is read (`schemahero_schema::sql_safety`); the names
/// SchemaHero generates are cut the way Postgres cuts them, and compared after the same cut,
/// so that they never re-plan.
pub const MAX_IDENTIFIER_BYTES: usize = schemahero_schema::sql_safety::POSTGRES_MAX_IDENTIFIER_BYTES;

pub fn truncate_identifier(name: &str) -> String {
    schemahero_schema::sql_safety::truncate_identifier(Dialect::Postgres, name)
}

pub fn generated_index_name(table: &str, columns: &[String]) -> String {
    schemahero_schema::diff::generated_index_name(Dialect::Postgres, table, columns)
}

pub fn generated_fk_name(table: &str, columns: &[String]) -> String {
    schemahero_schema::diff::generated_fk_name(Dialect::Postgres, table, columns)
}

/// Postgres follows the shared rules throughout: named keys, any same-shape index renamed.
struct Rules;

impl DiffRules for Rules {
    fn dialect(&self) -> Dialect {
        Dialect::Postgres
    }
}

/// The name Postgres gives a primary key it names itself (`makeObjectName`): the table name cut
/// so that `_pkey` fits, never the table's own name.
pub fn generated_pk_name(table: &str) -> String {
    let suffix = "_pkey";
    format!("{}{suffix}", schemahero_schema::sql_safety::clip_bytes(table, MAX_IDENTIFIER_BYTES - suffix.len()))
}

/// What of the live table the spec leaves alone (see `Unmanaged`).
pub fn unmanaged(spec: &PostgresTableSchema) -> Unmanaged {
    Unmanaged { checks: spec.checks.is_none(), comments: spec.comment.is_none() && spec.columns.iter().all(|c| c.comment.is_none()) }
}

/// The table the spec describes, in canonical form.
pub fn desired_table(name: &str, schema: &str, spec: &PostgresTableSchema) -> TableDef {
    let columns = spec
        .columns
        .iter()
        .map(|c| {
            let (data_type, serial) = normalize_type(&c.data_type);
            let identity = c.auto_increment() && !serial && is_integer_type(&data_type);
            let in_pk = spec.primary_key.contains(&c.name);
            ColumnDef {
                name: c.name.clone(),
                data_type,
                not_null: c.not_null() || in_pk || serial || identity,
                default: if serial || identity { None } else { c.default.as_deref().and_then(default_to_sql) },
                auto_increment: identity,
                comment: c.comment.clone(),
                renamed_from: c.renamed_from.clone(),
                ext: postgres::Column { serial },
            }
        })
        .collect();
    let primary_key = (!spec.primary_key.is_empty()).then(|| KeyDef { name: None, columns: spec.primary_key.clone() });
    let foreign_keys = spec
        .foreign_keys
        .iter()
        .map(|fk| ForeignKeyDef {
            name: fk.name.as_deref().map(truncate_identifier),
            columns: fk.columns.clone(),
            ref_schema: Some(schema.to_string()),
            ref_table: fk.references.table.clone(),
            ref_columns: fk.references.columns.clone(),
            on_delete: fk.on_delete.as_deref().and_then(normalize_fk_action).unwrap_or("NO ACTION").to_string(),
        })
        .collect();
    let indexes = spec
        .indexes
        .iter()
        .map(|i| IndexDef {
            name: i.name.as_deref().map(truncate_identifier),
            columns: i.columns.clone(),
            unique: i.is_unique,
            method: i.index_type.as_deref().map(str::to_ascii_lowercase).unwrap_or_else(|| "btree".into()),
            with: i.with.clone(),
            constraint: false,
        })
        .collect();
    TableDef {
        schema: Some(schema.to_string()),
        name: name.to_string(),
        columns,
        primary_key,
        foreign_keys,
        indexes,
        triggers: spec.triggers.iter().map(|t| TriggerDef { name: t.name.clone(), create_sql: String::new() }).collect(),
        checks: spec
            .checks
            .iter()
            .flatten()
            .map(|c| CheckDef { name: c.name.clone(), expression: c.expression.trim().to_string(), source: None })
            .collect(),
        comment: spec.comment.clone(),
        ext: postgres::Table::default(),
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum ColumnChange {
    Add(ColumnDef),
    Drop(String),
    AlterType {
        column: String,
        from: String,
        to: String,
    },
    SetDefault {
        column: String,
        default: String,
    },
    DropDefault {
        column: String,
    },
    /// `backfill`: the default to write into NULL rows first; `check`: the temporary NOT NULL
    /// check an interrupted plan left on the column (see `online::set_not_null`).
    SetNotNull {
        column: String,
        backfill: Option<String>,
        check: Option<NotNullCheck>,
    },
    DropNotNull {
        column: String,
    },
    AddIdentity {
        column: String,
    },
    DropIdentity {
        column: String,
    },
}

/// Everything that changes for one table, grouped so the renderer can order statements safely
/// across tables.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TableDiff {
    /// `renamedFrom`: the live table's old name, renamed before anything else.
    pub rename_from: Option<String>,
    /// Columns renamed (old, new), right after the table's rename.
    pub rename_columns: Vec<(String, String)>,
    pub create: Option<TableDef>,
    pub drop: bool,
    pub drop_foreign_keys: Vec<String>,
    /// Indexes and unique constraints to drop (`constraint` tells which).
    pub drop_indexes: Vec<IndexDef>,
    pub drop_primary_key: Option<String>,
    pub columns: Vec<ColumnChange>,
    pub add_primary_key: Option<KeyDef>,
    pub rename_indexes: Vec<(IndexDef, String)>,
    pub create_indexes: Vec<IndexDef>,
    pub add_foreign_keys: Vec<ForeignKeyDef>,
    /// Live foreign keys the spec keeps that are still NOT VALID (an interrupted plan).
    pub validate_foreign_keys: Vec<String>,
    /// Temporary NOT NULL checks an interrupted plan left that no `SetNotNull` finishes.
    pub drop_not_null_checks: Vec<String>,
    pub create_triggers: Vec<String>,
    /// Checks to drop (before the columns change) and to add (after).
    pub drop_checks: Vec<String>,
    pub add_checks: Vec<CheckDef>,
    /// The table's new comment (`Some(None)`: remove it), and the columns' (after the columns
    /// change).
    pub table_comment: Option<Option<String>>,
    pub column_comments: Vec<(String, Option<String>)>,
}

impl TableDiff {
    pub fn is_empty(&self) -> bool {
        *self == TableDiff::default()
    }
}

/// Diffs one table. `live` is `None` when the table does not exist.
pub fn diff_table(desired: &TableDef, live: Option<&TableDef>, is_deleted: bool) -> TableDiff {
    let mut diff = TableDiff::default();
    let changes = match compare(desired, live, is_deleted, &Rules) {
        Changes::Nothing => return diff,
        Changes::Drop => return TableDiff { drop: true, ..diff },
        Changes::Create(c) => {
            let mut create = desired.clone();
            create.indexes.clear();
            create.foreign_keys.clear();
            return TableDiff {
                create: Some(create),
                create_indexes: c.indexes,
                add_foreign_keys: c.foreign_keys,
                create_triggers: c.triggers,
                ..diff
            };
        }
        Changes::Alter(a) => a,
    };

    for pair in &changes.columns {
        match pair {
            ColumnPair::Dropped(l) => diff.columns.push(ColumnChange::Drop(l.name.clone())),
            ColumnPair::Added(d) => diff.columns.push(ColumnChange::Add((*d).clone())),
            ColumnPair::Kept(d, l) => diff_column(d, l, &mut diff),
        }
        let (d, l) = match pair {
            ColumnPair::Added(d) => (d, None),
            ColumnPair::Kept(d, l) => (d, l.comment.as_deref()),
            ColumnPair::Dropped(_) => continue,
        };
        if let Some(comment) = comment_change(d.comment.as_deref(), l) {
            diff.column_comments.push((d.name.clone(), comment));
        }
    }
    diff.table_comment = comment_change(desired.comment.as_deref(), changes.live.comment.as_deref());

    if changes.primary_key_changed {
        if let Some(l) = &changes.live.primary_key {
            diff.drop_primary_key = l.name.clone();
        }
        diff.add_primary_key = desired
            .primary_key
            .clone()
            .map(|k| KeyDef { name: Some(k.name.unwrap_or_else(|| generated_pk_name(&desired.name))), columns: k.columns });
    }

    diff.drop_foreign_keys = changes.drop_foreign_keys.iter().filter_map(|l| l.name.clone()).collect();
    diff.add_foreign_keys = changes.add_foreign_keys;
    diff.rename_indexes = changes.rename_indexes.into_iter().map(|(l, name)| (l.clone(), name)).collect();
    diff.drop_indexes = changes.drop_indexes.into_iter().cloned().collect();
    diff.create_indexes = changes.create_indexes;
    diff.create_triggers = changes.create_triggers;
    // A desired table made from a spec has no half-done work of its own; one that is the live
    // table itself (seed data without a schema) is not SchemaHero's to change.
    if desired.ext == postgres::Table::default() {
        finish_online_work(&changes.live.ext, &changes.kept_foreign_keys, &mut diff);
    }
    let checks = diff_checks(Dialect::Postgres, &desired.checks, &changes.live.checks);
    diff.drop_checks = checks.drop;
    diff.add_checks = checks.add;
    diff
}

/// What an interrupted online migration left (`postgres::Table`) is finished or undone: invalid
/// indexes are dropped first (the spec's index, absent from the valid ones, is built again),
/// kept foreign keys still NOT VALID are validated, and a temporary NOT NULL check either
/// serves the column's `SET NOT NULL` or is dropped.
fn finish_online_work(online: &postgres::Table, kept_foreign_keys: &[&ForeignKeyDef], diff: &mut TableDiff) {
    let invalid =
        online.invalid_indexes.iter().map(|name| IndexDef { name: Some(name.clone()), method: "btree".into(), ..IndexDef::default() });
    diff.drop_indexes.splice(0..0, invalid);
    diff.validate_foreign_keys =
        kept_foreign_keys.iter().filter_map(|fk| fk.name.clone()).filter(|name| online.unvalidated_foreign_keys.contains(name)).collect();
    for left in &online.not_null_checks {
        let slot = diff.columns.iter_mut().find_map(|c| match c {
            ColumnChange::SetNotNull { column, check, .. } if *column == left.column => Some(check),
            _ => None,
        });
        match slot {
            Some(check) => *check = Some(left.clone()),
            None => diff.drop_not_null_checks.push(left.name.clone()),
        }
    }
}

fn diff_column(d: &ColumnDef, l: &ColumnDef, diff: &mut TableDiff) {
    let column = d.name.clone();
    let live_serial = l.ext.serial;
    let mut defaults_match = if d.ext.serial { live_serial } else { d.default.as_deref().and_then(canonical_default) == l.default };
    if d.data_type != l.data_type {
        // Postgres casts the old default to the new type and fails when it cannot
        // ('0'::text to integer): drop it first and set the wanted one afterwards.
        if l.default.is_some() && !live_serial && crate::render::needs_using(&l.data_type, &d.data_type) {
            diff.columns.push(ColumnChange::DropDefault { column: column.clone() });
            defaults_match = d.default.is_none();
        }
        diff.columns.push(ColumnChange::AlterType { column: column.clone(), from: l.data_type.clone(), to: d.data_type.clone() });
    }
    if l.auto_increment && !d.auto_increment {
        diff.columns.push(ColumnChange::DropIdentity { column: column.clone() });
    }
    if !defaults_match {
        match &d.default {
            Some(default) => diff.columns.push(ColumnChange::SetDefault { column: column.clone(), default: default.clone() }),
            None if d.ext.serial => {} // converting a column to serial is not supported in place
            None => diff.columns.push(ColumnChange::DropDefault { column: column.clone() }),
        }
    }
    if d.not_null && !l.not_null {
        diff.columns.push(ColumnChange::SetNotNull { column: column.clone(), backfill: d.default.clone(), check: None });
    } else if !d.not_null && l.not_null {
        diff.columns.push(ColumnChange::DropNotNull { column: column.clone() });
    }
    if d.auto_increment && !l.auto_increment {
        diff.columns.push(ColumnChange::AddIdentity { column });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(json: &str) -> PostgresTableSchema {
        serde_json::from_str(json).unwrap()
    }

    const ORDERS: &str = r#"{"primaryKey":["id"],"columns":[{"name":"id","type":"integer"},{"name":"customer","type":"integer","constraints":{"notNull":true}},{"name":"note","type":"text"}],
        "indexes":[{"columns":["customer"]}],"foreignKeys":[{"columns":["customer"],"references":{"table":"customers","columns":["id"]}}]}"#;

    /// A plan stopped half way left an invalid index, a NOT VALID key and a temporary check on
    /// a column now NOT NULL and one not: the next diff drops and rebuilds the index, validates
    /// the key, finishes the column's SET NOT NULL from its check and drops the other check.
    #[test]
    fn half_done_online_work_is_finished_from_what_is_live() {
        let desired = desired_table("orders", "public", &spec(ORDERS));
        let mut live = desired.clone();
        live.indexes.clear();
        live.foreign_keys[0].name = Some("orders_customer_fkey".into());
        live.columns[1].not_null = false;
        live.ext.invalid_indexes = vec!["idx_orders_customer".into()];
        live.ext.unvalidated_foreign_keys = vec!["orders_customer_fkey".into()];
        let check = NotNullCheck { name: "schemahero_not_null_customer".into(), column: "customer".into(), validated: true };
        let stray = NotNullCheck { name: "schemahero_not_null_note".into(), column: "note".into(), validated: false };
        live.ext.not_null_checks = vec![check.clone(), stray];
        let diff = diff_table(&desired, Some(&live), false);
        assert_eq!(diff.drop_indexes.iter().map(|i| i.name.clone()).collect::<Vec<_>>(), [Some("idx_orders_customer".to_string())]);
        assert!(!diff.drop_indexes[0].constraint);
        assert_eq!(diff.create_indexes.len(), 1, "built again");
        assert_eq!(diff.validate_foreign_keys, ["orders_customer_fkey"]);
        assert!(diff.add_foreign_keys.is_empty() && diff.drop_foreign_keys.is_empty(), "the key itself is kept");
        assert_eq!(diff.columns, [ColumnChange::SetNotNull { column: "customer".into(), backfill: None, check: Some(check) }]);
        assert_eq!(diff.drop_not_null_checks, ["schemahero_not_null_note"]);

        // Finished, nothing is left to do; a table without half-done work plans nothing more.
        let mut done = desired.clone();
        done.foreign_keys[0].name = Some("orders_customer_fkey".into());
        done.indexes[0].name = Some("idx_orders_customer".into());
        assert!(diff_table(&desired, Some(&done), false).is_empty());
    }

    /// Seed data without a schema plans against the live table itself: its half-done work is
    /// not SchemaHero's to finish.
    #[test]
    fn a_live_table_as_its_own_desired_table_plans_nothing() {
        let mut live = desired_table("orders", "public", &spec(ORDERS));
        live.ext.invalid_indexes = vec!["x".into()];
        live.ext.unvalidated_foreign_keys = vec!["orders_customer_fkey".into()];
        assert!(diff_table(&live.clone(), Some(&live), false).is_empty());
    }

    #[test]
    fn generated_names_are_cut_as_postgres_cuts_them() {
        let table = "t".repeat(63);
        // Postgres' own primary key name: the table cut so that `_pkey` fits, never the table name.
        assert_eq!(generated_pk_name(&table), format!("{}_pkey", "t".repeat(58)));
        assert_eq!(generated_pk_name("users"), "users_pkey");
        // The names SchemaHero sends are cut from the end, as Postgres stores them.
        let ix = generated_index_name("t", &["é".repeat(40)]);
        assert_eq!(ix.len(), 62, "cut on a character boundary");
        assert!(ix.starts_with("idx_t_é"));
        assert_eq!(generated_fk_name("orders", &["customer_id".into()]), "orders_customer_id_fkey");
    }
}
