//! The plan: what a planner hands to `apply` or to an executor.
//!
//! A plan is an ordered list of statements. Each statement carries the table it belongs to and
//! the hazards a reviewer should know about before approving it (pg-schema-diff style), and the
//! plan carries the fingerprint of the live schema it was computed against, so an executor can
//! refuse to run a plan whose premises have changed.

pub mod canonical;
pub mod cases;
pub mod seed;
mod hazard;
mod split;

pub use hazard::{Hazard, HazardKind};
pub use split::{SplitDialect, SplitError, split_statements, split_statements_for};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// One DDL (or seed-data) statement, without its terminating `;`: the one statement type from
/// the engines to the planner's store, the wire (`schemahero.v1.Statement`), the Migration
/// resource and the CLI, hazards kept as [`HazardKind`] all the way.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
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
}

impl PlannedStatement {
    /// A statement on `table` ("" for SQL from a script: the table is then read from the SQL).
    pub fn new(table: impl Into<String>, sql: impl Into<String>) -> Self {
        let sql = sql.into();
        let table = table.into();
        let table = if table.is_empty() { statement_table(&sql) } else { table };
        Self { kind: statement_kind(&sql), table, sql, hazards: Vec::new() }
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
