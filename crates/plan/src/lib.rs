//! The plan: what a planner hands to `apply` or to an executor.
//!
//! A plan is an ordered list of statements. Each statement carries the table it belongs to and
//! the hazards a reviewer should know about before approving it (pg-schema-diff style), and the
//! plan carries the fingerprint of the live schema it was computed against, so an executor can
//! refuse to run a plan whose premises have changed.

pub mod canonical;
pub mod cases;
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
}

impl PlannedStatement {
    pub fn new(table: impl Into<String>, sql: impl Into<String>) -> Self {
        Self { table: table.into(), sql: sql.into(), hazards: Vec::new() }
    }

    pub fn with_hazard(mut self, kind: HazardKind, message: impl Into<String>) -> Self {
        self.hazards.push(Hazard { kind, message: message.into() });
        self
    }
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
}
