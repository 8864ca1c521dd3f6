//! A scratch database beside the live one, where plans are tried before a reviewer sees them:
//! `<database>_shscratch` (cut to 64 characters) on the same server, dropped and created again
//! before every use with the live database's default charset and collation (MySQL has no
//! transactional DDL to roll back, and nothing else a table depends on to copy). Needs the
//! privilege to create and drop that database.

use crate::render::quote_ident;
use crate::{MysqlEngine, MysqlError, dsn};

/// The suffix of the scratch database's name.
pub const SCRATCH_SUFFIX: &str = "_shscratch";

/// MySQL's limit on a database name, in characters.
const MAX_DATABASE_CHARS: usize = 64;

pub fn scratch_name(live: &str) -> String {
    let keep: String = live.chars().take(MAX_DATABASE_CHARS - SCRATCH_SUFFIX.len()).collect();
    format!("{keep}{SCRATCH_SUFFIX}")
}

impl MysqlEngine {
    /// Empties (drops and creates) the scratch database beside this engine's, which was
    /// connected with `uri`, and connects to it.
    pub async fn scratch(&self, uri: &str) -> Result<MysqlEngine, MysqlError> {
        if self.database().ends_with(SCRATCH_SUFFIX) {
            return Err(MysqlError::Scratch(format!("database {:?} is a scratch database itself", self.database())));
        }
        let name = scratch_name(self.database());
        let (charset, collation): (String, String) = sqlx::query_as(
            "SELECT CONVERT(DEFAULT_CHARACTER_SET_NAME USING utf8mb4), CONVERT(DEFAULT_COLLATION_NAME USING utf8mb4) \
             FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = DATABASE()",
        )
        .fetch_one(self.pool())
        .await?;
        // Names the server itself reports: still checked, as they are written unquoted.
        schemahero_schema::sql_safety::check_charset_name(&charset).map_err(MysqlError::Scratch)?;
        schemahero_schema::sql_safety::check_charset_name(&collation).map_err(MysqlError::Scratch)?;
        for sql in [
            format!("DROP DATABASE IF EXISTS {}", quote_ident(&name)),
            format!("CREATE DATABASE {} CHARACTER SET {charset} COLLATE {collation}", quote_ident(&name)),
        ] {
            sqlx::raw_sql(sqlx::AssertSqlSafe(sql)).execute(self.pool()).await?;
        }
        let target = dsn::Target { database: name, ..dsn::parse(uri)? };
        MysqlEngine::connect_target(target, 1, Some(std::time::Duration::from_secs(60))).await
    }
}

impl MysqlEngine {
    /// What a copy of `tables` made from their specs lacks: their storage engine and row
    /// format (which decide what an ALTER may do in place), as statements to run on the copy.
    pub async fn copy_fixups(&self, tables: &[String]) -> Result<Vec<String>, MysqlError> {
        let mut out = Vec::new();
        for table in tables {
            let row: Option<(Option<String>, Option<String>)> = sqlx::query_as(
                "SELECT CONVERT(ENGINE USING utf8mb4), CONVERT(ROW_FORMAT USING utf8mb4) FROM information_schema.TABLES \
                 WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ?",
            )
            .bind(table)
            .fetch_optional(self.pool())
            .await?;
            let Some((engine, row_format)) = row else { continue };
            let mut options = Vec::new();
            // Names the server reports, still checked: they are written unquoted.
            if let Some(engine) = engine.filter(|e| schemahero_schema::sql_safety::check_charset_name(e).is_ok()) {
                options.push(format!("ENGINE={engine}"));
            }
            if let Some(format) = row_format.filter(|f| schemahero_schema::sql_safety::check_charset_name(f).is_ok()) {
                options.push(format!("ROW_FORMAT={format}"));
            }
            if !options.is_empty() {
                out.push(format!("ALTER TABLE {} {}", quote_ident(table), options.join(" ")));
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_scratch_name_fits() {
        assert_eq!(scratch_name("app"), "app_shscratch");
        assert_eq!(scratch_name(&"é".repeat(64)).chars().count(), 64);
    }
}
