//! The plan: what a planner hands to `apply` or to an executor.
//!
//! A plan is an ordered list of statements. Each statement carries the table it belongs to and
//! the hazards a reviewer should know about before approving it (pg-schema-diff style), and the
//! plan carries the fingerprint of the live schema it was computed against, so an executor can
//! refuse to run a plan whose premises have changed.

pub mod canonical;
pub mod cases;
pub mod execution;
mod hazard;
pub mod hints;
pub mod policy;
pub mod rows;
pub mod seed;
mod split;

pub use hazard::{Hazard, HazardKind};
pub use split::{SplitDialect, SplitError, split_statements, split_statements_for};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::time::Duration;

/// One DDL (or seed-data) statement, without its terminating `;`: the one statement type from
/// the engines to the planner's store, the wire (`schemahero.v1.Statement`), the Migration
/// resource and the CLI, hazards kept as [`HazardKind`] and execution hints (how to run it)
/// carried unchanged all the way.
// The hints are how the engine that planned a statement tells the one that applies it how to
// run it. Each is left out of the serialized form when unset: statements stored or sent before
// hints existed read back without hints, and a statement without hints serializes exactly as
// before (stored JSON, Migration resources). camelCase, as Kubernetes spells fields, renames
// none of the one-word fields that existed before.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct PlannedStatement {
    /// Qualified name of the table the statement belongs to (for display and grouping).
    pub table: String,
    pub sql: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub hazards: Vec<Hazard>,
    /// What the statement does (`CREATE TABLE`, `ALTER TABLE`, `INSERT`, …), for traces and
    /// metrics; set when the statement is made, so nothing downstream re-reads the SQL.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub kind: String,
    /// Runs on its own, outside the transaction the other statements share (for statements that
    /// refuse to run in one: `CREATE INDEX CONCURRENTLY`, `VACUUM`); what ran before it is
    /// committed first, so the plan is no longer all-or-nothing.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub outside_transaction: bool,
    /// Milliseconds to wait for a lock before the statement fails (and the executor retries
    /// later), instead of queueing behind a long transaction while every later query on the
    /// table queues behind it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lock_timeout_ms: Option<u64>,
    /// Milliseconds after which the running statement is cancelled. Enforced on Postgres and
    /// MariaDB; not on MySQL DDL nor SQLite, which have no such limit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub statement_timeout_ms: Option<u64>,
}

impl PlannedStatement {
    /// A statement on `table` ("" for SQL from a script: the table is then read from the SQL).
    pub fn new(table: impl Into<String>, sql: impl Into<String>) -> Self {
        let sql = sql.into();
        let table = table.into();
        let table = if table.is_empty() { statement_table(&sql) } else { table };
        Self {
            kind: statement_kind(&sql),
            table,
            sql,
            hazards: Vec::new(),
            outside_transaction: false,
            lock_timeout_ms: None,
            statement_timeout_ms: None,
        }
    }

    /// The kind, read from the SQL for statements stored before kinds were kept.
    pub fn kind(&self) -> String {
        if self.kind.is_empty() { statement_kind(&self.sql) } else { self.kind.clone() }
    }

    /// Fills in the kind of a statement stored before kinds were kept.
    pub fn with_kind(mut self) -> Self {
        if self.kind.is_empty() {
            self.kind = statement_kind(&self.sql);
        }
        self
    }

    pub fn with_hazard(mut self, kind: HazardKind, message: impl Into<String>) -> Self {
        self.hazards.push(Hazard { kind, message: message.into() });
        self
    }

    /// Marks the statement to run on its own, outside the plan's transaction.
    pub fn outside_transaction(mut self) -> Self {
        self.outside_transaction = true;
        self
    }

    /// Sets the lock-timeout hint. Kept in whole milliseconds (a fraction rounds up, so a tiny
    /// timeout never becomes none); zero removes the hint, as 0 means "no hint" on the wire.
    pub fn with_lock_timeout(mut self, timeout: Duration) -> Self {
        self.lock_timeout_ms = millis(timeout);
        self
    }

    /// Sets the statement-timeout hint (whole milliseconds, as `with_lock_timeout`).
    pub fn with_statement_timeout(mut self, timeout: Duration) -> Self {
        self.statement_timeout_ms = millis(timeout);
        self
    }

    pub fn lock_timeout(&self) -> Option<Duration> {
        self.lock_timeout_ms.map(Duration::from_millis)
    }

    pub fn statement_timeout(&self) -> Option<Duration> {
        self.statement_timeout_ms.map(Duration::from_millis)
    }

    /// What it does and to which table, for messages: `ALTER TABLE on public.users`, or just
    /// the kind when the table is not known (`SELECT`).
    pub fn summary(&self) -> String {
        if self.table.is_empty() { self.kind() } else { format!("{} on {}", self.kind(), self.table) }
    }

    /// Whether any execution hint is set.
    pub fn has_hints(&self) -> bool {
        self.outside_transaction || self.lock_timeout_ms.is_some() || self.statement_timeout_ms.is_some()
    }
}

/// A duration in whole milliseconds, rounded up; None for zero.
fn millis(d: Duration) -> Option<u64> {
    let ms = d.as_nanos().div_ceil(1_000_000);
    (ms > 0).then(|| u64::try_from(ms).unwrap_or(u64::MAX))
}

/// The statement's kind: its leading keywords (`CREATE TABLE`, `ALTER TABLE`, `INSERT`, …).
pub fn statement_kind(sql: &str) -> String {
    let words: Vec<String> = sql
        .lines()
        .map(str::trim)
        .filter(|l| !l.starts_with("--"))
        .flat_map(str::split_whitespace)
        .take(3)
        .map(|w| w.to_ascii_uppercase())
        .collect();
    match words.first().map(String::as_str) {
        Some("CREATE") if words.get(1).is_some_and(|w| w == "UNIQUE") => "CREATE INDEX".into(),
        Some("CREATE" | "ALTER" | "DROP") => words.iter().take(2).cloned().collect::<Vec<_>>().join(" "),
        Some(first) => first.to_string(),
        None => String::new(),
    }
}

/// The first quoted or plain identifier after TABLE / ON / INTO / UPDATE, for display.
pub fn statement_table(sql: &str) -> String {
    let upper = sql.to_ascii_uppercase();
    for keyword in [" TABLE ", " ON ", "INTO ", "UPDATE "] {
        if let Some(pos) = upper.find(keyword) {
            let rest = sql[pos + keyword.len()..].trim_start();
            let rest = rest.strip_prefix("IF EXISTS ").or_else(|| rest.strip_prefix("IF NOT EXISTS ")).unwrap_or(rest);
            let end = rest.find(|c: char| c == '(' || c.is_whitespace()).unwrap_or(rest.len());
            return rest[..end].to_string();
        }
    }
    String::new()
}

/// An ordered plan.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Plan {
    pub statements: Vec<PlannedStatement>,
    /// Fingerprint of the live schema of the planned tables when the plan was made.
    pub fingerprint: String,
}

impl Plan {
    pub fn is_empty(&self) -> bool {
        self.statements.is_empty()
    }

    /// Renders the plan as an SQL script: hazards as comments above each statement, every
    /// statement terminated by `;`. An empty plan renders as the empty string.
    pub fn to_sql(&self) -> String {
        let mut out = String::new();
        for statement in &self.statements {
            for hazard in &statement.hazards {
                out.push_str(&format!("-- hazard {}: {}\n", hazard.kind, one_line(&hazard.message)));
            }
            out.push_str(&statement.sql);
            out.push_str(";\n");
        }
        out
    }
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A stable hex SHA-256 of some canonical text (used for schema fingerprints and spec hashes).
pub fn fingerprint(canonical: &str) -> String {
    let digest = Sha256::digest(canonical.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_hazards_as_comments_and_terminates_statements() {
        let plan = Plan {
            statements: vec![
                PlannedStatement::new("public.users", "alter table \"users\" drop column \"age\"")
                    .with_hazard(HazardKind::DeletesData, "drops column age\nand its data"),
                PlannedStatement::new("public.users", "create index \"i\" on \"users\" (\"a\")"),
            ],
            fingerprint: fingerprint(""),
        };
        assert_eq!(
            plan.to_sql(),
            "-- hazard DELETES_DATA: drops column age and its data\n\
             alter table \"users\" drop column \"age\";\n\
             create index \"i\" on \"users\" (\"a\");\n"
        );
    }

    #[test]
    fn empty_plan_renders_nothing() {
        assert_eq!(Plan::default().to_sql(), "");
        assert!(Plan::default().is_empty());
    }

    #[test]
    fn fingerprint_is_stable_hex_sha256() {
        assert_eq!(fingerprint("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }

    /// Statements are stored (planner store, Migration resources) and compared as JSON: one
    /// without hints must serialize byte for byte as before hints existed.
    #[test]
    fn a_statement_without_hints_serializes_as_before() {
        let s = PlannedStatement::new("public.users", "ALTER TABLE \"users\" DROP COLUMN \"age\"")
            .with_hazard(HazardKind::DeletesData, "drops age");
        assert_eq!(
            serde_json::to_string(&s).unwrap(),
            r#"{"table":"public.users","sql":"ALTER TABLE \"users\" DROP COLUMN \"age\"","hazards":[{"kind":"DELETES_DATA","message":"drops age"}],"kind":"ALTER TABLE"}"#
        );
    }

    #[test]
    fn statements_stored_before_hints_read_without_hints() {
        let old = r#"{"table":"t","sql":"DROP TABLE t","hazards":[["DELETES_DATA","drops t"]]}"#;
        let s: PlannedStatement = serde_json::from_str(old).unwrap();
        assert!(!s.has_hints());
        assert_eq!((s.outside_transaction, s.lock_timeout_ms, s.statement_timeout_ms), (false, None, None));
        assert_eq!(s.hazards[0].kind, HazardKind::DeletesData);
    }

    #[test]
    fn hints_round_trip_through_json_in_camel_case() {
        let s = PlannedStatement::new("public.t", "CREATE INDEX CONCURRENTLY \"i\" ON \"t\" (\"a\")")
            .outside_transaction()
            .with_lock_timeout(Duration::from_millis(200))
            .with_statement_timeout(Duration::from_secs(60));
        let json = serde_json::to_string(&s).unwrap();
        assert!(json.ends_with(r#""outsideTransaction":true,"lockTimeoutMs":200,"statementTimeoutMs":60000}"#), "{json}");
        assert_eq!(serde_json::from_str::<PlannedStatement>(&json).unwrap(), s);
        assert_eq!(s.lock_timeout(), Some(Duration::from_millis(200)));
        assert_eq!(s.statement_timeout(), Some(Duration::from_secs(60)));
    }

    #[test]
    fn timeouts_are_whole_milliseconds_and_zero_is_no_hint() {
        let s = PlannedStatement::new("t", "ALTER TABLE t ADD COLUMN a int").with_lock_timeout(Duration::from_micros(1500));
        assert_eq!(s.lock_timeout_ms, Some(2), "a fraction rounds up");
        let s = s.with_lock_timeout(Duration::ZERO).with_statement_timeout(Duration::from_nanos(1));
        assert_eq!((s.lock_timeout_ms, s.statement_timeout_ms), (None, Some(1)));
    }

    /// Hints change how a statement runs, not what it is: the script is the same.
    #[test]
    fn hints_leave_the_script_unchanged() {
        let plain = PlannedStatement::new("public.users", "ALTER TABLE \"users\" ADD COLUMN \"a\" integer");
        let hinted = plain.clone().outside_transaction().with_lock_timeout(Duration::from_secs(10));
        let script = |s: PlannedStatement| Plan { statements: vec![s], fingerprint: String::new() }.to_sql();
        assert_eq!(script(hinted), script(plain));
    }

    #[test]
    fn statement_kinds_and_tables() {
        assert_eq!(statement_kind("CREATE TABLE \"users\" (\n a int)"), "CREATE TABLE");
        assert_eq!(statement_kind("create unique index \"i\" on \"t\" (a)"), "CREATE INDEX");
        assert_eq!(statement_kind("-- hazard X\nALTER TABLE \"t\" ADD COLUMN x int"), "ALTER TABLE");
        assert_eq!(statement_kind("INSERT INTO t VALUES (1)"), "INSERT");
        assert_eq!(statement_table("ALTER TABLE \"app\".\"t\" ADD COLUMN x int"), "\"app\".\"t\"");
        assert_eq!(statement_table("CREATE INDEX \"i\" ON \"t\" (\"a\")"), "\"t\"");
        assert_eq!(statement_table("INSERT INTO \"t\" (\"a\") VALUES (1)"), "\"t\"");
        assert_eq!(statement_table("CREATE TABLE IF NOT EXISTS ledger (a int)"), "ledger");
    }
}
