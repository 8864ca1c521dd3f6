//! The normalized table model that every engine introspects into and converts specs into, so
//! that diffing compares like with like. Types and defaults here are already in the engine's
//! canonical spelling.

use std::collections::BTreeMap;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TableDef {
    /// Postgres schema; `None` for engines without schemas.
    pub schema: Option<String>,
    pub name: String,
    pub columns: Vec<ColumnDef>,
    pub primary_key: Option<KeyDef>,
    pub foreign_keys: Vec<ForeignKeyDef>,
    /// Indexes, including those that back UNIQUE constraints (`constraint = true`).
    pub indexes: Vec<IndexDef>,
    pub triggers: Vec<TriggerDef>,
    /// SQLite STRICT tables.
    pub strict: bool,
}

impl TableDef {
    pub fn column(&self, name: &str) -> Option<&ColumnDef> {
        self.columns.iter().find(|c| c.name == name)
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ColumnDef {
    pub name: String,
    /// Canonical type, e.g. `character varying(255)`, `integer[]`.
    pub data_type: String,
    pub not_null: bool,
    /// Canonical default expression (SQL text), if any.
    pub default: Option<String>,
    /// Postgres: an identity column; SQLite: AUTOINCREMENT.
    pub auto_increment: bool,
    /// Postgres: filled from a sequence by a `nextval(…)` default (the serial pseudo-types).
    pub serial: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KeyDef {
    /// `None` when the spec left the name to the engine's convention.
    pub name: Option<String>,
    pub columns: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ForeignKeyDef {
    pub name: Option<String>,
    pub columns: Vec<String>,
    pub ref_schema: Option<String>,
    pub ref_table: String,
    pub ref_columns: Vec<String>,
    /// Canonical action (`NO ACTION` when unset).
    pub on_delete: String,
}

impl ForeignKeyDef {
    /// The key as a spec writes it (`generate`): the name only when it is not the one the
    /// engine would generate (`generated_name`), the action only when it is not the default.
    pub fn to_spec(&self, generated_name: Option<&str>) -> crate::spec::ForeignKey {
        crate::spec::ForeignKey {
            columns: self.columns.clone(),
            references: crate::spec::ForeignKeyReferences { table: self.ref_table.clone(), columns: self.ref_columns.clone() },
            on_delete: (self.on_delete != "NO ACTION").then(|| self.on_delete.clone()),
            name: self.name.clone().filter(|n| Some(n.as_str()) != generated_name),
        }
    }

    /// Same constraint apart from its name.
    pub fn same_shape(&self, other: &ForeignKeyDef) -> bool {
        self.columns == other.columns
            && self.ref_schema == other.ref_schema
            && self.ref_table == other.ref_table
            && self.ref_columns == other.ref_columns
            && self.on_delete == other.on_delete
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IndexDef {
    pub name: Option<String>,
    pub columns: Vec<String>,
    pub unique: bool,
    /// Access method (`btree`, `gin`, …), lower case.
    pub method: String,
    /// Storage parameters.
    pub with: BTreeMap<String, String>,
    /// Backs a UNIQUE constraint rather than being a plain index.
    pub constraint: bool,
}

impl IndexDef {
    /// The index as a spec writes it (`generate`): the name only when it is not the generated
    /// one, the method only when it is not btree.
    pub fn to_spec(&self, generated_name: &str) -> crate::spec::Index {
        crate::spec::Index {
            columns: self.columns.clone(),
            name: self.name.clone().filter(|n| n != generated_name),
            is_unique: self.unique,
            index_type: (self.method != "btree").then(|| self.method.clone()),
            with: self.with.clone(),
        }
    }

    /// Same index apart from its name and whether it is a constraint.
    pub fn same_shape(&self, other: &IndexDef) -> bool {
        self.columns == other.columns && self.unique == other.unique && self.method == other.method && self.with == other.with
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TriggerDef {
    pub name: String,
    /// The full CREATE TRIGGER statement the spec renders to (compared by name only: the live
    /// definition is re-printed by the database).
    pub create_sql: String,
}
