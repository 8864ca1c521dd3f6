use serde::{Deserialize, Serialize};
use std::fmt;

/// What could go wrong when a statement runs. Reviewers see these before approving.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum HazardKind {
    /// Data is removed for good (dropped table or column, or a narrowing rebuild).
    DeletesData,
    /// The table is rewritten; takes an exclusive lock for a time that grows with its size.
    TableRewrite,
    /// An exclusive lock is held while every row is scanned (e.g. SET NOT NULL, validating a
    /// constraint).
    LongLock,
    /// An index is built: concurrently on an existing Postgres table (writes continue; it
    /// takes longer), otherwise writes to the table may block while it builds.
    IndexBuild,
    /// Existing rows are modified (backfills, seed upserts).
    UpdatesRows,
    /// The statement may fail on existing data (e.g. a new unique index over duplicates, NOT
    /// NULL over NULLs, a type cast that does not fit).
    MayFail,
}

impl fmt::Display for HazardKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            HazardKind::DeletesData => "DELETES_DATA",
            HazardKind::TableRewrite => "TABLE_REWRITE",
            HazardKind::LongLock => "LONG_LOCK",
            HazardKind::IndexBuild => "INDEX_BUILD",
            HazardKind::UpdatesRows => "UPDATES_ROWS",
            HazardKind::MayFail => "MAY_FAIL",
        })
    }
}

impl HazardKind {
    pub const ALL: [HazardKind; 6] = [
        HazardKind::DeletesData,
        HazardKind::TableRewrite,
        HazardKind::LongLock,
        HazardKind::IndexBuild,
        HazardKind::UpdatesRows,
        HazardKind::MayFail,
    ];

    /// The kind named as [`fmt::Display`] writes it (`DELETES_DATA`, …).
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.to_string() == name)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Hazard {
    pub kind: HazardKind,
    pub message: String,
}
