//! The ledger of applied migrations, kept inside each target database. A migration's row is
//! written in the same transaction as its DDL (Postgres and SQLite both have transactional
//! DDL), and its primary key makes a second application of the same migration fail and roll
//! back: a migration is applied at most once whoever runs it.
//!
//! MySQL DDL is not transactional: there the engine takes a named lock per database
//! (`GET_LOCK`), checks the ledger under it, runs the statements one by one and writes the
//! ledger row after the last; a failure names the statements that ran and records nothing.

use crate::{Engine, EngineError};
use schemahero_schema::defaults::quote_literal;

pub const LEDGER_TABLE: &str = "schemahero_migrations_ledger";

const CREATE_LEDGER: &str = "CREATE TABLE IF NOT EXISTS schemahero_migrations_ledger (
  migration_id TEXT PRIMARY KEY,
  fencing_token BIGINT NOT NULL,
  executor TEXT NOT NULL,
  applied_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP
)";

/// One applied migration as recorded in the ledger.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LedgerEntry {
    pub migration_id: String,
    pub fencing_token: i64,
    pub executor: String,
}

impl Engine {
    pub async fn ensure_ledger(&self) -> Result<(), EngineError> {
        match self {
            // TEXT cannot be a MySQL primary key, and TEXT columns take no literal default.
            Engine::Mysql(_) => self.apply(&[schemahero_mysql::CREATE_LEDGER.to_string()]).await,
            _ => self.apply(&[CREATE_LEDGER.to_string()]).await,
        }
    }

    pub async fn ledger_entries(&self) -> Result<Vec<LedgerEntry>, EngineError> {
        let sql = "SELECT migration_id, fencing_token, executor FROM schemahero_migrations_ledger ORDER BY migration_id";
        let rows: Vec<(String, i64, String)> = match self {
            Engine::Postgres(pg) => sqlx::query_as(sql).fetch_all(pg.pool()).await.map_err(schemahero_postgres::PostgresError::from)?,
            Engine::Sqlite(lite) => sqlx::query_as(sql).fetch_all(lite.pool()).await.map_err(schemahero_sqlite::SqliteError::from)?,
            Engine::Mysql(my) => {
                let exists: Option<(i64,)> = sqlx::query_as(
                    "SELECT 1 FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'schemahero_migrations_ledger'",
                )
                .fetch_optional(my.pool())
                .await
                .map_err(schemahero_mysql::MysqlError::from)?;
                if exists.is_none() {
                    return Ok(Vec::new());
                }
                sqlx::query_as(
                    "SELECT CONVERT(migration_id USING utf8mb4), fencing_token, CONVERT(executor USING utf8mb4) FROM schemahero_migrations_ledger ORDER BY migration_id",
                )
                .fetch_all(my.pool())
                .await
                .map_err(schemahero_mysql::MysqlError::from)?
            }
        };
        Ok(rows.into_iter().map(|(migration_id, fencing_token, executor)| LedgerEntry { migration_id, fencing_token, executor }).collect())
    }

    /// Whether the ledger (created by `ensure_ledger`) holds the migration: one indexed lookup.
    pub async fn ledger_contains(&self, migration_id: &str) -> Result<bool, EngineError> {
        let sql = format!("SELECT count(*) FROM {LEDGER_TABLE} WHERE migration_id = {}", quote_literal(migration_id));
        let sql = sqlx::AssertSqlSafe(sql);
        let found: i64 = match self {
            Engine::Postgres(pg) => sqlx::query_scalar(sql).fetch_one(pg.pool()).await.map_err(schemahero_postgres::PostgresError::from)?,
            Engine::Sqlite(lite) => sqlx::query_scalar(sql).fetch_one(lite.pool()).await.map_err(schemahero_sqlite::SqliteError::from)?,
            Engine::Mysql(my) => sqlx::query_scalar(sql).fetch_one(my.pool()).await.map_err(schemahero_mysql::MysqlError::from)?,
        };
        Ok(found > 0)
    }

    /// Applies `statements` and records the migration in the ledger, in one transaction.
    /// Fails (and applies nothing) if the ledger already holds the migration.
    pub async fn apply_recorded(
        &self,
        statements: &[String],
        migration_id: &str,
        fencing_token: u64,
        executor: &str,
    ) -> Result<(), EngineError> {
        if let Engine::Mysql(my) = self {
            return Ok(my.apply_recorded(statements, migration_id, fencing_token, executor).await?);
        }
        let mut all = statements.to_vec();
        all.push(format!(
            "INSERT INTO {LEDGER_TABLE} (migration_id, fencing_token, executor) VALUES ({}, {fencing_token}, {})",
            quote_literal(migration_id),
            quote_literal(executor)
        ));
        self.apply(&all).await
    }
}
