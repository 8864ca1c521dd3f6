//! `--allow-hazard` / `--deny-hazard` on `plan` and `apply`: a plan (or a plan script) carrying a
//! denied hazard is refused before anything is written or run, naming the statement and hazard.
//!
//! Outside Kubernetes the person running the CLI is the reviewer, so there is no `review`
//! here: every kind is allowed unless denied (`--deny-hazard all` denies every kind not
//! allowed by `--allow-hazard`).

use anyhow::{Result, bail};
use clap::Args;
use schemahero_plan::policy::{Decision, HazardPolicy, parse_kind};
use schemahero_plan::{Plan, PlannedStatement};

#[derive(Args, Debug, Default, Clone)]
pub struct HazardFlags {
    /// Hazard kinds that may run (DELETES_DATA, TABLE_REWRITE, LONG_LOCK, INDEX_BUILD,
    /// UPDATES_ROWS, MAY_FAIL); repeatable or comma-separated. Only meaningful with
    /// `--deny-hazard all`.
    #[arg(long, value_name = "KIND")]
    pub allow_hazard: Vec<String>,
    /// Hazard kinds that may not run, or `all`: a plan carrying one is refused, naming the
    /// statement and hazard; repeatable or comma-separated.
    #[arg(long, value_name = "KIND")]
    pub deny_hazard: Vec<String>,
}

impl HazardFlags {
    pub fn policy(&self) -> Result<HazardPolicy> {
        Ok(HazardPolicy::from_flags(&self.allow_hazard, &self.deny_hazard)?)
    }
}

/// Refuses a plan carrying a denied hazard.
pub fn check_plan(policy: &HazardPolicy, plan: &Plan) -> Result<()> {
    let verdict = policy.judge(&plan.statements);
    if verdict.decision == Decision::Deny {
        bail!("the plan was not written: --deny-hazard refuses {}", verdict.message());
    }
    Ok(())
}

/// Refuses a script carrying a denied hazard, read from the `-- hazard KIND: message` comments
/// `plan` writes above each statement (a script written by hand carries none).
pub fn check_script(policy: &HazardPolicy, script: &str) -> Result<()> {
    if policy.is_default() {
        return Ok(());
    }
    let mut statements = Vec::new();
    let mut pending: Vec<(schemahero_plan::HazardKind, String)> = Vec::new();
    for (number, line) in script.lines().enumerate() {
        let trimmed = line.trim();
        if let Some(rest) = trimmed.strip_prefix("-- hazard ") {
            let (kind, message) = rest.split_once(':').unwrap_or((rest, ""));
            match parse_kind(kind) {
                Some(kind) => pending.push((kind, message.trim().to_string())),
                None => bail!("line {}: unknown hazard kind {:?} in a hazard comment", number + 1, kind.trim()),
            }
        } else if !trimmed.is_empty() && !trimmed.starts_with("--") && !pending.is_empty() {
            // The statement the comments above belong to, named by its first line.
            let mut statement = PlannedStatement::new("", format!("{trimmed} (line {})", number + 1));
            for (kind, message) in pending.drain(..) {
                statement = statement.with_hazard(kind, message);
            }
            statements.push(statement);
        }
    }
    let verdict = policy.judge(&statements);
    if verdict.decision == Decision::Deny {
        let named: Vec<String> =
            verdict.findings.iter().map(|f| format!("{} has hazard {}: {}", statements[f.statement - 1].sql, f.kind, f.message)).collect();
        bail!("nothing was applied: --deny-hazard refuses {}", named.join("; "));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use schemahero_plan::HazardKind;

    fn flags(allow: &[&str], deny: &[&str]) -> HazardPolicy {
        HazardFlags {
            allow_hazard: allow.iter().map(|s| s.to_string()).collect(),
            deny_hazard: deny.iter().map(|s| s.to_string()).collect(),
        }
        .policy()
        .unwrap()
    }

    #[test]
    fn a_denied_hazard_in_a_plan_is_refused_with_its_statement() {
        let plan = Plan {
            statements: vec![
                PlannedStatement::new("public.t", "ALTER TABLE \"t\" ADD COLUMN \"b\" integer"),
                PlannedStatement::new("public.t", "ALTER TABLE \"t\" DROP COLUMN \"a\"")
                    .with_hazard(HazardKind::DeletesData, "drops column a"),
            ],
            fingerprint: String::new(),
        };
        let e = check_plan(&flags(&[], &["DELETES_DATA"]), &plan).unwrap_err().to_string();
        assert_eq!(
            e,
            "the plan was not written: --deny-hazard refuses statement 2 (ALTER TABLE on public.t) has hazard DELETES_DATA: drops column a"
        );
        check_plan(&flags(&["DELETES_DATA"], &["all"]), &plan).unwrap();
        check_plan(&flags(&[], &["TABLE_REWRITE"]), &plan).unwrap();
    }

    #[test]
    fn a_script_is_judged_by_its_hazard_comments() {
        let script = "CREATE TABLE \"a\" (\n  \"x\" integer\n);\n-- hazard DELETES_DATA: drops column y and its data\nALTER TABLE \"b\" DROP COLUMN \"y\";\n";
        let e = check_script(&flags(&[], &["deletes-data"]), script).unwrap_err().to_string();
        assert_eq!(
            e,
            "nothing was applied: --deny-hazard refuses ALTER TABLE \"b\" DROP COLUMN \"y\"; (line 5) has hazard DELETES_DATA: drops column y and its data"
        );
        check_script(&flags(&[], &["INDEX_BUILD"]), script).unwrap();
        check_script(&HazardPolicy::default(), script).unwrap();
        let e = check_script(&flags(&[], &["all"]), "-- hazard NOPE: x\nDROP TABLE t;").unwrap_err().to_string();
        assert!(e.contains("line 1: unknown hazard kind \"NOPE\""), "{e}");
    }
}
