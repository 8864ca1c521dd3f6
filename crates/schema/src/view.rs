//! `schemas.schemahero.io/v1alpha4` View, with SchemaHero's field names (`spec.database`,
//! `spec.name`, `spec.requires`, `spec.schema.<engine>`). SchemaHero implements only the
//! `timescaledb` section; here the `postgres`, `mysql` and `sqlite` sections (and `cockroachdb`,
//! `rqlite`, read as Postgres' and SQLite's) hold a plain view: `query` and `isDeleted`. The
//! `timescaledb` section is read as SchemaHero has it and not planned (no TimescaleDB driver).

use crate::SpecError;
use crate::parse::OtherDocument;
use crate::spec::null_as_default;
use crate::sql_safety::{self, Dialect};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ViewSpec {
    #[serde(default, deserialize_with = "null_as_default")]
    pub database: String,
    #[serde(default, deserialize_with = "null_as_default")]
    pub name: String,
    /// Tables (or views) this view reads besides those its query names: it is created after them.
    #[serde(default, skip_serializing_if = "Vec::is_empty", deserialize_with = "null_as_default")]
    pub requires: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schema: Option<ViewSchema>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ViewSchema {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub postgres: Option<PlainView>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mysql: Option<PlainView>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sqlite: Option<PlainView>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cockroachdb: Option<PlainView>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rqlite: Option<PlainView>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timescaledb: Option<TimescaleDbView>,
    /// Other engines' sections (`cassandra`): accepted and ignored, as SchemaHero does.
    #[serde(flatten)]
    pub others: serde_json::Map<String, serde_json::Value>,
}

/// A plain view on Postgres, MySQL/MariaDB or SQLite.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PlainView {
    #[serde(default, deserialize_with = "null_as_default")]
    pub query: String,
    /// Drop the view (when it exists).
    #[serde(default, skip_serializing_if = "std::ops::Not::not", deserialize_with = "null_as_default")]
    pub is_deleted: bool,
}

/// SchemaHero's `TimescaleDBViewSchema`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TimescaleDbView {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_continuous_aggregate: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub with_no_data: Option<bool>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub query: String,
    #[serde(default, skip_serializing_if = "std::ops::Not::not", deserialize_with = "null_as_default")]
    pub is_deleted: bool,
}

impl ViewSchema {
    /// The section an engine reads: `postgres`/`cockroachdb`, `mysql`, `sqlite` (or `rqlite`).
    pub fn section(&self, key: &str) -> Option<&PlainView> {
        match key {
            "postgres" => self.postgres.as_ref(),
            "cockroachdb" => self.cockroachdb.as_ref(),
            "mysql" => self.mysql.as_ref(),
            "sqlite" => self.sqlite.as_ref().or(self.rqlite.as_ref()),
            _ => None,
        }
    }
}

impl ViewSpec {
    /// The section for the driver `key` (see [`ViewSchema::section`]).
    pub fn section(&self, key: &str) -> Option<&PlainView> {
        self.schema.as_ref().and_then(|s| s.section(key))
    }

    /// The tables and views this view reads, for ordering: `requires`, and the relations the
    /// section's query names.
    pub fn reads(&self, key: &str, dialect: Dialect) -> Vec<String> {
        let mut out = self.requires.clone();
        if let Some(view) = self.section(key) {
            for name in sql_safety::view_query_relations(dialect, &view.query) {
                if !out.contains(&name) {
                    out.push(name);
                }
            }
        }
        out
    }
}

impl ViewSpec {
    /// What the view reads whatever the engine (`requires`, and the relations each section's
    /// query names): a Migration of it waits for unfinished ones of these.
    pub fn reads_any(&self) -> Vec<String> {
        let mut out = Vec::new();
        for (key, dialect) in [("postgres", Dialect::Postgres), ("mysql", Dialect::Mysql), ("sqlite", Dialect::Sqlite)] {
            for name in self.reads(key, dialect) {
                if !out.contains(&name) {
                    out.push(name);
                }
            }
        }
        out
    }
}

/// A View read from a file or the API.
#[derive(Debug, Clone, PartialEq)]
pub struct ViewManifest {
    pub source: String,
    pub metadata_name: Option<String>,
    pub namespace: Option<String>,
    pub spec: ViewSpec,
}

impl ViewManifest {
    /// Reads a `kind: View` document; `None` for other kinds.
    pub fn from_document(doc: &OtherDocument) -> Option<Result<Self, SpecError>> {
        let mut spec: ViewSpec = match doc.spec_of("schemas.schemahero.io", "View")? {
            Ok(spec) => spec,
            Err(e) => return Some(Err(e)),
        };
        if spec.name.is_empty() {
            // As for Tables, SchemaHero falls back to the object's name.
            spec.name = doc.name.clone().unwrap_or_default();
        }
        if let Err((field, message)) = check(&spec) {
            return Some(Err(doc.field_error(&field, message)));
        }
        Some(Ok(ViewManifest { source: doc.source.clone(), metadata_name: doc.name.clone(), namespace: doc.namespace(), spec }))
    }
}

/// The name is quoted by each engine (so only its length and NUL matter, per dialect of the
/// sections present); every query is checked as [`sql_safety::check_view_query`] says, in the
/// dialect it is sent in.
fn check(spec: &ViewSpec) -> Result<(), (String, String)> {
    if spec.name.is_empty() {
        return Err(("spec.name".into(), "missing".into()));
    }
    let Some(schema) = &spec.schema else { return Ok(()) };
    let sections = [
        ("postgres", Dialect::Postgres, schema.postgres.as_ref()),
        ("cockroachdb", Dialect::Postgres, schema.cockroachdb.as_ref()),
        ("mysql", Dialect::Mysql, schema.mysql.as_ref()),
        ("sqlite", Dialect::Sqlite, schema.sqlite.as_ref()),
        ("rqlite", Dialect::Sqlite, schema.rqlite.as_ref()),
    ];
    for (key, dialect, view) in sections {
        let Some(view) = view else { continue };
        sql_safety::check_identifier(dialect, &spec.name).map_err(|m| ("spec.name".to_string(), m))?;
        if view.is_deleted && view.query.trim().is_empty() {
            continue; // a view being dropped needs no query
        }
        sql_safety::check_view_query(dialect, &view.query).map_err(|m| (format!("spec.schema.{key}.query"), m))?;
    }
    if let Some(ts) = &schema.timescaledb
        && !(ts.is_deleted && ts.query.trim().is_empty())
    {
        sql_safety::check_view_query(Dialect::Postgres, &ts.query).map_err(|m| ("spec.schema.timescaledb.query".to_string(), m))?;
    }
    for (i, name) in spec.requires.iter().enumerate() {
        if name.is_empty() || name.contains('\0') {
            return Err((format!("spec.requires[{i}]"), format!("{name:?} is not a table name")));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Document, parse_documents};

    fn read(text: &str) -> Option<Result<ViewManifest, SpecError>> {
        let parsed = parse_documents("v.yaml", text).unwrap_or_else(|e| panic!("{e}"));
        match parsed.documents.into_iter().next() {
            Some(Document::Other(o)) => ViewManifest::from_document(&o),
            _ => None,
        }
    }

    const ACTIVE_USERS: &str = "apiVersion: schemas.schemahero.io/v1alpha4
kind: View
metadata:
  name: active-users
spec:
  database: db
  name: active_users
  requires: [users]
  schema:
    postgres:
      query: SELECT id, email FROM users WHERE active
    mysql:
      query: SELECT id, email FROM users WHERE active = 1
    sqlite:
      isDeleted: true
    timescaledb:
      isContinuousAggregate: true
      withNoData: true
      query: |
        SELECT time_bucket('1 day', at) AS day, count(*) FROM events GROUP BY 1
";

    #[test]
    fn reads_schemaheros_view_with_plain_sections() {
        let v = read(ACTIVE_USERS).unwrap_or_else(|| panic!("not a view")).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!((v.spec.name.as_str(), v.spec.database.as_str()), ("active_users", "db"));
        assert_eq!(v.spec.section("postgres").map(|p| p.query.as_str()), Some("SELECT id, email FROM users WHERE active"));
        assert_eq!(v.spec.section("sqlite").map(|p| p.is_deleted), Some(true));
        let ts = v.spec.schema.as_ref().and_then(|s| s.timescaledb.clone()).unwrap_or_else(|| panic!("no timescaledb"));
        assert_eq!((ts.is_continuous_aggregate, ts.with_no_data), (Some(true), Some(true)));
        assert_eq!(v.spec.reads("postgres", Dialect::Postgres), vec!["users".to_string()]);
        // Without spec.name, metadata.name (as for Tables).
        let unnamed = read(&ACTIVE_USERS.replace("  name: active_users\n", "")).and_then(Result::ok).map(|v| v.spec.name);
        assert_eq!(unnamed.as_deref(), Some("active-users"));
    }

    #[test]
    fn a_query_that_would_inject_sql_is_refused_naming_the_field() {
        for (from, to, field) in [
            ("WHERE active\n", "WHERE active; DROP TABLE users\n", "spec.schema.postgres.query"),
            ("WHERE active = 1\n", "WHERE active = 1 /* hidden */\n", "spec.schema.mysql.query"),
            ("isDeleted: true", "query: DELETE FROM users", "spec.schema.sqlite.query"),
            ("GROUP BY 1\n", "GROUP BY 1; DROP TABLE events\n", "spec.schema.timescaledb.query"),
        ] {
            match read(&ACTIVE_USERS.replace(from, to)) {
                Some(Err(SpecError::Field { field: f, message, .. })) => assert_eq!(f, field, "{message}"),
                other => panic!("{field}: expected a field error, got {other:?}"),
            }
        }
        let long = format!("  name: {}\n", "v".repeat(64));
        match read(&ACTIVE_USERS.replace("  name: active_users\n", &long)) {
            Some(Err(SpecError::Field { field, .. })) => assert_eq!(field, "spec.name"),
            other => panic!("expected a field error, got {other:?}"),
        }
    }
}
