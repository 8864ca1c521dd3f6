//! How many rows a destructive statement takes with it, as its DELETES_DATA hazard says.
//!
//! Engines read the catalog's estimate (Postgres `pg_class.reltuples`, MySQL
//! `information_schema.TABLES.TABLE_ROWS`, SQLite `sqlite_stat1`). A large estimate is shown as
//! it is; a missing or small one is replaced by an exact count that stops at
//! [`COUNT_LIMIT`] rows, so the cost of counting is bounded and a small table's plan is the same
//! every time (acceptance cases compare plans byte for byte; an estimate of a small table moves
//! with every ANALYZE). Only hazard messages carry the figure: the planner compares plans by
//! their SQL, so a changed estimate never makes a new plan.

use crate::{HazardKind, PlannedStatement};

/// Estimates from this many rows up are shown as estimates; below it, the rows are counted.
pub const ESTIMATE_FROM: u64 = 10_000;

/// The bounded count reads at most this many rows: one more than [`ESTIMATE_FROM`] tells "at
/// least that many" apart from an exact figure.
pub const COUNT_LIMIT: u64 = ESTIMATE_FROM + 1;

/// The rows a statement affects, as far as planning knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowCount {
    /// Counted exactly.
    Exact(u64),
    /// The catalog's statistics say about this many.
    Estimate(u64),
    /// The statistics were missing or small, and counting stopped at the limit.
    AtLeast(u64),
}

impl RowCount {
    /// Whether the catalog's `estimate` (None when the table was never analyzed) is large enough
    /// to show as it is. Otherwise the caller counts with [`bounded_count_sql`] and passes the
    /// result to [`RowCount::counted`].
    pub fn from_estimate(estimate: Option<f64>) -> Option<RowCount> {
        match estimate {
            Some(e) if e.is_finite() && e >= ESTIMATE_FROM as f64 => Some(RowCount::Estimate(e.round() as u64)),
            _ => None,
        }
    }

    /// The result of the bounded count.
    pub fn counted(rows: i64) -> RowCount {
        let rows = u64::try_from(rows).unwrap_or(0);
        if rows > ESTIMATE_FROM { RowCount::AtLeast(ESTIMATE_FROM) } else { RowCount::Exact(rows) }
    }
}

impl std::fmt::Display for RowCount {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match *self {
            RowCount::Exact(1) => f.write_str("1 row"),
            RowCount::Exact(n) => write!(f, "{} rows", thousands(n)),
            RowCount::Estimate(n) => write!(f, "about {} rows, estimated from statistics", approximate(n)),
            RowCount::AtLeast(n) => write!(f, "more than {} rows; statistics missing or stale", thousands(n)),
        }
    }
}

/// `SELECT count(*)` that reads at most [`COUNT_LIMIT`] rows of `table_sql` (an already quoted
/// table name); the same text works on Postgres, MySQL/MariaDB and SQLite.
pub fn bounded_count_sql(table_sql: &str) -> String {
    format!("SELECT count(*) FROM (SELECT 1 FROM {table_sql} LIMIT {COUNT_LIMIT}) AS bounded")
}

/// Appends the row count to every DELETES_DATA hazard of the statements on `table` (the
/// statement's `table` as the engine set it).
pub fn annotate(statements: &mut [PlannedStatement], table: &str, rows: RowCount) {
    for statement in statements.iter_mut().filter(|s| s.table == table) {
        for hazard in statement.hazards.iter_mut().filter(|h| h.kind == HazardKind::DeletesData) {
            hazard.message = format!("{} ({rows})", hazard.message);
        }
    }
}

/// 1234567 → "1,234,567".
fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Two significant digits with a k/M/G suffix: 200000 → "200k", 1234567 → "1.2M".
fn approximate(n: u64) -> String {
    let (value, suffix) = match n {
        0..1_000 => return n.to_string(),
        1_000..1_000_000 => (n as f64 / 1e3, "k"),
        1_000_000..1_000_000_000 => (n as f64 / 1e6, "M"),
        _ => (n as f64 / 1e9, "G"),
    };
    let digits = if value >= 10.0 { 0 } else { 1 };
    let rounded = format!("{value:.digits$}");
    // 999.6k rounds to "1000k": say 1.0M instead.
    if rounded == "1000" && suffix != "G" {
        return format!("1.0{}", if suffix == "k" { "M" } else { "G" });
    }
    format!("{rounded}{suffix}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_or_missing_estimates_are_counted_large_ones_shown() {
        assert_eq!(RowCount::from_estimate(None), None);
        assert_eq!(RowCount::from_estimate(Some(-1.0)), None);
        assert_eq!(RowCount::from_estimate(Some(9_999.0)), None);
        assert_eq!(RowCount::from_estimate(Some(1_234_567.0)), Some(RowCount::Estimate(1_234_567)));
        assert_eq!(RowCount::counted(2), RowCount::Exact(2));
        assert_eq!(RowCount::counted(10_000), RowCount::Exact(10_000));
        assert_eq!(RowCount::counted(10_001), RowCount::AtLeast(10_000));
    }

    #[test]
    fn counts_read_as_a_reviewer_expects() {
        assert_eq!(RowCount::Exact(0).to_string(), "0 rows");
        assert_eq!(RowCount::Exact(1).to_string(), "1 row");
        assert_eq!(RowCount::Exact(9_999).to_string(), "9,999 rows");
        assert_eq!(RowCount::Estimate(1_234_567).to_string(), "about 1.2M rows, estimated from statistics");
        assert_eq!(RowCount::Estimate(200_000).to_string(), "about 200k rows, estimated from statistics");
        assert_eq!(RowCount::Estimate(15_300).to_string(), "about 15k rows, estimated from statistics");
        assert_eq!(RowCount::Estimate(999_700).to_string(), "about 1.0M rows, estimated from statistics");
        assert_eq!(RowCount::Estimate(3_400_000_000).to_string(), "about 3.4G rows, estimated from statistics");
        assert_eq!(RowCount::AtLeast(10_000).to_string(), "more than 10,000 rows; statistics missing or stale");
    }

    #[test]
    fn only_deletes_data_hazards_of_the_table_get_the_count() {
        let mut statements = vec![
            PlannedStatement::new("t", "ALTER TABLE t DROP COLUMN a")
                .with_hazard(HazardKind::DeletesData, "drops column a and its data")
                .with_hazard(HazardKind::TableRewrite, "copies"),
            PlannedStatement::new("u", "DROP TABLE u").with_hazard(HazardKind::DeletesData, "drops table u and all its rows"),
        ];
        annotate(&mut statements, "t", RowCount::Exact(2));
        assert_eq!(statements[0].hazards[0].message, "drops column a and its data (2 rows)");
        assert_eq!(statements[0].hazards[1].message, "copies");
        assert_eq!(statements[1].hazards[0].message, "drops table u and all its rows");
        assert_eq!(bounded_count_sql("`t`"), "SELECT count(*) FROM (SELECT 1 FROM `t` LIMIT 10001) AS bounded");
    }
}
