//! How every engine runs a plan's statements, apart from the SQL it sends: which statements
//! share a transaction, and what a failure says stays applied.

use crate::PlannedStatement;
use std::ops::Range;

/// A run of statements applied together: one transaction, or one statement on its own outside
/// any (`outside_transaction`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Group {
    pub statements: Range<usize>,
    pub outside_transaction: bool,
}

/// The plan cut at its `outside_transaction` statements: each of those alone, the statements
/// between them in one transaction each, in order.
pub fn groups(statements: &[PlannedStatement]) -> Vec<Group> {
    let mut out = Vec::new();
    let mut start = 0;
    while start < statements.len() {
        if statements[start].outside_transaction {
            out.push(Group { statements: start..start + 1, outside_transaction: true });
            start += 1;
        } else {
            let end = statements[start..].iter().position(|s| s.outside_transaction).map_or(statements.len(), |p| start + p);
            out.push(Group { statements: start..end, outside_transaction: false });
            start = end;
        }
    }
    out
}

/// What of the plan stays applied when a statement fails after the first `committed`
/// statements were committed (by statements outside the transaction; 0 otherwise), `outside`
/// telling whether the failing statement itself ran outside a transaction.
pub fn outcome(committed: usize, outside: bool) -> String {
    let before = match committed {
        0 => String::new(),
        1 => "statement 1 was committed before it and stays applied".to_string(),
        n => format!("statements 1-{n} were committed before it and stay applied"),
    };
    match (committed, outside) {
        (0, false) => "nothing of the plan was applied (its transaction rolled back)".to_string(),
        (_, false) => format!("{before} (a statement outside the transaction came first); the statements since were rolled back"),
        (0, true) => {
            "it ran outside a transaction, so what it did before failing is not rolled back; no statement before it was applied".to_string()
        }
        (_, true) => format!("it ran outside a transaction, so what it did before failing is not rolled back; {before}"),
    }
}

/// How long the statement waited for its lock before giving up, as an error says it: its hint,
/// or `otherwise` (the server's or connection's own setting).
pub fn lock_wait(statement: &PlannedStatement, otherwise: &str) -> String {
    match statement.lock_timeout_ms {
        Some(ms) => format!("after its lock timeout hint of {ms} ms"),
        None => format!("after {otherwise}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statements_outside_a_transaction_cut_the_plan() {
        let s = |sql: &str| PlannedStatement::new("t", sql);
        let plan = [
            s("CREATE TABLE a (x int)"),
            s("CREATE INDEX CONCURRENTLY i ON a (x)").outside_transaction(),
            s("ALTER TABLE a ADD y int"),
            s("DROP TABLE b"),
        ];
        let cut: Vec<(Range<usize>, bool)> = groups(&plan).into_iter().map(|g| (g.statements, g.outside_transaction)).collect();
        assert_eq!(cut, [(0..1, false), (1..2, true), (2..4, false)]);
        assert!(groups(&[]).is_empty());
        assert_eq!(groups(&plan[2..]).len(), 1);
    }

    #[test]
    fn the_outcome_says_what_stays_applied() {
        assert_eq!(outcome(0, false), "nothing of the plan was applied (its transaction rolled back)");
        assert_eq!(
            outcome(3, false),
            "statements 1-3 were committed before it and stay applied (a statement outside the transaction came first); \
             the statements since were rolled back"
        );
        assert!(outcome(1, true).ends_with("statement 1 was committed before it and stays applied"));
    }
}
