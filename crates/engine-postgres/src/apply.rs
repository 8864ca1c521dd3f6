//! Applying statements with their execution hints.
//!
//! Statements run in order in one transaction (Postgres DDL is transactional), except a
//! statement marked `outside_transaction`: what came before it is committed, it runs on its own
//! (`CREATE INDEX CONCURRENTLY` refuses to run in a transaction block), and a new transaction
//! takes the statements after it. Timeout hints become `SET LOCAL lock_timeout` /
//! `statement_timeout` inside a transaction (issued only when the value changes from the
//! statement before, `DEFAULT` for a statement without the hint), and a plain `SET` … `RESET`
//! around a statement outside one, so the pooled connection never keeps them.

use crate::{PostgresError, connection_lost, error_code};
use schemahero_plan::{PlannedStatement, execution};
use sqlx::pool::PoolConnection;
use sqlx::{Connection, PgPool, Postgres};

/// SQLSTATE of a lock wait cut short by `lock_timeout` (also `NOWAIT`): lock_not_available.
const LOCK_NOT_AVAILABLE: &str = "55P03";
/// SQLSTATE of a cancelled statement (`statement_timeout`, or `pg_cancel_backend`).
const QUERY_CANCELED: &str = "57014";

/// The two timeouts of a statement, in milliseconds (None: the session's own setting).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Timeouts {
    lock_ms: Option<u64>,
    statement_ms: Option<u64>,
}

impl Timeouts {
    fn of(s: &PlannedStatement) -> Self {
        Timeouts { lock_ms: s.lock_timeout_ms, statement_ms: s.statement_timeout_ms }
    }

    fn is_none(&self) -> bool {
        *self == Timeouts::default()
    }

    /// The `SET LOCAL`s that take a transaction from `self` to `next` ("" when nothing changes).
    fn set_local(&self, next: &Timeouts) -> String {
        let mut sql = Vec::new();
        for (name, from, to) in [("lock_timeout", self.lock_ms, next.lock_ms), ("statement_timeout", self.statement_ms, next.statement_ms)]
        {
            if from != to {
                sql.push(match to {
                    Some(ms) => format!("SET LOCAL {name} = {}", value(ms)),
                    // Back to what the session had before any SET: the server's, role's or
                    // connection's own setting.
                    None => format!("SET LOCAL {name} = DEFAULT"),
                });
            }
        }
        sql.join("; ")
    }

    /// The session `SET`s for a statement outside a transaction, and the `RESET`s that undo
    /// them.
    fn set_and_reset(&self) -> (String, String) {
        let (mut set, mut reset) = (Vec::new(), Vec::new());
        for (name, ms) in [("lock_timeout", self.lock_ms), ("statement_timeout", self.statement_ms)] {
            if let Some(ms) = ms {
                set.push(format!("SET {name} = {}", value(ms)));
                reset.push(format!("RESET {name}"));
            }
        }
        (set.join("; "), reset.join("; "))
    }
}

/// A timeout as Postgres takes it; both settings are capped at INT_MAX milliseconds.
fn value(ms: u64) -> String {
    format!("'{}ms'", ms.min(i32::MAX as u64))
}

/// Runs `statements` (see the module comment). Names the failing statement, why it failed
/// (a timeout hint says so) and what of the plan stays applied.
pub(crate) async fn apply(pool: &PgPool, statements: &[PlannedStatement]) -> Result<(), PostgresError> {
    // Statements read from a script carry no hints: one Postgres runs only outside a
    // transaction block (`CREATE INDEX CONCURRENTLY`), or that should run on its own
    // (`VALIDATE CONSTRAINT`), still does (see `online::runs_alone`); an enum value a script
    // adds must still be committed before later statements use it (see `enums`).
    let statements: Vec<PlannedStatement> = statements
        .iter()
        .map(|s| {
            if !s.outside_transaction && (crate::online::runs_alone(&s.sql) || adds_enum_value(&s.sql)) {
                s.clone().outside_transaction()
            } else {
                s.clone()
            }
        })
        .collect();
    let statements = statements.as_slice();
    let mut conn = pool.acquire().await?;
    for group in execution::groups(statements) {
        if group.outside_transaction {
            run_outside(&mut conn, statements, group.statements.start).await?;
        } else {
            run_group(&mut conn, statements, group.statements.start, group.statements.end).await?;
        }
    }
    Ok(())
}

/// `ALTER TYPE … ADD VALUE …`, which Postgres before 12 refuses in a transaction and whose
/// value no statement of the same transaction may use from 12 on.
fn adds_enum_value(sql: &str) -> bool {
    let words: Vec<String> = sql.split_whitespace().take(8).map(str::to_ascii_uppercase).collect();
    words.len() > 4 && words[0] == "ALTER" && words[1] == "TYPE" && words.windows(2).any(|w| w[0] == "ADD" && w[1] == "VALUE")
}

/// Statements `start..end` in one transaction; `start` statements were committed before.
async fn run_group(
    conn: &mut PoolConnection<Postgres>,
    statements: &[PlannedStatement],
    start: usize,
    end: usize,
) -> Result<(), PostgresError> {
    let mut tx = conn.begin().await?;
    let mut current = Timeouts::default();
    for (i, statement) in statements.iter().enumerate().take(end).skip(start) {
        let wanted = Timeouts::of(statement);
        let set = current.set_local(&wanted);
        if !set.is_empty() {
            sqlx::raw_sql(sqlx::AssertSqlSafe(set)).execute(&mut *tx).await.map_err(|e| apply_error(i, statement, e, start))?;
            current = wanted;
        }
        run(&mut tx, i, statement).await.map_err(|e| apply_error(i, statement, e, start))?;
    }
    tx.commit().await?;
    Ok(())
}

/// Statement `i` on its own, outside any transaction, with its timeouts set for the session
/// and reset afterwards, whatever happened.
async fn run_outside(conn: &mut PoolConnection<Postgres>, statements: &[PlannedStatement], i: usize) -> Result<(), PostgresError> {
    let statement = &statements[i];
    let timeouts = Timeouts::of(statement);
    let (set, reset) = timeouts.set_and_reset();
    if !timeouts.is_none() {
        sqlx::raw_sql(sqlx::AssertSqlSafe(set)).execute(&mut **conn).await.map_err(|e| apply_error(i, statement, e, i))?;
    }
    let result = run(conn, i, statement).await;
    if !timeouts.is_none()
        && let Err(e) = sqlx::raw_sql(sqlx::AssertSqlSafe(reset)).execute(&mut **conn).await
    {
        // A connection that may still carry the timeouts must not serve anyone else.
        tracing::warn!(error = %e, "resetting the statement's timeouts failed; closing its connection");
        conn.close_on_drop();
    }
    result.map_err(|e| apply_error(i, statement, e, i))?;
    Ok(())
}

async fn run(conn: &mut sqlx::PgConnection, i: usize, statement: &PlannedStatement) -> Result<(), sqlx::Error> {
    let query = sqlx::raw_sql(sqlx::AssertSqlSafe(statement.sql.clone())).execute(conn);
    schemahero_observe::statement::traced(i + 1, &statement.kind(), &statement.table, query, |d| d.rows_affected(), error_code).await?;
    Ok(())
}

/// The error for statement `i` (0-based) failing with `e`, when the first `committed`
/// statements of the plan were committed before it.
fn apply_error(i: usize, statement: &PlannedStatement, e: sqlx::Error, committed: usize) -> PostgresError {
    let index = i + 1;
    let outcome = execution::outcome(committed, statement.outside_transaction);
    let server = e.as_database_error().map(|d| d.message().to_string()).unwrap_or_else(|| e.to_string());
    let what = format!("({})", statement.summary());
    match error_code(&e).as_deref() {
        Some(LOCK_NOT_AVAILABLE) => {
            let after = execution::lock_wait(statement, "the server's lock_timeout");
            PostgresError::LockTimeout {
                index,
                statement: statement.sql.clone(),
                timeout_ms: statement.lock_timeout_ms,
                message: format!(
                    "{what} gave up waiting for a lock {after}: another session holds a conflicting lock on the table \
                     (SQLSTATE 55P03 lock_not_available: {server}); {outcome}; it can be retried once that lock is released"
                ),
            }
        }
        Some(QUERY_CANCELED) if statement.statement_timeout_ms.is_some() => PostgresError::StatementTimeout {
            index,
            statement: statement.sql.clone(),
            timeout_ms: statement.statement_timeout_ms,
            message: format!(
                "{what} was cancelled after running longer than its statement timeout hint of {} ms \
                 (SQLSTATE 57014 query_canceled: {server}); {outcome}",
                statement.statement_timeout_ms.unwrap_or_default()
            ),
        },
        _ => PostgresError::Apply {
            index,
            statement: statement.sql.clone(),
            message: format!("{e}; {outcome}"),
            connection_lost: connection_lost(&e),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn set_local_only_when_the_value_changes_and_back_to_default_without_a_hint() {
        let none = Timeouts::default();
        let lock = Timeouts { lock_ms: Some(10_000), statement_ms: None };
        let both = Timeouts { lock_ms: Some(200), statement_ms: Some(5_000) };
        assert_eq!(none.set_local(&lock), "SET LOCAL lock_timeout = '10000ms'");
        assert_eq!(lock.set_local(&lock), "");
        assert_eq!(lock.set_local(&both), "SET LOCAL lock_timeout = '200ms'; SET LOCAL statement_timeout = '5000ms'");
        assert_eq!(both.set_local(&none), "SET LOCAL lock_timeout = DEFAULT; SET LOCAL statement_timeout = DEFAULT");
        assert_eq!(value(u64::MAX), "'2147483647ms'");
    }

    #[test]
    fn enum_values_added_by_a_script_run_outside_the_transaction() {
        assert!(adds_enum_value("ALTER TYPE \"mood\" ADD VALUE IF NOT EXISTS 'x' AFTER 'y'"));
        assert!(adds_enum_value("alter type app.mood add value 'x'"));
        assert!(!adds_enum_value("ALTER TYPE mood RENAME VALUE 'a' TO 'b'"));
        assert!(!adds_enum_value("ALTER TABLE t ADD COLUMN value text"));
    }

    #[test]
    fn outside_a_transaction_the_session_is_set_and_reset() {
        let s = PlannedStatement::new("t", "VACUUM t").outside_transaction().with_lock_timeout(Duration::from_millis(300));
        assert_eq!(Timeouts::of(&s).set_and_reset(), ("SET lock_timeout = '300ms'".to_string(), "RESET lock_timeout".to_string()));
    }
}
