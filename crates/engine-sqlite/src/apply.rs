//! Applying statements with their execution hints.
//!
//! Statements run in one transaction, foreign keys are checked before it commits; a statement
//! marked `outside_transaction` (`VACUUM` refuses to run in one) commits what came before it
//! and runs on its own, and a new transaction takes the statements after it. A lock-timeout
//! hint is the connection's `busy_timeout` while that statement runs (how long SQLite retries
//! a database another connection has locked). SQLite has no statement timeout: that hint is
//! not enforced.

use crate::SqliteError;
use schemahero_plan::{PlannedStatement, execution};
use sqlx::{Connection, SqliteConnection};

/// Extended result codes whose primary code is SQLITE_BUSY (5): another connection holds the
/// lock this statement needs, and the busy timeout ran out.
fn is_busy(e: &sqlx::Error) -> bool {
    e.as_database_error().and_then(|d| d.code()).and_then(|c| c.parse::<i32>().ok()).is_some_and(|c| c & 0xff == 5)
}

pub(crate) async fn apply(conn: &mut SqliteConnection, statements: &[PlannedStatement]) -> Result<(), SqliteError> {
    let (default_busy_ms,): (i64,) = sqlx::query_as("PRAGMA busy_timeout").fetch_one(&mut *conn).await?;
    let mut busy = Busy { default_ms: default_busy_ms, current_ms: default_busy_ms };
    let result = run_all(conn, statements, &mut busy).await;
    // The connection is pooled: it goes back with its own busy timeout, whatever happened (the
    // statement's failure, if any, is the one reported).
    let restored = busy.set(conn, None).await.map_err(SqliteError::from);
    result.and(restored)
}

async fn run_all(conn: &mut SqliteConnection, statements: &[PlannedStatement], busy: &mut Busy) -> Result<(), SqliteError> {
    for group in execution::groups(statements) {
        let start = group.statements.start;
        if group.outside_transaction {
            run(conn, start, &statements[start], busy, start).await?;
        } else {
            let mut tx = conn.begin().await?;
            for (i, statement) in statements.iter().enumerate().take(group.statements.end).skip(start) {
                run(&mut tx, i, statement, busy, start).await?;
            }
            let violations: Vec<(String,)> = sqlx::query_as("SELECT \"table\" FROM pragma_foreign_key_check").fetch_all(&mut *tx).await?;
            if let Some((first,)) = violations.first() {
                return Err(SqliteError::ForeignKeys(violations.len(), first.clone()));
            }
            tx.commit().await?;
        }
    }
    Ok(())
}

/// The connection's busy timeout: its own, and the one set now.
struct Busy {
    default_ms: i64,
    current_ms: i64,
}

impl Busy {
    /// Sets the busy timeout to `ms` (the connection's own for None), if it is not already.
    async fn set(&mut self, conn: &mut SqliteConnection, ms: Option<u64>) -> Result<(), sqlx::Error> {
        let wanted = ms.map_or(self.default_ms, |ms| i64::try_from(ms).unwrap_or(i64::from(i32::MAX)).min(i64::from(i32::MAX)));
        if wanted != self.current_ms {
            sqlx::raw_sql(sqlx::AssertSqlSafe(format!("PRAGMA busy_timeout = {wanted}"))).execute(&mut *conn).await?;
            self.current_ms = wanted;
        }
        Ok(())
    }
}

/// Runs statement `i` (0-based); the first `committed` statements of the plan were committed
/// before it.
async fn run(
    conn: &mut SqliteConnection,
    i: usize,
    statement: &PlannedStatement,
    busy: &mut Busy,
    committed: usize,
) -> Result<(), SqliteError> {
    let failed = |e: sqlx::Error| {
        if is_busy(&e) {
            let after = execution::lock_wait(statement, "the connection's busy timeout");
            SqliteError::LockTimeout {
                index: i + 1,
                statement: statement.sql.clone(),
                message: format!(
                    "({}) gave up waiting {after}: another connection holds a lock on the database ({e}); {}",
                    statement.summary(),
                    execution::outcome(committed, statement.outside_transaction)
                ),
            }
        } else {
            let message = if committed == 0 && !statement.outside_transaction {
                e.to_string()
            } else {
                format!("{e}; {}", execution::outcome(committed, statement.outside_transaction))
            };
            SqliteError::Apply { index: i + 1, statement: statement.sql.clone(), message }
        }
    };
    busy.set(conn, statement.lock_timeout_ms).await.map_err(failed)?;
    let query = sqlx::raw_sql(sqlx::AssertSqlSafe(statement.sql.clone())).execute(&mut *conn);
    let error_code = |e: &sqlx::Error| e.as_database_error().and_then(|d| d.code()).map(|c| c.into_owned());
    schemahero_observe::statement::traced(i + 1, &statement.kind(), &statement.table, query, |d| d.rows_affected(), error_code)
        .await
        .map_err(failed)?;
    Ok(())
}
