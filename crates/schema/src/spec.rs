//! The Table spec exactly as SchemaHero users write it (`schemas.schemahero.io/v1alpha4`).
//!
//! Field names follow SchemaHero's Go types so existing manifests parse unchanged. Engines we do
//! not plan for yet are kept as raw values so their manifests still load.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TableSpec {
    #[serde(default, deserialize_with = "crate::spec::null_as_default")]
    pub database: String,
    #[serde(default, deserialize_with = "crate::spec::null_as_default")]
    pub name: String,
    /// The table's previous name: a live table by that name (and none by `name`) is renamed
    /// rather than a new one created.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub renamed_from: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty", deserialize_with = "crate::spec::null_as_default")]
    pub requires: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schema: Option<TableSchema>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seed_data: Option<SeedData>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TableSchema {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub postgres: Option<PostgresTableSchema>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cockroachdb: Option<PostgresTableSchema>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timescaledb: Option<serde_json::Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sqlite: Option<SqliteTableSchema>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rqlite: Option<SqliteTableSchema>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mysql: Option<MysqlTableSchema>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cassandra: Option<serde_json::Value>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PostgresTableSchema {
    /// Postgres schema (namespace) of the table; `public` when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schema: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty", deserialize_with = "crate::spec::null_as_default")]
    pub primary_key: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty", deserialize_with = "crate::spec::null_as_default")]
    pub foreign_keys: Vec<ForeignKey>,
    #[serde(default, skip_serializing_if = "Vec::is_empty", deserialize_with = "crate::spec::null_as_default")]
    pub indexes: Vec<Index>,
    #[serde(default, skip_serializing_if = "Vec::is_empty", deserialize_with = "crate::spec::null_as_default")]
    pub columns: Vec<Column>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not", deserialize_with = "crate::spec::null_as_default")]
    pub is_deleted: bool,
    #[serde(default, skip_serializing_if = "Vec::is_empty", deserialize_with = "crate::spec::null_as_default")]
    pub triggers: Vec<Trigger>,
    /// Absent: the live table's checks are left as they are; a list (even empty): exactly these.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub checks: Option<Vec<Check>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    /// Enum types the table uses, created (in the table's schema) before it, their values
    /// added as the spec gains them.
    #[serde(default, skip_serializing_if = "Vec::is_empty", deserialize_with = "crate::spec::null_as_default")]
    pub enums: Vec<EnumType>,
}

/// A CHECK constraint: its name and its boolean SQL expression.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Check {
    #[serde(default, deserialize_with = "crate::spec::null_as_default")]
    pub name: String,
    #[serde(default, deserialize_with = "crate::spec::null_as_default")]
    pub expression: String,
}

/// A Postgres enum type (`CREATE TYPE name AS ENUM (values)`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct EnumType {
    #[serde(default, deserialize_with = "crate::spec::null_as_default")]
    pub name: String,
    #[serde(default, deserialize_with = "crate::spec::null_as_default")]
    pub values: Vec<String>,
}

/// SchemaHero's `MysqlTableSchema` (also used for MariaDB).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MysqlTableSchema {
    #[serde(default, skip_serializing_if = "Vec::is_empty", deserialize_with = "crate::spec::null_as_default")]
    pub primary_key: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty", deserialize_with = "crate::spec::null_as_default")]
    pub foreign_keys: Vec<ForeignKey>,
    #[serde(default, skip_serializing_if = "Vec::is_empty", deserialize_with = "crate::spec::null_as_default")]
    pub indexes: Vec<Index>,
    #[serde(default, skip_serializing_if = "Vec::is_empty", deserialize_with = "crate::spec::null_as_default")]
    pub columns: Vec<MysqlColumn>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not", deserialize_with = "crate::spec::null_as_default")]
    pub is_deleted: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_charset: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub collation: Option<String>,
    /// Absent: the live table's checks are left as they are; a list (even empty): exactly these.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub checks: Option<Vec<Check>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

/// A MySQL column: SchemaHero's generic column plus `charset` and `collation`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MysqlColumn {
    #[serde(default, deserialize_with = "crate::spec::null_as_default")]
    pub name: String,
    #[serde(default, rename = "type", deserialize_with = "crate::spec::null_as_default")]
    pub data_type: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub constraints: Option<ColumnConstraints>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attributes: Option<ColumnAttributes>,
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "scalar_as_string")]
    pub default: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub charset: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub collation: Option<String>,
    /// The column's previous name: renamed rather than dropped and added.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub renamed_from: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

impl MysqlColumn {
    pub fn not_null(&self) -> bool {
        self.constraints.as_ref().and_then(|c| c.not_null).unwrap_or(false)
    }
    pub fn auto_increment(&self) -> bool {
        self.attributes.as_ref().and_then(|a| a.auto_increment).unwrap_or(false)
    }
    /// The generic column (for the checks shared with the other engines).
    pub fn as_column(&self) -> Column {
        Column {
            name: self.name.clone(),
            data_type: self.data_type.clone(),
            constraints: self.constraints.clone(),
            attributes: self.attributes.clone(),
            default: self.default.clone(),
            renamed_from: self.renamed_from.clone(),
            comment: self.comment.clone(),
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SqliteTableSchema {
    #[serde(default, skip_serializing_if = "Vec::is_empty", deserialize_with = "crate::spec::null_as_default")]
    pub primary_key: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty", deserialize_with = "crate::spec::null_as_default")]
    pub foreign_keys: Vec<ForeignKey>,
    #[serde(default, skip_serializing_if = "Vec::is_empty", deserialize_with = "crate::spec::null_as_default")]
    pub indexes: Vec<Index>,
    #[serde(default, skip_serializing_if = "Vec::is_empty", deserialize_with = "crate::spec::null_as_default")]
    pub columns: Vec<Column>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not", deserialize_with = "crate::spec::null_as_default")]
    pub is_deleted: bool,
    #[serde(default, skip_serializing_if = "std::ops::Not::not", deserialize_with = "crate::spec::null_as_default")]
    pub strict: bool,
    #[serde(default, skip_serializing_if = "Vec::is_empty", deserialize_with = "crate::spec::null_as_default")]
    pub triggers: Vec<Trigger>,
    /// Absent: the live table's checks are left as they are; a list (even empty): exactly these.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub checks: Option<Vec<Check>>,
    /// SQLite has no comments: read only to refuse it with an error naming the field.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Column {
    #[serde(default, deserialize_with = "crate::spec::null_as_default")]
    pub name: String,
    #[serde(default, rename = "type", deserialize_with = "crate::spec::null_as_default")]
    pub data_type: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub constraints: Option<ColumnConstraints>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attributes: Option<ColumnAttributes>,
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "scalar_as_string")]
    pub default: Option<String>,
    /// The column's previous name: renamed rather than dropped and added.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub renamed_from: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

impl Column {
    pub fn not_null(&self) -> bool {
        self.constraints.as_ref().and_then(|c| c.not_null).unwrap_or(false)
    }
    pub fn auto_increment(&self) -> bool {
        self.attributes.as_ref().and_then(|a| a.auto_increment).unwrap_or(false)
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ColumnConstraints {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub not_null: Option<bool>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ColumnAttributes {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auto_increment: Option<bool>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ForeignKey {
    #[serde(default, deserialize_with = "crate::spec::null_as_default")]
    pub columns: Vec<String>,
    #[serde(default, deserialize_with = "crate::spec::null_as_default")]
    pub references: ForeignKeyReferences,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on_delete: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ForeignKeyReferences {
    #[serde(default, deserialize_with = "crate::spec::null_as_default")]
    pub table: String,
    #[serde(default, deserialize_with = "crate::spec::null_as_default")]
    pub columns: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Index {
    #[serde(default, deserialize_with = "crate::spec::null_as_default")]
    pub columns: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not", deserialize_with = "crate::spec::null_as_default")]
    pub is_unique: bool,
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub index_type: Option<String>,
    /// Storage parameters (`WITH (fillfactor = 70)`).
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty", deserialize_with = "string_map")]
    pub with: std::collections::BTreeMap<String, String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Trigger {
    #[serde(default, deserialize_with = "crate::spec::null_as_default")]
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub constraint_trigger: Option<bool>,
    /// e.g. `before insert`, `after update of a, b`; the first event's timing applies to all.
    #[serde(default, deserialize_with = "crate::spec::null_as_default")]
    pub events: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub for_each_statement: Option<bool>,
    /// SchemaHero's Go type reads `forEachRun` from JSON and `forEachRow` from YAML; both work.
    #[serde(default, alias = "forEachRun", skip_serializing_if = "Option::is_none")]
    pub for_each_row: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub condition: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub execute: Option<TriggerExecute>,
    /// Deprecated in SchemaHero in favour of `execute`, still accepted: `fn()` verbatim.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub execute_procedure: Option<String>,
}

impl Trigger {
    /// The timing taken from the first event (`BEFORE`, `AFTER`, `INSTEAD OF`) and each event
    /// without its timing (`insert`, `update of a`), as both SQL dialects write them.
    pub fn timing_and_events(&self) -> (String, Vec<String>) {
        let mut timing = String::new();
        let mut events = Vec::with_capacity(self.events.len());
        for (i, event) in self.events.iter().enumerate() {
            let e = event.trim();
            let lower = e.to_ascii_lowercase();
            let (prefix, rest) = ["instead of ", "before ", "after "]
                .iter()
                .find(|p| lower.starts_with(**p))
                .map(|p| (p.trim().to_ascii_uppercase(), e[p.len()..].trim().to_string()))
                .unwrap_or_else(|| (String::new(), e.to_string()));
            if i == 0 {
                timing = prefix;
            }
            events.push(rest);
        }
        (timing, events)
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TriggerExecute {
    /// `Procedure` (default) or `Function`.
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schema: Option<String>,
    #[serde(default, deserialize_with = "crate::spec::null_as_default")]
    pub name: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty", deserialize_with = "crate::spec::null_as_default")]
    pub params: Vec<TriggerParam>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TriggerParam {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, rename = "type", deserialize_with = "crate::spec::null_as_default")]
    pub param_type: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SeedData {
    #[serde(default, deserialize_with = "crate::spec::null_as_default")]
    pub rows: Vec<SeedRow>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SeedRow {
    #[serde(default, deserialize_with = "crate::spec::null_as_default")]
    pub columns: Vec<SeedColumn>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SeedColumn {
    #[serde(default, deserialize_with = "crate::spec::null_as_default")]
    pub column: String,
    #[serde(default, deserialize_with = "crate::spec::null_as_default")]
    pub value: SeedValue,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SeedValue {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub int: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub str: Option<String>,
}

/// YAML users write `default: 0`, `default: true` and `default: now()` alike; all are kept as
/// the text they wrote.
fn scalar_as_string<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    let value = Option::<serde_json::Value>::deserialize(d)?;
    match value {
        None | Some(serde_json::Value::Null) => Ok(None),
        Some(serde_json::Value::String(s)) => Ok(Some(s)),
        Some(serde_json::Value::Bool(b)) => Ok(Some(b.to_string())),
        Some(serde_json::Value::Number(n)) => Ok(Some(n.to_string())),
        Some(other) => Err(serde::de::Error::custom(format!("expected a scalar default, found {other}"))),
    }
}

pub(crate) fn string_map<'de, D: serde::Deserializer<'de>>(d: D) -> Result<std::collections::BTreeMap<String, String>, D::Error> {
    let map = Option::<std::collections::BTreeMap<String, serde_json::Value>>::deserialize(d)?.unwrap_or_default();
    map.into_iter()
        .map(|(k, v)| match v {
            serde_json::Value::String(s) => Ok((k, s)),
            serde_json::Value::Bool(b) => Ok((k, b.to_string())),
            serde_json::Value::Number(n) => Ok((k, n.to_string())),
            other => Err(serde::de::Error::custom(format!("option {k} must be a scalar, found {other}"))),
        })
        .collect()
}

/// A table the user wants, as an engine receives it: the Table's name, its engine's section of
/// the spec (`S`), and its seed data.
#[derive(Debug, Clone)]
pub struct DesiredTable<S> {
    pub name: String,
    /// The Table's `renamedFrom`: the live table to rename to `name` when only it exists.
    pub renamed_from: Option<String>,
    pub schema: S,
    pub seed_data: Option<SeedData>,
    /// The Table has seed data and no schema (the table is managed elsewhere): only its seed
    /// rows are planned, against the live table, which must exist (`schema` is the default).
    pub seed_only: bool,
}

/// A field YAML leaves empty (`indexes:` with nothing after it is null) reads as its default,
/// as SchemaHero (Go) reads it: an empty list, map or string.
pub fn null_as_default<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}
