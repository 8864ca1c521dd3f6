//! The execution hints the Postgres engine plans with by default.

use schemahero_plan::PlannedStatement;
use std::time::Duration;

/// How long a DDL statement on an existing table waits for its lock before it fails.
///
/// `ALTER TABLE`, `DROP …`, `CREATE INDEX`, `CREATE TRIGGER` take an ACCESS EXCLUSIVE or SHARE
/// lock. Queued behind a long transaction, such a statement holds up every later query on the
/// table — reads included — for as long as it waits: a migration would stall the application.
/// Failing after 10 s instead (the executor retries a lock timeout with backoff) bounds that
/// stall; a lock that frees within 10 s costs nothing. There is no general statement timeout:
/// index builds and table rewrites may legitimately take long, and they are reviewed hazards
/// (only the catalog-only online steps get one, [`CATALOG_ONLY_STATEMENT_TIMEOUT`]).
pub const DEFAULT_LOCK_TIMEOUT: Duration = Duration::from_secs(10);

/// The statement timeout of the statements that take a strong lock only to change the catalog:
/// adding a constraint `NOT VALID`, `SET NOT NULL` proven by a validated check, dropping that
/// check (see `online`). Their lock wait is already bounded by the lock timeout, and the change
/// itself takes milliseconds: the timeout is the default lock timeout plus 5 s. Should such a
/// statement scan the table after all (a server older than 12 does not prove NOT NULL from a
/// check), it is cancelled then rather than block every query on the table for the length of a
/// scan. Index builds and validations get none: they take as long as the table is large, and
/// block no writes meanwhile.
pub const CATALOG_ONLY_STATEMENT_TIMEOUT: Duration = Duration::from_secs(DEFAULT_LOCK_TIMEOUT.as_secs() + 5);

/// Gives every statement that locks an existing table the default lock timeout (unless it has
/// one): all DDL except `CREATE TABLE`, which locks only the table it creates. Seed `INSERT`s
/// and backfill `UPDATE`s take ROW EXCLUSIVE, which ordinary queries do not queue behind.
pub fn with_hints(statements: Vec<PlannedStatement>) -> Vec<PlannedStatement> {
    schemahero_plan::hints::with_default_lock_timeout(statements, DEFAULT_LOCK_TIMEOUT)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ddl_on_existing_tables_gets_the_default_lock_timeout() {
        let planned = with_hints(
            [
                "CREATE TABLE \"t\" (\n  \"a\" integer\n)",
                "ALTER TABLE \"t\" ADD COLUMN \"b\" integer",
                "DROP TABLE \"u\"",
                "CREATE UNIQUE INDEX \"i\" ON \"t\" (\"a\")",
                "DROP INDEX \"i\"",
                "CREATE TRIGGER \"tr\" BEFORE INSERT ON \"t\" FOR EACH ROW EXECUTE PROCEDURE f()",
                "UPDATE \"t\" SET \"a\" = 0 WHERE \"a\" IS NULL",
                "INSERT INTO \"t\" (\"a\") VALUES (1) ON CONFLICT (\"a\") DO NOTHING",
            ]
            .into_iter()
            .map(|sql| PlannedStatement::new("public.t", sql))
            .collect(),
        );
        let hinted: Vec<Option<u64>> = planned.iter().map(|s| s.lock_timeout_ms).collect();
        assert_eq!(hinted, [None, Some(10_000), Some(10_000), Some(10_000), Some(10_000), Some(10_000), None, None]);
        assert!(planned.iter().all(|s| !s.outside_transaction && s.statement_timeout_ms.is_none()), "no other default");
    }

    #[test]
    fn a_hint_already_set_is_kept() {
        let s = PlannedStatement::new("public.t", "ALTER TABLE \"t\" DROP COLUMN \"a\"").with_lock_timeout(Duration::from_millis(500));
        assert_eq!(with_hints(vec![s])[0].lock_timeout_ms, Some(500));
    }
}
