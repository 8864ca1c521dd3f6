//! A scratch database beside the live one, where plans are tried before a reviewer sees them.
//!
//! `<database>_shscratch` (cut to 63 bytes) is created the first time (the role needs
//! CREATEDB then), emptied before every use and kept for the next one: creating a database
//! copies a template and costs far more than emptying one. Tables are copied into it by the
//! caller, from their specs; this copies what tables depend on and a Table spec does not
//! describe: the schemas, extensions, enum types and functions of the live database.

use crate::render::quote_ident;
use crate::{PostgresEngine, PostgresError};
use sqlx::postgres::PgConnectOptions;
use std::str::FromStr;

/// The suffix of the scratch database's name.
pub const SCRATCH_SUFFIX: &str = "_shscratch";

/// Schemas Postgres owns: never dropped nor copied.
const SYSTEM_SCHEMAS: &str = "nspname NOT LIKE 'pg\\_%' AND nspname <> 'information_schema'";

/// The scratch database's name for live database `live`.
pub fn scratch_name(live: &str) -> String {
    let keep = crate::diff::MAX_IDENTIFIER_BYTES - SCRATCH_SUFFIX.len();
    format!("{}{SCRATCH_SUFFIX}", schemahero_schema::sql_safety::clip_bytes(live, keep))
}

impl PostgresEngine {
    /// Opens the scratch database beside this engine's (connected with `uri`, the URI this
    /// engine was connected with): created if missing, emptied, and given the live database's
    /// schemas, extensions, enum types and functions. What could not be copied (an extension
    /// the server lacks) is returned as notes: a plan that needs it may then fail there.
    pub async fn scratch(&self, uri: &str) -> Result<(PostgresEngine, Vec<String>), PostgresError> {
        let (live,): (String,) = sqlx::query_as("SELECT current_database()::text").fetch_one(self.pool()).await?;
        if live.ends_with(SCRATCH_SUFFIX) {
            return Err(PostgresError::Uri(format!("database {live:?} is a scratch database itself")));
        }
        let name = scratch_name(&live);
        let exists: Option<(i32,)> =
            sqlx::query_as("SELECT 1 FROM pg_database WHERE datname = $1").bind(&name).fetch_optional(self.pool()).await?;
        if exists.is_none() {
            let create = format!("CREATE DATABASE {}", quote_ident(&name));
            if let Err(e) = sqlx::raw_sql(sqlx::AssertSqlSafe(create)).execute(self.pool()).await {
                // Another planner made it meanwhile: fine. Anything else (no CREATEDB) is the
                // caller's to report.
                if crate::error_code(&e).as_deref() != Some("42P04") {
                    return Err(e.into());
                }
            }
        }
        let options =
            PgConnectOptions::from_str(uri).map_err(|e| PostgresError::Uri(crate::redact_error(&e.to_string(), uri)))?.database(&name);
        let scratch = PostgresEngine::connect_options(options, uri, 1, Some(std::time::Duration::from_secs(60))).await?;
        let notes = scratch.copy_dependencies_from(self).await?;
        Ok((scratch, notes))
    }

    /// Empties this (scratch) database and copies `live`'s schemas, extensions, enum types and
    /// functions into it.
    async fn copy_dependencies_from(&self, live: &PostgresEngine) -> Result<Vec<String>, PostgresError> {
        let pool = self.pool();
        let schemas_sql = format!("SELECT nspname::text FROM pg_namespace WHERE {SYSTEM_SCHEMAS} ORDER BY 1");
        let old: Vec<(String,)> = sqlx::query_as(sqlx::AssertSqlSafe(schemas_sql.clone())).fetch_all(pool).await?;
        for (schema,) in old {
            sqlx::raw_sql(sqlx::AssertSqlSafe(format!("DROP SCHEMA {} CASCADE", quote_ident(&schema)))).execute(pool).await?;
        }
        // Extensions living in a system schema (none usually) survive the drop.
        let leftover: Vec<(String,)> =
            sqlx::query_as("SELECT extname::text FROM pg_extension WHERE extname <> 'plpgsql'").fetch_all(pool).await?;
        for (ext,) in leftover {
            sqlx::raw_sql(sqlx::AssertSqlSafe(format!("DROP EXTENSION IF EXISTS {} CASCADE", quote_ident(&ext)))).execute(pool).await?;
        }
        let mut notes = Vec::new();
        let schemas: Vec<(String,)> = sqlx::query_as(sqlx::AssertSqlSafe(schemas_sql)).fetch_all(live.pool()).await?;
        for (schema,) in &schemas {
            sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE SCHEMA {}", quote_ident(schema)))).execute(pool).await?;
        }
        let extensions: Vec<(String, String)> = sqlx::query_as(
            "SELECT e.extname::text, n.nspname::text FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace \
             WHERE e.extname <> 'plpgsql' ORDER BY 1",
        )
        .fetch_all(live.pool())
        .await?;
        for (ext, schema) in extensions {
            let sql = format!("CREATE EXTENSION IF NOT EXISTS {} WITH SCHEMA {}", quote_ident(&ext), quote_ident(&schema));
            if let Err(e) = sqlx::raw_sql(sqlx::AssertSqlSafe(sql)).execute(pool).await {
                notes.push(format!("extension {ext} could not be created there: {e}"));
            }
        }
        // Sequences of their own (not a serial's or identity's, which their column makes), for
        // defaults that call nextval(). Each `pg_depend` lookup names its catalog, so that it
        // uses the index: a database of thousands of serial columns has as many sequences.
        let sequences: Vec<(String, String)> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT n.nspname::text, c.relname::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
             WHERE c.relkind = 'S' AND {SYSTEM_SCHEMAS} \
             AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype IN ('a', 'i', 'e')) ORDER BY 1, 2"
        )))
        .fetch_all(live.pool())
        .await?;
        for (schema, name) in sequences {
            let sql = format!("CREATE SEQUENCE {}.{}", quote_ident(&schema), quote_ident(&name));
            if let Err(e) = sqlx::raw_sql(sqlx::AssertSqlSafe(sql)).execute(pool).await {
                notes.push(format!("sequence {schema}.{name} could not be created there: {e}"));
            }
        }
        // Enum types not owned by an extension, with their labels in order.
        let enums: Vec<(String, String, Vec<String>)> = sqlx::query_as(
            "SELECT n.nspname::text, t.typname::text, array_agg(e.enumlabel::text ORDER BY e.enumsortorder) \
             FROM pg_type t JOIN pg_enum e ON e.enumtypid = t.oid JOIN pg_namespace n ON n.oid = t.typnamespace \
             WHERE NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_type'::regclass AND d.objid = t.oid AND d.deptype = 'e') \
             GROUP BY 1, 2 ORDER BY 1, 2",
        )
        .fetch_all(live.pool())
        .await?;
        for (schema, name, labels) in enums {
            let labels: Vec<String> = labels.iter().map(|l| schemahero_schema::defaults::quote_literal(l)).collect();
            let sql = format!("CREATE TYPE {}.{} AS ENUM ({})", quote_ident(&schema), quote_ident(&name), labels.join(", "));
            if let Err(e) = sqlx::raw_sql(sqlx::AssertSqlSafe(sql)).execute(pool).await {
                notes.push(format!("enum type {schema}.{name} could not be created there: {e}"));
            }
        }
        // Functions and procedures (trigger functions, defaults that call them), as the server
        // prints them; their bodies are not checked, as they may name tables not there yet.
        let functions: Vec<(String, String)> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT p.proname::text, pg_get_functiondef(p.oid) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace \
             WHERE {SYSTEM_SCHEMAS} AND p.prokind IN ('f', 'p') \
             AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e') ORDER BY p.oid"
        )))
        .fetch_all(live.pool())
        .await?;
        if !functions.is_empty() {
            let mut conn = pool.acquire().await?;
            sqlx::raw_sql("SET check_function_bodies = off").execute(&mut *conn).await?;
            for (name, definition) in functions {
                if let Err(e) = sqlx::raw_sql(sqlx::AssertSqlSafe(definition)).execute(&mut *conn).await {
                    notes.push(format!("function {name} could not be created there: {e}"));
                }
            }
            sqlx::raw_sql("RESET check_function_bodies").execute(&mut *conn).await?;
        }
        Ok(notes)
    }
}

impl PostgresEngine {
    /// What a copy of `tables` made from their specs lacks, as statements to run on it after
    /// the copy: the triggers (a spec names them, `generate` cannot write them back), the
    /// UNIQUE and CHECK constraints (the copy makes unique indexes of the former), and indexes
    /// left invalid. Each may fail
    /// on its own (e.g. already there): the caller runs them one by one.
    pub async fn copy_fixups(&self, tables: &[String]) -> Result<Vec<String>, PostgresError> {
        let mut out = Vec::new();
        let constraints: Vec<(String, String, String, String)> = sqlx::query_as(
            "SELECT n.nspname::text, c.relname::text, con.conname::text, con.contype::text \
             FROM pg_constraint con JOIN pg_class c ON c.oid = con.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace \
             WHERE con.contype IN ('u', 'c') AND c.relname = ANY($1) ORDER BY 1, 2, 3",
        )
        .bind(tables)
        .fetch_all(self.pool())
        .await?;
        for (schema, table, name, kind) in constraints {
            let target = format!("{}.{}", quote_ident(&schema), quote_ident(&table));
            if kind == "u" {
                out.push(format!("ALTER TABLE {target} ADD CONSTRAINT {} UNIQUE USING INDEX {}", quote_ident(&name), quote_ident(&name)));
            } else {
                let (definition,): (String,) = sqlx::query_as(
                    "SELECT pg_get_constraintdef(con.oid) FROM pg_constraint con JOIN pg_class c ON c.oid = con.conrelid \
                     JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relname = $2 AND con.conname = $3",
                )
                .bind(&schema)
                .bind(&table)
                .bind(&name)
                .fetch_one(self.pool())
                .await?;
                out.push(format!("ALTER TABLE {target} ADD CONSTRAINT {} {definition}", quote_ident(&name)));
            }
        }
        let triggers: Vec<(String,)> = sqlx::query_as(
            "SELECT pg_get_triggerdef(t.oid) FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid \
             WHERE NOT t.tgisinternal AND c.relname = ANY($1) ORDER BY t.oid",
        )
        .bind(tables)
        .fetch_all(self.pool())
        .await?;
        out.extend(triggers.into_iter().map(|(t,)| t));
        // An index a failed concurrent build left INVALID is not in the specs `generate` writes,
        // and a plan drops it before building it again: the copy has it (valid) to drop.
        let invalid: Vec<(String,)> = sqlx::query_as(
            "SELECT pg_get_indexdef(i.indexrelid) FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid \
             WHERE NOT i.indisvalid AND c.relname = ANY($1) ORDER BY i.indexrelid",
        )
        .bind(tables)
        .fetch_all(self.pool())
        .await?;
        out.extend(invalid.into_iter().map(|(d,)| d));
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_scratch_name_fits_an_identifier() {
        assert_eq!(scratch_name("app"), "app_shscratch");
        let long = scratch_name(&"d".repeat(63));
        assert_eq!(long.len(), 63);
        assert!(long.ends_with(SCRATCH_SUFFIX));
    }
}
