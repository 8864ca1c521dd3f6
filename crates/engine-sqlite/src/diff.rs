//! What the spec asks for and how it differs from the live table. SQLite's ALTER TABLE can add
//! columns and (separately) indexes; every other change is a table rebuild.

use crate::normalize::{canonical_default, default_sql, normalize_type};
use schemahero_schema::model::{ColumnDef, ForeignKeyDef, IndexDef, KeyDef, TableDef, TriggerDef};
use schemahero_schema::normalize_fk_action;
use schemahero_schema::spec::SqliteTableSchema;

pub fn generated_index_name(table: &str, columns: &[String]) -> String {
    format!("idx_{}_{}", table, columns.join("_"))
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
                serial: false,
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
        strict: spec.strict,
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
    let mut diff = TableDiff::default();
    let Some(live) = live else {
        if !is_deleted {
            diff.create = true;
            diff.create_indexes = desired.indexes.clone();
            diff.create_triggers = desired.triggers.iter().map(|t| t.name.clone()).collect();
        }
        return diff;
    };
    if is_deleted {
        diff.drop = true;
        return diff;
    }
    let mut reasons = Vec::new();
    let dropped: Vec<String> = live.columns.iter().filter(|l| desired.column(&l.name).is_none()).map(|l| l.name.clone()).collect();
    if !dropped.is_empty() {
        reasons.push(format!("drops column(s) {}", dropped.join(", ")));
    }
    for d in &desired.columns {
        match live.column(&d.name) {
            Some(l) if !same_column(d, l) => reasons.push(format!("changes column {}", d.name)),
            Some(_) => {}
            None if addable(d, desired) => diff.add_columns.push(d.clone()),
            None => reasons.push(format!("adds column {} that ALTER TABLE cannot add", d.name)),
        }
    }
    if desired.primary_key.as_ref().map(|k| &k.columns) != live.primary_key.as_ref().map(|k| &k.columns) {
        reasons.push("changes the primary key".into());
    }
    let mut live_fks: Vec<Option<&ForeignKeyDef>> = live.foreign_keys.iter().map(Some).collect();
    let mut fks_match = true;
    for fk in &desired.foreign_keys {
        match live_fks.iter_mut().find(|l| l.is_some_and(|l| l.same_shape(fk))) {
            Some(slot) => *slot = None,
            None => fks_match = false,
        }
    }
    if !fks_match || live_fks.iter().any(Option::is_some) {
        reasons.push("changes foreign keys".into());
    }
    if desired.strict != live.strict {
        reasons.push(if desired.strict { "makes the table STRICT".into() } else { "makes the table non-STRICT".into() });
    }

    let mut live_ix: Vec<Option<&IndexDef>> = live.indexes.iter().map(Some).collect();
    let mut to_create = Vec::new();
    for ix in &desired.indexes {
        let exact = live_ix.iter().position(|l| l.is_some_and(|l| l.name == ix.name && l.same_shape(ix)));
        let by_shape = || live_ix.iter().position(|l| l.is_some_and(|l| l.constraint && l.same_shape(ix)));
        match exact.or_else(by_shape) {
            Some(pos) => live_ix[pos] = None,
            None => to_create.push(ix.clone()),
        }
    }
    let stale: Vec<&IndexDef> = live_ix.into_iter().flatten().collect();
    if stale.iter().any(|ix| ix.constraint) {
        reasons.push("drops a UNIQUE constraint".into());
    }

    if reasons.is_empty() {
        diff.drop_indexes = stale.iter().filter_map(|ix| ix.name.clone()).collect();
        diff.create_indexes = to_create;
        diff.create_triggers =
            desired.triggers.iter().filter(|t| !live.triggers.iter().any(|l| l.name == t.name)).map(|t| t.name.clone()).collect();
    } else {
        // The rebuilt table starts without indexes or triggers: create all that are wanted.
        diff.add_columns.clear();
        diff.create_indexes = desired.indexes.clone();
        diff.create_triggers =
            desired.triggers.iter().filter(|t| !live.triggers.iter().any(|l| l.name == t.name)).map(|t| t.name.clone()).collect();
        diff.rebuild = Some(Rebuild {
            reasons,
            dropped_columns: dropped,
            live_triggers: live.triggers.clone(),
            kept_columns: desired.columns.iter().filter(|d| live.column(&d.name).is_some()).map(|d| d.name.clone()).collect(),
        });
    }
    diff
}
