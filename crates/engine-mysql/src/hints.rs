//! The execution hints the MySQL engine plans with by default.

use schemahero_plan::PlannedStatement;
use std::time::Duration;

/// How long a DDL statement on an existing table waits for the table's metadata lock.
///
/// `ALTER TABLE`, `DROP TABLE` and `CREATE INDEX` need an exclusive metadata lock; while one
/// waits for it (behind any open transaction that used the table) every later query on the
/// table queues behind it, and `lock_wait_timeout` is a year by default. Failing after 10 s
/// (the executor retries a lock timeout with backoff) bounds that stall. No default statement
/// timeout: rebuilds and index builds may legitimately take long.
pub const DEFAULT_LOCK_TIMEOUT: Duration = Duration::from_secs(10);

/// Gives every `ALTER …`, `DROP …` and `CREATE … INDEX` the default lock timeout (unless it has
/// one). `CREATE TABLE` and seed rows get none.
pub fn with_hints(statements: Vec<PlannedStatement>) -> Vec<PlannedStatement> {
    schemahero_plan::hints::with_default_lock_timeout(statements, DEFAULT_LOCK_TIMEOUT)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alter_drop_and_index_builds_get_the_default_lock_timeout() {
        let planned = with_hints(
            [
                "CREATE TABLE `t` (\n  `a` int\n)",
                "ALTER TABLE `t` ADD COLUMN `b` int",
                "DROP TABLE `u`",
                "CREATE UNIQUE INDEX `i` ON `t` (`a`)",
                "CREATE FULLTEXT INDEX `f` ON `t` (`c`)",
                "UPDATE `t` SET `a` = 0 WHERE `a` IS NULL",
                "INSERT INTO `t` (`a`) VALUES (1) ON DUPLICATE KEY UPDATE `a` = VALUES(`a`)",
            ]
            .into_iter()
            .map(|sql| PlannedStatement::new("t", sql))
            .collect(),
        );
        let hinted: Vec<Option<u64>> = planned.iter().map(|s| s.lock_timeout_ms).collect();
        assert_eq!(hinted, [None, Some(10_000), Some(10_000), Some(10_000), Some(10_000), None, None]);
        assert!(planned.iter().all(|s| !s.outside_transaction && s.statement_timeout_ms.is_none()));
    }
}
