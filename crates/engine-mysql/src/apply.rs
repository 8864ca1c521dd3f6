//! Applying statements. MySQL DDL is not transactional — every statement commits on its own —
//! so instead of one transaction: a named lock per database (`GET_LOCK`) keeps two appliers
//! apart, the ledger is checked under that lock before a migration runs, statements run one by
//! one, the ledger row is written after the last one, and a failure reports exactly which
//! statements ran (and stay applied) and which did not.

use crate::render::quote_ident;
use crate::{MysqlEngine, MysqlError};
use schemahero_plan::PlannedStatement;
use sqlx::MySqlConnection;
use sqlx::pool::PoolConnection;

pub const LEDGER_TABLE: &str = "schemahero_migrations_ledger";

pub const CREATE_LEDGER: &str = "CREATE TABLE IF NOT EXISTS schemahero_migrations_ledger (
  migration_id VARCHAR(255) NOT NULL PRIMARY KEY,
  fencing_token BIGINT NOT NULL,
  executor VARCHAR(255) NOT NULL,
  applied_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
)";

/// How long to wait for another applier to finish with the same database.
const LOCK_TIMEOUT_SECS: u32 = 60;

/// Statement numbers (1-based) that ran before a failure and those that did not.
pub fn describe_progress(failed: usize, total: usize) -> String {
    let ran = match failed {
        1 => "no statement ran before it".to_string(),
        2 => "statement 1 ran and stays applied".to_string(),
        n => format!("statements 1-{} ran and stay applied", n - 1),
    };
    let rest = match total - failed {
        0 => "it was the last statement".to_string(),
        1 => format!("statement {total} did not run"),
        _ => format!("statements {}-{total} did not run", failed + 1),
    };
    format!("{ran} (MySQL DDL is not transactional); {rest}")
}

impl MysqlEngine {
    /// The lock name for this database. MySQL caps lock names at 64 characters; a longer name
    /// is cut, which can only make two databases share a lock (more waiting, never less safety).
    fn lock_name(&self) -> String {
        format!("schemahero:{}", self.database()).chars().take(64).collect()
    }

    async fn lock(&self) -> Result<PoolConnection<sqlx::MySql>, MysqlError> {
        let mut conn = self.pool().acquire().await?;
        let (got,): (Option<i64>,) =
            sqlx::query_as("SELECT GET_LOCK(?, ?)").bind(self.lock_name()).bind(LOCK_TIMEOUT_SECS).fetch_one(&mut *conn).await?;
        if got != Some(1) {
            return Err(MysqlError::Lock { database: self.database().to_string(), seconds: LOCK_TIMEOUT_SECS });
        }
        Ok(conn)
    }

    async fn unlock(&self, conn: &mut MySqlConnection) {
        // The lock also goes when the session ends; a failure to release is only logged.
        if let Err(e) = sqlx::query("SELECT RELEASE_LOCK(?)").bind(self.lock_name()).execute(conn).await {
            tracing::warn!(database = self.database(), error = %e, "releasing the apply lock failed");
        }
    }

    /// Runs the statements in order under the database's lock; stops at the first failure and
    /// says which statements ran.
    pub async fn apply(&self, statements: &[PlannedStatement]) -> Result<(), MysqlError> {
        let mut conn = self.lock().await?;
        let result = run_all(&mut conn, statements).await;
        self.unlock(&mut conn).await;
        result
    }

    /// Applies a migration at most once: under the lock, checks the ledger, runs the statements
    /// one by one, then records the migration. On failure nothing is recorded (the migration did
    /// not complete) and the error says which statements ran.
    pub async fn apply_recorded(
        &self,
        statements: &[PlannedStatement],
        migration_id: &str,
        fencing_token: u64,
        executor: &str,
    ) -> Result<(), MysqlError> {
        let mut conn = self.lock().await?;
        let result = async {
            sqlx::raw_sql(CREATE_LEDGER).execute(&mut *conn).await?;
            let (present,): (i64,) =
                sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT COUNT(*) FROM {} WHERE migration_id = ?", quote_ident(LEDGER_TABLE))))
                    .bind(migration_id)
                    .fetch_one(&mut *conn)
                    .await?;
            if present > 0 {
                return Err(MysqlError::AlreadyApplied { migration_id: migration_id.to_string() });
            }
            run_all(&mut conn, statements).await?;
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "INSERT INTO {} (migration_id, fencing_token, executor) VALUES (?, ?, ?)",
                quote_ident(LEDGER_TABLE)
            )))
            .bind(migration_id)
            .bind(i64::try_from(fencing_token).unwrap_or(i64::MAX))
            .bind(executor)
            .execute(&mut *conn)
            .await
            .map_err(|e| MysqlError::Ledger { migration_id: migration_id.to_string(), message: e.to_string() })?;
            Ok(())
        }
        .await;
        self.unlock(&mut conn).await;
        result
    }
}

async fn run_all(conn: &mut MySqlConnection, statements: &[PlannedStatement]) -> Result<(), MysqlError> {
    for (i, statement) in statements.iter().enumerate() {
        let run = sqlx::raw_sql(sqlx::AssertSqlSafe(statement.sql.clone())).execute(&mut *conn);
        let error_code = |e: &sqlx::Error| e.as_database_error().and_then(|d| d.code()).map(|c| c.into_owned());
        if let Err(e) =
            schemahero_observe::statement::traced(i + 1, &statement.kind(), &statement.table, run, |d| d.rows_affected(), error_code).await
        {
            return Err(MysqlError::Apply {
                index: i + 1,
                total: statements.len(),
                statement: statement.sql.clone(),
                message: e.to_string(),
                progress: describe_progress(i + 1, statements.len()),
                connection_lost: matches!(e, sqlx::Error::Io(_) | sqlx::Error::Tls(_) | sqlx::Error::Protocol(_)),
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::describe_progress;

    #[test]
    fn progress_names_what_ran_and_what_did_not() {
        assert_eq!(describe_progress(1, 1), "no statement ran before it (MySQL DDL is not transactional); it was the last statement");
        assert_eq!(describe_progress(2, 3), "statement 1 ran and stays applied (MySQL DDL is not transactional); statement 3 did not run");
        assert_eq!(
            describe_progress(4, 7),
            "statements 1-3 ran and stay applied (MySQL DDL is not transactional); statements 5-7 did not run"
        );
    }
}
