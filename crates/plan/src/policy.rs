//! Hazard policy: per hazard kind, whether a statement carrying it may deploy by itself
//! (`allow`), waits for a reviewer (`review`) or may not run at all (`deny`).
//!
//! A Database says it in `spec.hazardPolicy` (`default:` plus one entry per kind), the CLI in
//! `--allow-hazard` / `--deny-hazard`. The default policy allows everything, so a Database
//! without one behaves as SchemaHero's: `immediateDeploy` approves every plan.

use crate::{HazardKind, PlannedStatement};
use std::collections::BTreeMap;
use std::fmt;

/// What the policy says of a hazard kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub enum Decision {
    /// Deploys by itself under `immediateDeploy`.
    #[default]
    Allow,
    /// Waits for a reviewer's approval, even under `immediateDeploy`.
    Review,
    /// Never runs: the plan is blocked until the spec or the policy changes.
    Deny,
}

impl Decision {
    pub fn as_str(self) -> &'static str {
        match self {
            Decision::Allow => "allow",
            Decision::Review => "review",
            Decision::Deny => "deny",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        [Decision::Allow, Decision::Review, Decision::Deny].into_iter().find(|d| d.as_str().eq_ignore_ascii_case(value.trim()))
    }
}

impl fmt::Display for Decision {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PolicyError {
    #[error("{field}: unknown hazard kind {key:?} (expected default or one of {})", kind_names())]
    UnknownKind { field: String, key: String },
    #[error("{field}: {value:?} is not a decision (expected allow, review or deny)")]
    UnknownDecision { field: String, value: String },
    #[error("{field}: hazard kind {kind} is both allowed and denied")]
    Contradiction { field: String, kind: String },
}

fn kind_names() -> String {
    HazardKind::ALL.iter().map(|k| k.to_string()).collect::<Vec<_>>().join(", ")
}

/// A hazard kind as users may write it: `DELETES_DATA`, `deletes_data`, `deletesData`,
/// `deletes-data`.
pub fn parse_kind(name: &str) -> Option<HazardKind> {
    let squash = |s: &str| s.chars().filter(|c| *c != '_' && *c != '-').collect::<String>().to_ascii_uppercase();
    let wanted = squash(name.trim());
    HazardKind::ALL.into_iter().find(|k| squash(&k.to_string()) == wanted)
}

/// The decision for each hazard kind; kinds not named take `default`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HazardPolicy {
    pub default: Decision,
    pub kinds: BTreeMap<HazardKind, Decision>,
}

impl HazardPolicy {
    /// From `default` and kind entries as a Database writes them (`field` names the map in
    /// errors, e.g. `tables/db.yaml: spec.hazardPolicy`).
    pub fn from_entries<'a>(field: &str, entries: impl IntoIterator<Item = (&'a str, &'a str)>) -> Result<Self, PolicyError> {
        let mut policy = HazardPolicy::default();
        for (key, value) in entries {
            let decision = Decision::parse(value)
                .ok_or_else(|| PolicyError::UnknownDecision { field: format!("{field}.{key}"), value: value.to_string() })?;
            if key.trim().eq_ignore_ascii_case("default") {
                policy.default = decision;
            } else {
                let kind = parse_kind(key).ok_or_else(|| PolicyError::UnknownKind { field: field.to_string(), key: key.to_string() })?;
                policy.kinds.insert(kind, decision);
            }
        }
        Ok(policy)
    }

    /// From the CLI's flags: each entry a kind or `all` (every kind not named otherwise).
    pub fn from_flags(allow: &[String], deny: &[String]) -> Result<Self, PolicyError> {
        let mut policy = HazardPolicy::default();
        let mut named = |list: &[String], flag: &str, decision: Decision| -> Result<(), PolicyError> {
            for name in list.iter().flat_map(|l| l.split(',')).map(str::trim).filter(|n| !n.is_empty()) {
                if name.eq_ignore_ascii_case("all") {
                    if decision == Decision::Deny {
                        policy.default = Decision::Deny;
                    }
                    continue;
                }
                let kind = parse_kind(name).ok_or_else(|| PolicyError::UnknownKind { field: flag.to_string(), key: name.to_string() })?;
                match policy.kinds.insert(kind, decision) {
                    Some(before) if before != decision => {
                        return Err(PolicyError::Contradiction { field: flag.to_string(), kind: kind.to_string() });
                    }
                    _ => {}
                }
            }
            Ok(())
        };
        named(allow, "--allow-hazard", Decision::Allow)?;
        named(deny, "--deny-hazard", Decision::Deny)?;
        Ok(policy)
    }

    pub fn decision(&self, kind: HazardKind) -> Decision {
        self.kinds.get(&kind).copied().unwrap_or(self.default)
    }

    /// Whether this is the policy a Database without `hazardPolicy` has.
    pub fn is_default(&self) -> bool {
        self.default == Decision::Allow && self.kinds.values().all(|d| *d == Decision::Allow)
    }

    /// What the policy says of a plan: the strictest decision any of its hazards gets, and every
    /// hazard that got it (so a condition can name them).
    pub fn judge(&self, statements: &[PlannedStatement]) -> Verdict {
        let mut verdict = Verdict::default();
        for (i, statement) in statements.iter().enumerate() {
            for hazard in &statement.hazards {
                let decision = self.decision(hazard.kind);
                if decision == Decision::Allow {
                    continue;
                }
                let finding =
                    Finding { statement: i + 1, summary: statement.summary(), kind: hazard.kind, message: hazard.message.clone() };
                match decision.cmp(&verdict.decision) {
                    std::cmp::Ordering::Greater => {
                        verdict.decision = decision;
                        verdict.findings = vec![finding];
                    }
                    std::cmp::Ordering::Equal => verdict.findings.push(finding),
                    std::cmp::Ordering::Less => {}
                }
            }
        }
        verdict
    }
}

/// One hazard the policy does not simply allow.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// 1-based position of the statement in the plan.
    pub statement: usize,
    /// `ALTER TABLE on public.users`.
    pub summary: String,
    pub kind: HazardKind,
    pub message: String,
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "statement {} ({}) has hazard {}: {}", self.statement, self.summary, self.kind, self.message)
    }
}

/// The policy's judgement of a whole plan.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Verdict {
    /// `Allow`: may deploy by itself; `Review`: waits for a reviewer; `Deny`: may not run.
    pub decision: Decision,
    /// The hazards that decided it (empty for `Allow`).
    pub findings: Vec<Finding>,
}

impl Verdict {
    /// The findings as one message: `statement 2 (ALTER TABLE on public.users) has hazard
    /// DELETES_DATA: drops column age and its data; …`.
    pub fn message(&self) -> String {
        self.findings.iter().map(ToString::to_string).collect::<Vec<_>>().join("; ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan() -> Vec<PlannedStatement> {
        vec![
            PlannedStatement::new("public.users", "CREATE INDEX \"i\" ON \"users\" (\"a\")")
                .with_hazard(HazardKind::IndexBuild, "builds an index"),
            PlannedStatement::new("public.users", "ALTER TABLE \"users\" DROP COLUMN \"age\"")
                .with_hazard(HazardKind::DeletesData, "drops column age and its data"),
            PlannedStatement::new("public.users", "ALTER TABLE \"users\" ADD COLUMN \"b\" integer"),
        ]
    }

    #[test]
    fn the_default_policy_allows_everything() {
        let policy = HazardPolicy::default();
        assert!(policy.is_default());
        assert_eq!(policy.judge(&plan()), Verdict::default());
    }

    #[test]
    fn the_strictest_decision_wins_and_names_its_statements() {
        let policy = HazardPolicy::from_entries("spec.hazardPolicy", [("deletesData", "deny"), ("INDEX_BUILD", "review")]).unwrap();
        let verdict = policy.judge(&plan());
        assert_eq!(verdict.decision, Decision::Deny);
        assert_eq!(verdict.message(), "statement 2 (ALTER TABLE on public.users) has hazard DELETES_DATA: drops column age and its data");
        let review = HazardPolicy::from_entries("p", [("default", "review")]).unwrap().judge(&plan());
        assert_eq!(review.decision, Decision::Review);
        assert_eq!(review.findings.iter().map(|f| f.statement).collect::<Vec<_>>(), [1, 2]);
        // A plan without hazards deploys by itself even when the default is review.
        assert_eq!(HazardPolicy::from_entries("p", [("default", "review")]).unwrap().judge(&plan()[2..]).decision, Decision::Allow);
    }

    #[test]
    fn bad_entries_name_the_field() {
        let e = HazardPolicy::from_entries("db.yaml: spec.hazardPolicy", [("DROPS_TABLES", "deny")]).unwrap_err();
        assert!(e.to_string().starts_with("db.yaml: spec.hazardPolicy: unknown hazard kind \"DROPS_TABLES\""), "{e}");
        let e = HazardPolicy::from_entries("spec.hazardPolicy", [("MAY_FAIL", "sometimes")]).unwrap_err();
        assert_eq!(e.to_string(), "spec.hazardPolicy.MAY_FAIL: \"sometimes\" is not a decision (expected allow, review or deny)");
    }

    #[test]
    fn flags_deny_all_but_what_they_allow() {
        let policy = HazardPolicy::from_flags(&["index-build,UPDATES_ROWS".into()], &["all".into()]).unwrap();
        assert_eq!(policy.decision(HazardKind::IndexBuild), Decision::Allow);
        assert_eq!(policy.decision(HazardKind::UpdatesRows), Decision::Allow);
        assert_eq!(policy.decision(HazardKind::DeletesData), Decision::Deny);
        let e = HazardPolicy::from_flags(&["MAY_FAIL".into()], &["mayFail".into()]).unwrap_err();
        assert_eq!(e.to_string(), "--deny-hazard: hazard kind MAY_FAIL is both allowed and denied");
        assert!(HazardPolicy::from_flags(&[], &["NOPE".into()]).is_err());
    }
}
