//! Default execution hints, the same rule for every engine that sets them: DDL that locks an
//! existing table waits for its lock at most a bounded time (each engine says how long, and
//! why, where it calls this).

use crate::PlannedStatement;
use std::time::Duration;

/// Gives every statement that locks an existing table `timeout` as its lock timeout, unless it
/// has one already.
pub fn with_default_lock_timeout(statements: Vec<PlannedStatement>, timeout: Duration) -> Vec<PlannedStatement> {
    statements
        .into_iter()
        .map(|s| if s.lock_timeout_ms.is_none() && locks_existing_table(&s.kind()) { s.with_lock_timeout(timeout) } else { s })
        .collect()
}

/// All DDL (`ALTER …`, `DROP …`, `CREATE INDEX`, `CREATE TRIGGER`, …) except `CREATE TABLE`,
/// which locks only the table it creates. Seed `INSERT`s and backfill `UPDATE`s take row locks,
/// which ordinary queries do not queue behind.
pub fn locks_existing_table(kind: &str) -> bool {
    ["ALTER ", "DROP ", "CREATE "].iter().any(|p| kind.starts_with(p)) && kind != "CREATE TABLE"
}
