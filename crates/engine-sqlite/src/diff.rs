//! What the spec asks for and how it differs from the live table. SQLite's ALTER TABLE can add
//! columns and (separately) indexes; every other change is a table rebuild.

use crate::normalize::{canonical_default, default_sql, normalize_type};
use schemahero_schema::checks::{CheckChanges, Unmanaged, diff_checks};
use schemahero_schema::diff::{Changes, ColumnPair, DiffRules, compare};
use schemahero_schema::matching::TakeOver;
use schemahero_schema::model::sqlite::{self, ColumnDef, TableDef};
use schemahero_schema::model::{CheckDef, ForeignKeyDef, IndexDef, KeyDef, TriggerDef};
use schemahero_schema::normalize_fk_action;
use schemahero_schema::spec::SqliteTableSchema;
use schemahero_schema::sql_safety::Dialect;

pub fn generated_index_name(table: &str, columns: &[String]) -> String {
    schemahero_schema::diff::generated_index_name(Dialect::Sqlite, table, columns)
}

/// SQLite does not report foreign-key names, and cannot rename an index; the index behind a
/// UNIQUE constraint (`sqlite_autoindex_…`) serves a same-shape index the spec names.
struct Rules;

impl DiffRules for Rules {
    fn dialect(&self) -> Dialect {
        Dialect::Sqlite
    }

    fn named_foreign_keys(&self) -> bool {
        false
    }

    fn take_over(&self, live: &IndexDef, _kept_foreign_keys: &[&ForeignKeyDef]) -> TakeOver {
        if live.constraint { TakeOver::Keep } else { TakeOver::No }
    }
}

/// What of the live table the spec leaves alone (see `Unmanaged`): SQLite has no comments.
pub fn unmanaged(spec: &SqliteTableSchema) -> Unmanaged {
    Unmanaged { checks: spec.checks.is_none(), comments: true }
}

pub fn desired_table(name: &str, spec: &SqliteTableSchema) -> TableDef {
    TableDef {
        schema: None,
        name: name.to_string(),
        columns: spec
            .columns
            .iter()
            .map(|c| ColumnDef {
                name: c.name.clone(),
                data_type: normalize_type(&c.data_type),
                not_null: c.not_null(),
                default: c.default.as_deref().and_then(default_sql),
                auto_increment: c.auto_increment() && spec.primary_key.len() == 1 && spec.primary_key[0] == c.name,
                comment: None,
                renamed_from: c.renamed_from.clone(),
                ext: sqlite::Column,
            })
            .collect(),
        primary_key: (!spec.primary_key.is_empty()).then(|| KeyDef { name: None, columns: spec.primary_key.clone() }),
        foreign_keys: spec
            .foreign_keys
            .iter()
            .map(|fk| ForeignKeyDef {
                name: fk.name.clone(),
                columns: fk.columns.clone(),
                ref_schema: None,
                ref_table: fk.references.table.clone(),
                ref_columns: fk.references.columns.clone(),
                on_delete: fk.on_delete.as_deref().and_then(normalize_fk_action).unwrap_or("NO ACTION").to_string(),
            })
            .collect(),
        indexes: spec
            .indexes
            .iter()
            .map(|i| IndexDef {
                name: Some(i.name.clone().unwrap_or_else(|| generated_index_name(name, &i.columns))),
                columns: i.columns.clone(),
                unique: i.is_unique,
                method: "btree".into(),
                with: Default::default(),
                constraint: false,
            })
            .collect(),
        triggers: spec.triggers.iter().map(|t| TriggerDef { name: t.name.clone(), create_sql: String::new() }).collect(),
        checks: spec
            .checks
            .iter()
            .flatten()
            .map(|c| CheckDef { name: c.name.clone(), expression: c.expression.trim().to_string(), source: None })
            .collect(),
        comment: None,
        ext: sqlite::Table { strict: spec.strict },
    }
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Rebuild {
    /// Why the table must be rebuilt (shown as the hazard message).
    pub reasons: Vec<String>,
    pub dropped_columns: Vec<String>,
    /// Live triggers to re-create after the rebuild (dropping a table drops its triggers).
    pub live_triggers: Vec<TriggerDef>,
    /// Live columns that the new table keeps (copied over).
    pub kept_columns: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct TableDiff {
    /// `renamedFrom`: the live table's old name, renamed before anything else.
    pub rename_from: Option<String>,
    /// Columns renamed (old, new), right after the table's rename.
    pub rename_columns: Vec<(String, String)>,
    pub create: bool,
    pub drop: bool,
    pub rebuild: Option<Rebuild>,
    pub add_columns: Vec<ColumnDef>,
    pub drop_indexes: Vec<String>,
    pub create_indexes: Vec<IndexDef>,
    pub create_triggers: Vec<String>,
}

impl TableDiff {
    pub fn is_empty(&self) -> bool {
        *self == TableDiff::default()
    }
}

fn same_column(d: &ColumnDef, l: &ColumnDef) -> bool {
    d.data_type == l.data_type
        && d.not_null == l.not_null
        && d.auto_increment == l.auto_increment
        && d.default.as_deref().and_then(canonical_default) == l.default
}

/// A column ALTER TABLE ADD COLUMN can take: not a key, and a constant default that satisfies
/// NOT NULL.
fn addable(c: &ColumnDef, desired: &TableDef) -> bool {
    let in_pk = desired.primary_key.as_ref().is_some_and(|k| k.columns.contains(&c.name));
    let in_fk = desired.foreign_keys.iter().any(|f| f.columns.contains(&c.name));
    let constant_default = c.default.as_deref().is_none_or(|d| !d.starts_with('(') && !d.to_ascii_lowercase().starts_with("current_"));
    !in_pk && !in_fk && constant_default && (!c.not_null || c.default.is_some())
}

pub fn diff_table(desired: &TableDef, live: Option<&TableDef>, is_deleted: bool) -> TableDiff {
    let diff = TableDiff::default();
    let changes = match compare(desired, live, is_deleted, &Rules) {
        Changes::Nothing => return diff,
        Changes::Drop => return TableDiff { drop: true, ..diff },
        Changes::Create(c) => return TableDiff { create: true, create_indexes: c.indexes, create_triggers: c.triggers, ..diff },
        Changes::Alter(a) => a,
    };
    let live = changes.live;
    let mut add_columns = Vec::new();
    let mut reasons = Vec::new();
    let dropped: Vec<String> = changes.dropped_columns().map(|l| l.name.clone()).collect();
    if !dropped.is_empty() {
        reasons.push(format!("drops column(s) {}", dropped.join(", ")));
    }
    for pair in &changes.columns {
        match pair {
            ColumnPair::Kept(d, l) if !same_column(d, l) => reasons.push(format!("changes column {}", d.name)),
            ColumnPair::Added(d) if addable(d, desired) => add_columns.push((*d).clone()),
            ColumnPair::Added(d) => reasons.push(format!("adds column {} that ALTER TABLE cannot add", d.name)),
            ColumnPair::Kept(..) | ColumnPair::Dropped(_) => {}
        }
    }
    if changes.primary_key_changed {
        reasons.push("changes the primary key".into());
    }
    if !changes.add_foreign_keys.is_empty() || !changes.drop_foreign_keys.is_empty() {
        reasons.push("changes foreign keys".into());
    }
    if desired.ext.strict != live.ext.strict {
        reasons.push(if desired.ext.strict { "makes the table STRICT".into() } else { "makes the table non-STRICT".into() });
    }
    if diff_checks(Dialect::Sqlite, &desired.checks, &live.checks) != CheckChanges::default() {
        // SQLite cannot add or drop a constraint in place.
        reasons.push("changes CHECK constraints".into());
    }
    if changes.drop_indexes.iter().any(|ix| ix.constraint) {
        reasons.push("drops a UNIQUE constraint".into());
    }

    if reasons.is_empty() {
        return TableDiff {
            add_columns,
            drop_indexes: changes.drop_indexes.iter().filter_map(|ix| ix.name.clone()).collect(),
            create_indexes: changes.create_indexes,
            create_triggers: changes.create_triggers,
            ..diff
        };
    }
    // The rebuilt table starts without indexes or triggers: create all that are wanted.
    TableDiff {
        create_indexes: desired.indexes.clone(),
        create_triggers: changes.create_triggers,
        rebuild: Some(Rebuild {
            reasons,
            dropped_columns: dropped,
            live_triggers: live.triggers.clone(),
            kept_columns: desired.columns.iter().filter(|d| live.column(&d.name).is_some()).map(|d| d.name.clone()).collect(),
        }),
        ..diff
    }
}
