//! The engine-neutral table model that every engine introspects into and converts specs into,
//! so that diffing compares like with like. Types and defaults here are already in the engine's
//! canonical spelling.
//!
//! What only one engine has (SQLite's STRICT, Postgres' serial columns, MySQL's charsets and
//! `ON UPDATE`) lives in that engine's extension types, `T` for the table and `C` for each
//! column; the shared parts (columns, keys, indexes, triggers) and everything that works on
//! them (`matching`, `diff`, the canonical fingerprint) are written once, here and in `plan`.

use std::collections::BTreeMap;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TableDef<T = (), C = ()> {
    /// Postgres schema; `None` for engines without schemas.
    pub schema: Option<String>,
    pub name: String,
    pub columns: Vec<ColumnDef<C>>,
    pub primary_key: Option<KeyDef>,
    pub foreign_keys: Vec<ForeignKeyDef>,
    /// Indexes, including those that back UNIQUE constraints (`constraint = true`).
    pub indexes: Vec<IndexDef>,
    pub triggers: Vec<TriggerDef>,
    /// CHECK constraints, by name.
    pub checks: Vec<CheckDef>,
    /// The table's comment (`None` for none or an empty one).
    pub comment: Option<String>,
    /// What the engine adds to a table.
    pub ext: T,
}

impl<T, C> TableDef<T, C> {
    pub fn column(&self, name: &str) -> Option<&ColumnDef<C>> {
        self.columns.iter().find(|c| c.name == name)
    }

    /// The primary key's columns (empty without one).
    pub fn primary_key_columns(&self) -> &[String] {
        self.primary_key.as_ref().map(|k| k.columns.as_slice()).unwrap_or_default()
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ColumnDef<C = ()> {
    pub name: String,
    /// Canonical type, e.g. `character varying(255)`, `integer[]`.
    pub data_type: String,
    pub not_null: bool,
    /// Canonical default expression (SQL text), if any.
    pub default: Option<String>,
    /// Postgres: an identity column; SQLite: AUTOINCREMENT; MySQL: AUTO_INCREMENT.
    pub auto_increment: bool,
    /// The column's comment (`None` for none or an empty one).
    pub comment: Option<String>,
    /// Desired columns only: the spec's `renamedFrom` (see `crate::renames`).
    pub renamed_from: Option<String>,
    /// What the engine adds to a column.
    pub ext: C,
}

impl<C> ColumnDef<C> {
    /// The column's `constraints` in a generated spec: NOT NULL only where the rest of the spec
    /// (`implied`: a key column, a serial or auto-increment one) does not already imply it.
    pub fn spec_constraints(&self, implied: bool) -> Option<crate::spec::ColumnConstraints> {
        (self.not_null && !implied).then_some(crate::spec::ColumnConstraints { not_null: Some(true) })
    }

    /// The column's `attributes` in a generated spec.
    pub fn spec_attributes(&self) -> Option<crate::spec::ColumnAttributes> {
        self.auto_increment.then_some(crate::spec::ColumnAttributes { auto_increment: Some(true) })
    }
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

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CheckDef {
    pub name: String,
    /// The boolean expression: the spec's text, or the database's rendering of a live check.
    pub expression: String,
    /// Live checks on Postgres: the spec text the check was created from, which SchemaHero
    /// keeps in the constraint's comment (the server re-prints the expression; see
    /// `crate::checks`).
    pub source: Option<String>,
}

/// Postgres' extension of the model.
pub mod postgres {
    /// What Postgres adds to a table: what an online migration left half done (it runs in
    /// several transactions), which the next plan finishes from what is live. All empty on a
    /// desired table and on a table no online migration touched.
    #[derive(Debug, Clone, Default, PartialEq, Eq)]
    pub struct Table {
        /// Indexes marked INVALID (`pg_index.indisvalid`), as a failed or cancelled
        /// `CREATE INDEX CONCURRENTLY` leaves them: never used by queries but still maintained
        /// on every write. Not among the table's `indexes`, so the spec's index is created
        /// again; the invalid one is dropped first.
        pub invalid_indexes: Vec<String>,
        /// Foreign keys added `NOT VALID` whose `VALIDATE CONSTRAINT` has not succeeded yet
        /// (they are among the table's `foreign_keys`: new rows are checked already).
        pub unvalidated_foreign_keys: Vec<String>,
        /// SchemaHero's temporary `CHECK (column IS NOT NULL)` constraints (named
        /// [`NOT_NULL_CHECK_PREFIX`]…) that a `SET NOT NULL` goes through; one is live only when
        /// a plan stopped between adding it and dropping it.
        pub not_null_checks: Vec<NotNullCheck>,
        /// A partitioned table, on which Postgres builds no index concurrently and adds no
        /// foreign key NOT VALID: those changes take the plain, blocking path.
        pub partitioned: bool,
    }

    /// The prefix of the temporary check constraints `SET NOT NULL` goes through. Constraints
    /// with it are SchemaHero's own, never a spec's.
    pub const NOT_NULL_CHECK_PREFIX: &str = "schemahero_not_null_";

    /// A temporary `CHECK (column IS NOT NULL)` constraint left by an interrupted plan.
    #[derive(Debug, Clone, Default, PartialEq, Eq)]
    pub struct NotNullCheck {
        pub name: String,
        pub column: String,
        /// `VALIDATE CONSTRAINT` succeeded: `SET NOT NULL` needs no scan.
        pub validated: bool,
    }

    #[derive(Debug, Clone, Default, PartialEq, Eq)]
    pub struct Column {
        /// Filled from a sequence by a `nextval(…)` default (the serial pseudo-types).
        pub serial: bool,
    }

    pub type TableDef = super::TableDef<Table, Column>;
    pub type ColumnDef = super::ColumnDef<Column>;
}

/// SQLite's extension of the model.
pub mod sqlite {
    #[derive(Debug, Clone, Default, PartialEq, Eq)]
    pub struct Table {
        /// A STRICT table.
        pub strict: bool,
    }

    /// What SQLite adds to a column: nothing.
    #[derive(Debug, Clone, Default, PartialEq, Eq)]
    pub struct Column;

    pub type TableDef = super::TableDef<Table, Column>;
    pub type ColumnDef = super::ColumnDef<Column>;
}

/// MySQL's (and MariaDB's) extension of the model: charsets and collations of tables and
/// columns, and `ON UPDATE` clauses.
pub mod mysql {
    #[derive(Debug, Clone, Default, PartialEq, Eq)]
    pub struct Table {
        /// Table default charset and collation (canonical names).
        pub charset: String,
        pub collation: String,
        /// The spec names the table's charset or collation (render them in CREATE TABLE).
        pub explicit_charset: bool,
    }

    #[derive(Debug, Clone, Default, PartialEq, Eq)]
    pub struct Column {
        pub on_update: Option<String>,
        /// Charset and collation for string types; `None` for the others.
        pub charset: Option<String>,
        pub collation: Option<String>,
        /// The spec names this column's charset or collation (render them).
        pub explicit_charset: bool,
    }

    pub type TableDef = super::TableDef<Table, Column>;
    pub type ColumnDef = super::ColumnDef<Column>;
}
