//! `schemas.schemahero.io/v1alpha4` Function, as SchemaHero users write it: a Postgres function
//! (`schema.postgres.{schema, lang, params, returnSet, return, as}`).

use crate::parse::OtherDocument;
use crate::spec::{TriggerParam, null_as_default};
use crate::{SpecError, sql_safety};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FunctionSpec {
    #[serde(default, deserialize_with = "null_as_default")]
    pub database: String,
    #[serde(default, deserialize_with = "null_as_default")]
    pub name: String,
    /// Drop the function when the resource is deleted (operator mode).
    #[serde(default, deserialize_with = "null_as_default")]
    pub remove_on_deletion: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schema: Option<FunctionSchema>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct FunctionSchema {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub postgres: Option<PostgresFunction>,
    /// Other engines' sections (SchemaHero accepts and ignores them).
    #[serde(flatten)]
    pub others: serde_json::Map<String, serde_json::Value>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PostgresFunction {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schema: Option<String>,
    /// `PLpgSQL` (SchemaHero's default) or `SQL`.
    #[serde(default = "default_lang", deserialize_with = "lang_or_default")]
    pub lang: String,
    #[serde(default, deserialize_with = "null_as_default")]
    pub params: Vec<TriggerParam>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub return_set: bool,
    #[serde(default, rename = "return", skip_serializing_if = "Option::is_none")]
    pub returns: Option<String>,
    /// The body.
    #[serde(default, deserialize_with = "null_as_default")]
    pub r#as: String,
}

fn default_lang() -> String {
    "PLpgSQL".into()
}

fn lang_or_default<'de, D: serde::Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    Ok(Option::<String>::deserialize(d)?.filter(|l| !l.is_empty()).unwrap_or_else(default_lang))
}

/// A Function read from a file or the API.
#[derive(Debug, Clone, PartialEq)]
pub struct FunctionManifest {
    pub source: String,
    pub metadata_name: Option<String>,
    pub namespace: Option<String>,
    pub spec: FunctionSpec,
}

impl FunctionManifest {
    /// Reads a `kind: Function` document; `None` for other kinds.
    pub fn from_document(doc: &OtherDocument) -> Option<Result<Self, SpecError>> {
        let mut spec: FunctionSpec = match doc.spec_of("schemas.schemahero.io", "Function")? {
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
        Some(Ok(FunctionManifest { source: doc.source.clone(), metadata_name: doc.name.clone(), namespace: doc.namespace(), spec }))
    }
}

/// Names are quoted identifiers; types, modes, parameter names and the language are written
/// unquoted, so they are checked; the body is dollar-quoted under a tag it does not contain.
fn check(spec: &FunctionSpec) -> Result<(), (String, String)> {
    let pg_ident =
        |field: &str, name: &str| sql_safety::check_identifier(sql_safety::Dialect::Postgres, name).map_err(|m| (field.to_string(), m));
    if spec.name.is_empty() {
        return Err(("spec.name".into(), "missing".into()));
    }
    pg_ident("spec.name", &spec.name)?;
    let Some(pg) = spec.schema.as_ref().and_then(|s| s.postgres.as_ref()) else { return Ok(()) };
    if let Some(schema) = &pg.schema {
        pg_ident("spec.schema.postgres.schema", schema)?;
    }
    sql_safety::check_plain_name(&pg.lang).map_err(|m| ("spec.schema.postgres.lang".to_string(), m))?;
    for (i, p) in pg.params.iter().enumerate() {
        let field = |f: &str| format!("spec.schema.postgres.params[{i}].{f}");
        sql_safety::check_pg_type(&p.param_type).map_err(|m| (field("type"), m))?;
        if let Some(mode) = &p.mode {
            sql_safety::check_param_mode(mode).map_err(|m| (field("mode"), m))?;
        }
        if let Some(name) = &p.name {
            sql_safety::check_plain_name(name).map_err(|m| (field("name"), m))?;
        }
    }
    if let Some(returns) = &pg.returns {
        sql_safety::check_pg_type(returns).map_err(|m| ("spec.schema.postgres.return".to_string(), m))?;
    }
    if pg.r#as.trim().is_empty() {
        return Err(("spec.schema.postgres.as".into(), "missing: the function's body".into()));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Document, parse_documents};

    fn read(text: &str) -> Option<Result<FunctionManifest, SpecError>> {
        let parsed = parse_documents("f.yaml", text).unwrap_or_else(|e| panic!("{e}"));
        match parsed.documents.into_iter().next() {
            Some(Document::Other(o)) => FunctionManifest::from_document(&o),
            _ => None,
        }
    }

    const COUNT_USERS: &str = "apiVersion: schemas.schemahero.io/v1alpha4
kind: Function
metadata:
  name: count-users
spec:
  database: db
  name: count_users
  schema:
    postgres:
      lang: PLpgSQL
      params:
        - name: min_id
          type: integer
      return: bigint
      as: |
        DECLARE n bigint;
        BEGIN SELECT count(*) INTO n FROM users WHERE id >= min_id; RETURN n; END;
";

    #[test]
    fn reads_schemaheros_function() {
        let f = read(COUNT_USERS).unwrap_or_else(|| panic!("not a function")).unwrap_or_else(|e| panic!("{e}"));
        let pg = f.spec.schema.and_then(|s| s.postgres).unwrap_or_else(|| panic!("no postgres section"));
        assert_eq!((f.spec.name.as_str(), pg.lang.as_str(), pg.returns.as_deref()), ("count_users", "PLpgSQL", Some("bigint")));
        assert_eq!(pg.params[0].param_type, "integer");
        assert!(pg.r#as.contains("RETURN n;"));
    }

    #[test]
    fn unquoted_parts_that_would_inject_sql_are_refused_naming_the_field() {
        for (from, to, field) in [
            ("return: bigint", "return: \"bigint; drop table users\"", "spec.schema.postgres.return"),
            ("type: integer", "type: \"integer) returns int as 'x'; drop table users; --\"", "spec.schema.postgres.params[0].type"),
            ("name: min_id", "name: \"x integer); drop\"", "spec.schema.postgres.params[0].name"),
            ("lang: PLpgSQL", "lang: \"sql; drop table users\"", "spec.schema.postgres.lang"),
        ] {
            match read(&COUNT_USERS.replace(from, to)) {
                Some(Err(SpecError::Field { field: f, .. })) => assert_eq!(f, field),
                other => panic!("{field}: expected a field error, got {other:?}"),
            }
        }
    }
}
