//! `schemas.schemahero.io/v1alpha4` DatabaseExtension, as SchemaHero users write it: a
//! Postgres extension a database should have (`postgres.name`, optionally its `version` and
//! `schema`). SchemaHero's CRD is in the `schemas` group; `databases.schemahero.io` (the
//! Database's group, which some manifests use by analogy) is read the same way.

use crate::parse::OtherDocument;
use crate::spec::null_as_default;
use crate::{SpecError, sql_safety};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DatabaseExtensionSpec {
    #[serde(default, deserialize_with = "null_as_default")]
    pub database: String,
    /// Drop the extension when the resource is deleted (operator mode).
    #[serde(default, deserialize_with = "null_as_default")]
    pub remove_on_deletion: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub postgres: Option<PostgresExtension>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PostgresExtension {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schema: Option<String>,
}

/// A DatabaseExtension read from a file or the API.
#[derive(Debug, Clone, PartialEq)]
pub struct ExtensionManifest {
    pub source: String,
    pub name: String,
    pub namespace: Option<String>,
    pub spec: DatabaseExtensionSpec,
}

impl ExtensionManifest {
    /// Reads a `kind: DatabaseExtension` document; `None` for other kinds.
    pub fn from_document(doc: &OtherDocument) -> Option<Result<Self, SpecError>> {
        let spec = doc
            .spec_of::<DatabaseExtensionSpec>("schemas.schemahero.io", "DatabaseExtension")
            .or_else(|| doc.spec_of("databases.schemahero.io", "DatabaseExtension"));
        let spec: DatabaseExtensionSpec = match spec? {
            Ok(spec) => spec,
            Err(e) => return Some(Err(e)),
        };
        if let Some(pg) = &spec.postgres
            && let Err((field, message)) = check_postgres(pg)
        {
            return Some(Err(doc.field_error(field, message)));
        }
        Some(Ok(ExtensionManifest {
            source: doc.source.clone(),
            name: doc.name.clone().unwrap_or_default(),
            namespace: doc.namespace(),
            spec,
        }))
    }
}

/// The name and schema are quoted identifiers; the version is written as a string literal, and
/// extension versions are plain (`1.3`, `2.0.0-beta`): anything else is refused.
fn check_postgres(pg: &PostgresExtension) -> Result<(), (&'static str, String)> {
    if pg.name.is_empty() {
        return Err(("spec.postgres.name", "missing".into()));
    }
    sql_safety::check_identifier(sql_safety::Dialect::Postgres, &pg.name).map_err(|m| ("spec.postgres.name", m))?;
    if let Some(schema) = &pg.schema {
        sql_safety::check_identifier(sql_safety::Dialect::Postgres, schema).map_err(|m| ("spec.postgres.schema", m))?;
    }
    if let Some(version) = &pg.version {
        let plain = !version.is_empty() && version.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
        if !plain {
            return Err(("spec.postgres.version", format!("{version:?} is not an extension version (letters, digits, '.', '_', '-')")));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Document, parse_documents};

    fn read(text: &str) -> Option<Result<ExtensionManifest, SpecError>> {
        let parsed = parse_documents("ext.yaml", text).unwrap_or_else(|e| panic!("{e}"));
        match parsed.documents.into_iter().next() {
            Some(Document::Other(o)) => ExtensionManifest::from_document(&o),
            _ => None,
        }
    }

    #[test]
    fn reads_schemaheros_database_extension() {
        let text = "apiVersion: schemas.schemahero.io/v1alpha4\nkind: DatabaseExtension\nmetadata:\n  name: crypto\nspec:\n  database: db\n  removeOnDeletion: true\n  postgres:\n    name: pgcrypto\n    version: \"1.3\"\n    schema: public\n";
        let ext = read(text).unwrap_or_else(|| panic!("not an extension")).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(ext.name, "crypto");
        assert!(ext.spec.remove_on_deletion);
        assert_eq!(
            ext.spec.postgres,
            Some(PostgresExtension { name: "pgcrypto".into(), version: Some("1.3".into()), schema: Some("public".into()) })
        );
        let databases_group = text.replace("schemas.schemahero.io", "databases.schemahero.io");
        let same = read(&databases_group).unwrap_or_else(|| panic!("databases group not read")).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(same.spec, ext.spec);
    }

    #[test]
    fn a_version_that_would_inject_sql_is_refused_naming_the_field() {
        let text = "apiVersion: databases.schemahero.io/v1alpha4\nkind: DatabaseExtension\nmetadata:\n  name: x\nspec:\n  database: db\n  postgres:\n    name: pgcrypto\n    version: \"1'; drop table t; --\"\n";
        match read(text) {
            Some(Err(SpecError::Field { field, .. })) => assert_eq!(field, "spec.postgres.version"),
            other => panic!("expected a field error, got {other:?}"),
        }
        let empty = "apiVersion: databases.schemahero.io/v1alpha4\nkind: DatabaseExtension\nmetadata:\n  name: x\nspec:\n  postgres:\n    name: \"\"\n";
        assert!(matches!(read(empty), Some(Err(SpecError::Field { field, .. })) if field == "spec.postgres.name"));
    }
}
