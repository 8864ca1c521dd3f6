//! The ledger of applied migrations, kept inside each target database. A migration's row is
//! written in the same transaction as its DDL (Postgres and SQLite both have transactional
//! DDL), and its primary key makes a second application of the same migration fail and roll
//! back: a migration is applied at most once whoever runs it.
//!
//! MySQL DDL is not transactional: there the engine takes a named lock per database
//! (`GET_LOCK`), checks the ledger under it, runs the statements one by one and writes the
//! ledger row after the last; a failure names the statements that ran and records nothing.

use schemahero_schema::defaults::quote_literal;

pub const LEDGER_TABLE: &str = "schemahero_migrations_ledger";

pub(crate) const CREATE_LEDGER: &str = "CREATE TABLE IF NOT EXISTS schemahero_migrations_ledger (
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

pub(crate) const SELECT_ENTRIES: &str =
    "SELECT migration_id, fencing_token, executor FROM schemahero_migrations_ledger ORDER BY migration_id";

/// MySQL's TEXT columns come back as bytes under some collations: convert them.
pub(crate) const SELECT_ENTRIES_MYSQL: &str = "SELECT CONVERT(migration_id USING utf8mb4), fencing_token, CONVERT(executor USING utf8mb4) FROM schemahero_migrations_ledger ORDER BY migration_id";

/// Reads the ledger's rows with `select` through any engine's pool.
pub(crate) async fn read_entries<DB>(pool: &sqlx::Pool<DB>, select: &'static str) -> Result<Vec<LedgerEntry>, sqlx::Error>
where
    DB: sqlx::Database,
    for<'c> &'c mut DB::Connection: sqlx::Executor<'c, Database = DB>,
    DB::Arguments: sqlx::IntoArguments<DB>,
    (String, i64, String): for<'r> sqlx::FromRow<'r, DB::Row>,
{
    let rows: Vec<(String, i64, String)> = sqlx::query_as(select).fetch_all(pool).await?;
    Ok(rows.into_iter().map(|(migration_id, fencing_token, executor)| LedgerEntry { migration_id, fencing_token, executor }).collect())
}

/// Whether the ledger holds the migration: one indexed lookup (the id quoted as a literal).
pub(crate) async fn contains<DB>(pool: &sqlx::Pool<DB>, migration_id: &str) -> Result<bool, sqlx::Error>
where
    DB: sqlx::Database,
    for<'c> &'c mut DB::Connection: sqlx::Executor<'c, Database = DB>,
    DB::Arguments: sqlx::IntoArguments<DB>,
    (i64,): for<'r> sqlx::FromRow<'r, DB::Row>,
{
    let sql = format!("SELECT count(*) FROM {LEDGER_TABLE} WHERE migration_id = {}", quote_literal(migration_id));
    let (found,): (i64,) = sqlx::query_as(sqlx::AssertSqlSafe(sql)).fetch_one(pool).await?;
    Ok(found > 0)
}

/// `statements` followed by the ledger row, for engines whose DDL is transactional (the row
/// commits with the DDL, and its primary key refuses a second application).
pub(crate) fn with_ledger_row(
    statements: &[schemahero_plan::PlannedStatement],
    migration_id: &str,
    fencing_token: u64,
    executor: &str,
) -> Vec<schemahero_plan::PlannedStatement> {
    let mut all = statements.to_vec();
    let insert = format!(
        "INSERT INTO {LEDGER_TABLE} (migration_id, fencing_token, executor) VALUES ({}, {fencing_token}, {})",
        quote_literal(migration_id),
        quote_literal(executor)
    );
    all.push(schemahero_plan::PlannedStatement::new(LEDGER_TABLE, insert));
    all
}
