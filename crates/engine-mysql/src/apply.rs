//! Applying statements. MySQL DDL is not transactional — every statement commits on its own —
//! so instead of one transaction: a named lock per database (`GET_LOCK`) keeps two appliers
//! apart, the ledger is checked under that lock before a migration runs, statements run one by
//! one, the ledger row is written after the last one, and a failure reports exactly which
//! statements ran (and stay applied) and which did not.
//!
//! Execution hints: every statement commits on its own, so `outside_transaction` changes
//! nothing here. A lock-timeout hint is the session's `lock_wait_timeout` (whole seconds,
//! rounded up, at least 1; it bounds the wait for the table's metadata lock) while that
//! statement runs. A statement-timeout hint is MariaDB's session `max_statement_time`; MySQL
//! has no such limit for DDL (`max_execution_time` covers SELECT only), so there the hint is not
//! enforced. The session's own values are restored after the last statement.

use crate::render::quote_ident;
use crate::{Flavor, MysqlEngine, MysqlError};
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
        let result = run_all(&mut conn, self.flavor(), statements).await;
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
            run_all(&mut conn, self.flavor(), statements).await?;
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

/// MySQL's and MariaDB's error number for a lock wait that ran out (`lock_wait_timeout`, or
/// `innodb_lock_wait_timeout` for row locks).
const ER_LOCK_WAIT_TIMEOUT: u16 = 1205;
/// MariaDB's error number for a statement stopped by `max_statement_time`.
const ER_STATEMENT_TIMEOUT: u16 = 1969;
/// The server cannot do an ALTER with the ALGORITHM or LOCK clause it carries (with and without
/// a reason).
const ER_ALTER_OPERATION_NOT_SUPPORTED: [u16; 2] = [1845, 1846];

async fn run_all(conn: &mut PoolConnection<sqlx::MySql>, flavor: Flavor, statements: &[PlannedStatement]) -> Result<(), MysqlError> {
    let mut session = Session::new(flavor);
    let result = run_each(conn, &mut session, statements).await;
    if let Err(e) = session.restore(conn).await {
        // A connection that may still carry the hints must not serve anyone else.
        tracing::warn!(error = %e, "restoring the session's timeouts failed; closing its connection");
        conn.close_on_drop();
    }
    result
}

async fn run_each(conn: &mut MySqlConnection, session: &mut Session, statements: &[PlannedStatement]) -> Result<(), MysqlError> {
    for (i, statement) in statements.iter().enumerate() {
        let failed = |e: sqlx::Error| apply_error(i, statements.len(), statement, e);
        session.set_for(conn, statement).await.map_err(failed)?;
        let run = sqlx::raw_sql(sqlx::AssertSqlSafe(statement.sql.clone())).execute(&mut *conn);
        let error_code = |e: &sqlx::Error| e.as_database_error().and_then(|d| d.code()).map(|c| c.into_owned());
        schemahero_observe::statement::traced(i + 1, &statement.kind(), &statement.table, run, |d| d.rows_affected(), error_code)
            .await
            .map_err(failed)?;
    }
    Ok(())
}

/// The error of statement `i` (0-based) of `total`: a timeout hint that fired says so.
fn apply_error(i: usize, total: usize, statement: &PlannedStatement, e: sqlx::Error) -> MysqlError {
    let (index, progress) = (i + 1, describe_progress(i + 1, total));
    let number = e.as_database_error().and_then(|d| d.try_downcast_ref::<sqlx::mysql::MySqlDatabaseError>()).map(|d| d.number());
    let what = format!("({})", statement.summary());
    match number {
        Some(ER_LOCK_WAIT_TIMEOUT) => {
            let after = match statement.lock_timeout_ms {
                Some(ms) => format!("after its lock timeout hint of {ms} ms ({} s lock_wait_timeout)", lock_wait_seconds(ms)),
                None => "after the server's lock wait timeout".to_string(),
            };
            MysqlError::LockTimeout {
                index,
                total,
                statement: statement.sql.clone(),
                timeout_ms: statement.lock_timeout_ms,
                message: format!(
                    "{what} gave up waiting for a lock {after}: another session holds the table's metadata lock \
                     (an open transaction that used the table, or LOCK TABLES) ({e}); it did not run and can be retried \
                     once that lock is released"
                ),
                progress,
            }
        }
        Some(ER_STATEMENT_TIMEOUT) if statement.statement_timeout_ms.is_some() => MysqlError::StatementTimeout {
            index,
            total,
            statement: statement.sql.clone(),
            timeout_ms: statement.statement_timeout_ms,
            message: format!(
                "{what} was stopped after running longer than its statement timeout hint of {} ms (max_statement_time) ({e})",
                statement.statement_timeout_ms.unwrap_or_default()
            ),
            progress,
        },
        Some(n) if ER_ALTER_OPERATION_NOT_SUPPORTED.contains(&n) => MysqlError::Apply {
            index,
            total,
            statement: statement.sql.clone(),
            message: format!(
                "{e}: the server cannot make this change the online way the plan asked for (its ALGORITHM/LOCK clause), \
                 so it refused rather than copy the table while writes block; the statement did not run. Without the \
                 clause the server would copy the table: run it so in a quiet hour if that is acceptable"
            ),
            progress,
            connection_lost: false,
        },
        _ => MysqlError::Apply {
            index,
            total,
            statement: statement.sql.clone(),
            message: e.to_string(),
            progress,
            connection_lost: matches!(e, sqlx::Error::Io(_) | sqlx::Error::Tls(_) | sqlx::Error::Protocol(_)),
        },
    }
}

/// `lock_wait_timeout` takes whole seconds (at least 1 on MySQL): a hint rounds up.
fn lock_wait_seconds(ms: u64) -> u64 {
    ms.div_ceil(1000).max(1)
}

/// MariaDB's `max_statement_time` takes seconds with a fraction.
fn statement_seconds(ms: u64) -> String {
    format!("{}.{:03}", ms / 1000, ms % 1000)
}

/// The session variables the hints set: their values before the first hint (read then), and
/// now. None: not read yet, or (MySQL) no such variable.
struct Session {
    flavor: Flavor,
    original: Option<(String, Option<String>)>,
    current: Option<(String, Option<String>)>,
}

impl Session {
    fn new(flavor: Flavor) -> Self {
        Session { flavor, original: None, current: None }
    }

    /// Sets the session for `statement`: its hints, or the original values where it has none.
    async fn set_for(&mut self, conn: &mut MySqlConnection, statement: &PlannedStatement) -> Result<(), sqlx::Error> {
        if self.original.is_none() {
            if !statement.has_hints() {
                return Ok(()); // nothing set yet, nothing to set
            }
            self.original = Some(self.read(conn).await?);
            self.current = self.original.clone();
        }
        let Some((lock, statement_time)) = self.original.clone() else { return Ok(()) };
        let lock = statement.lock_timeout_ms.map_or(lock, |ms| lock_wait_seconds(ms).to_string());
        let statement_time = match (self.flavor, statement.statement_timeout_ms) {
            (Flavor::MariaDb, Some(ms)) => Some(statement_seconds(ms)),
            (Flavor::Mysql, Some(_)) => {
                tracing::debug!(statement = %statement.kind(), "MySQL cannot limit the time of a DDL statement: the statement timeout hint is not enforced");
                statement_time
            }
            (_, None) => statement_time,
        };
        self.set(conn, (lock, statement_time)).await
    }

    /// Puts back the values the session had before the first hint.
    async fn restore(&mut self, conn: &mut MySqlConnection) -> Result<(), sqlx::Error> {
        match self.original.clone() {
            Some(original) => self.set(conn, original).await,
            None => Ok(()),
        }
    }

    async fn read(&self, conn: &mut MySqlConnection) -> Result<(String, Option<String>), sqlx::Error> {
        Ok(match self.flavor {
            Flavor::MariaDb => {
                let (lock, time): (String, String) =
                    sqlx::query_as("SELECT CAST(@@SESSION.lock_wait_timeout AS CHAR), CAST(@@SESSION.max_statement_time AS CHAR)")
                        .fetch_one(conn)
                        .await?;
                (lock, Some(time))
            }
            Flavor::Mysql => {
                let (lock,): (String,) = sqlx::query_as("SELECT CAST(@@SESSION.lock_wait_timeout AS CHAR)").fetch_one(conn).await?;
                (lock, None)
            }
        })
    }

    /// One `SET SESSION` of what differs from now. The values are numbers this module made
    /// or the server reported.
    async fn set(&mut self, conn: &mut MySqlConnection, wanted: (String, Option<String>)) -> Result<(), sqlx::Error> {
        let Some(current) = &self.current else { return Ok(()) };
        let mut assignments = Vec::new();
        if current.0 != wanted.0 {
            assignments.push(format!("SESSION lock_wait_timeout = {}", numeric(&wanted.0)?));
        }
        if let Some(time) = &wanted.1
            && current.1.as_ref() != Some(time)
        {
            assignments.push(format!("SESSION max_statement_time = {}", numeric(time)?));
        }
        if !assignments.is_empty() {
            sqlx::raw_sql(sqlx::AssertSqlSafe(format!("SET {}", assignments.join(", ")))).execute(conn).await?;
            self.current = Some(wanted);
        }
        Ok(())
    }
}

/// A value written into `SET`: digits and at most one '.', nothing else.
fn numeric(value: &str) -> Result<&str, sqlx::Error> {
    let ok = !value.is_empty() && value.chars().all(|c| c.is_ascii_digit() || c == '.') && value.matches('.').count() <= 1;
    if ok { Ok(value) } else { Err(sqlx::Error::Protocol(format!("unexpected session timeout value {value:?}"))) }
}

#[cfg(test)]
mod tests {
    use super::{describe_progress, lock_wait_seconds, numeric, statement_seconds};

    #[test]
    fn hints_become_the_units_the_server_takes() {
        assert_eq!(lock_wait_seconds(200), 1, "rounded up, at least 1 s");
        assert_eq!(lock_wait_seconds(10_000), 10);
        assert_eq!(lock_wait_seconds(10_001), 11);
        assert_eq!(statement_seconds(250), "0.250");
        assert_eq!(statement_seconds(61_005), "61.005");
        assert!(numeric("31536000").is_ok() && numeric("0.000000").is_ok());
        assert!(numeric("1; DROP TABLE t").is_err() && numeric("").is_err());
    }

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
