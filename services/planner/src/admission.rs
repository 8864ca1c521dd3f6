//! What a new plan becomes: the Database's hazard policy and `immediateDeploy` decide whether
//! its Migration starts Approved (safe changes deploy themselves), Planned for a reviewer, or
//! Planned and blocked (a denied hazard: it can be neither approved nor executed until the spec
//! or the policy changes).

use crate::core::DatabaseEntry;
use crate::model::{BLOCKED, MigrationCondition, MigrationRecord, Phase, PlannedStatement, REVIEW_REQUIRED};
use schemahero_plan::policy::Decision;

/// Who approved a migration `immediateDeploy` approved.
pub const IMMEDIATE_DEPLOY: &str = "immediateDeploy";

/// The phase, approver and policy conditions a plan starts with.
#[derive(Debug, Clone, PartialEq)]
pub struct Admission {
    pub phase: Phase,
    pub approved_by: String,
    /// `Blocked` and `ReviewRequired` when they apply (no condition when the policy allows).
    pub conditions: Vec<MigrationCondition>,
}

pub fn admit(database: &DatabaseEntry, statements: &[PlannedStatement]) -> Admission {
    let verdict = database.hazard_policy.judge(statements);
    let planned = |conditions| Admission { phase: Phase::Planned, approved_by: String::new(), conditions };
    match verdict.decision {
        Decision::Deny => planned(vec![MigrationCondition::new(
            BLOCKED,
            true,
            "HazardDenied",
            format!("the Database's hazardPolicy denies: {}", verdict.message()),
        )]),
        Decision::Review if database.immediate_deploy => planned(vec![MigrationCondition::new(
            REVIEW_REQUIRED,
            true,
            "HazardNeedsReview",
            format!("immediateDeploy left it for review; the Database's hazardPolicy asks a reviewer for: {}", verdict.message()),
        )]),
        _ if database.immediate_deploy => {
            Admission { phase: Phase::Approved, approved_by: IMMEDIATE_DEPLOY.into(), conditions: Vec::new() }
        }
        _ => planned(Vec::new()),
    }
}

/// The same plan judged again (its Database's policy or `immediateDeploy` may have changed
/// since): the migration as it should now be, or `None` when nothing changes. Only a Planned
/// migration moves; one a reviewer or `immediateDeploy` already approved stays as it is.
pub fn readmit(m: &MigrationRecord, database: &DatabaseEntry, now: i64) -> Option<MigrationRecord> {
    if m.phase != Phase::Planned {
        return None;
    }
    let admission = admit(database, &m.statements);
    let mut next = m.clone();
    for kind in [BLOCKED, REVIEW_REQUIRED] {
        next.set_condition(kind, admission.conditions.iter().find(|c| c.kind == kind).cloned());
    }
    if admission.phase == Phase::Approved && next.refusal().is_none() {
        next.phase = Phase::Approved;
        next.approved_at = now;
        next.approved_by = admission.approved_by;
    }
    (next != *m).then(|| {
        next.version += 1;
        next
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{MigrationCondition, VALIDATED};
    use schemahero_engine::Driver;
    use schemahero_plan::HazardKind;
    use schemahero_plan::policy::HazardPolicy;

    fn database(immediate: bool, policy: &[(&str, &str)]) -> DatabaseEntry {
        DatabaseEntry {
            driver: Driver::Sqlite,
            uri: "x.db".into(),
            immediate_deploy: immediate,
            deploy_seed_data: false,
            hazard_policy: HazardPolicy::from_entries("spec.hazardPolicy", policy.iter().copied()).unwrap(),
        }
    }

    fn plan(drop: bool) -> Vec<PlannedStatement> {
        let mut out = vec![PlannedStatement::new("main.t", "ALTER TABLE \"t\" ADD COLUMN \"b\" integer")];
        if drop {
            out.push(
                PlannedStatement::new("main.t", "ALTER TABLE \"t\" DROP COLUMN \"a\"")
                    .with_hazard(HazardKind::DeletesData, "drops column a and its data"),
            );
        }
        out
    }

    #[test]
    fn without_a_policy_immediate_deploy_approves_everything_as_schemahero_does() {
        let a = admit(&database(true, &[]), &plan(true));
        assert_eq!((a.phase, a.approved_by.as_str(), a.conditions.len()), (Phase::Approved, IMMEDIATE_DEPLOY, 0));
        let a = admit(&database(false, &[]), &plan(true));
        assert_eq!((a.phase, a.conditions.len()), (Phase::Planned, 0));
    }

    #[test]
    fn safe_changes_deploy_themselves_and_the_rest_waits_for_review() {
        let db = database(true, &[("DELETES_DATA", "review")]);
        assert_eq!(admit(&db, &plan(false)).phase, Phase::Approved);
        let held = admit(&db, &plan(true));
        assert_eq!(held.phase, Phase::Planned);
        assert_eq!(held.conditions[0].kind, REVIEW_REQUIRED);
        assert!(
            held.conditions[0].message.contains("statement 2 (ALTER TABLE on main.t) has hazard DELETES_DATA"),
            "{:?}",
            held.conditions
        );
    }

    #[test]
    fn a_denied_hazard_blocks_the_plan_whatever_immediate_deploy_says() {
        for immediate in [true, false] {
            let a = admit(&database(immediate, &[("deletesData", "deny")]), &plan(true));
            assert_eq!(a.phase, Phase::Planned);
            assert_eq!((a.conditions[0].kind.as_str(), a.conditions[0].status.as_str()), (BLOCKED, "True"));
        }
    }

    #[test]
    fn a_changed_policy_moves_a_planned_migration_and_keeps_its_validation() {
        let statements = plan(true);
        let blocked = admit(&database(true, &[("DELETES_DATA", "deny")]), &statements);
        let m = MigrationRecord {
            phase: blocked.phase,
            statements,
            conditions: [blocked.conditions, vec![MigrationCondition::new(VALIDATED, true, "Converged", "")]].concat(),
            version: 1,
            ..MigrationRecord::default()
        };
        assert!(m.refusal().is_some());
        assert_eq!(readmit(&m, &database(true, &[("DELETES_DATA", "deny")]), 5), None, "same policy: nothing changes");
        let allowed = readmit(&m, &database(true, &[]), 5).unwrap();
        assert_eq!((allowed.phase, allowed.approved_at, allowed.version), (Phase::Approved, 5, 2));
        assert_eq!(allowed.conditions.iter().map(|c| c.kind.as_str()).collect::<Vec<_>>(), [VALIDATED]);
        let review = readmit(&m, &database(false, &[]), 5).unwrap();
        assert_eq!((review.phase, review.conditions.len()), (Phase::Planned, 1));
        // A failed validation keeps it from being approved by a policy change too.
        let mut invalid = m.clone();
        invalid.set_condition(VALIDATED, Some(MigrationCondition::new(VALIDATED, false, "StatementFailed", "no")));
        assert_eq!(readmit(&invalid, &database(true, &[]), 5).map(|m| m.phase), Some(Phase::Planned));
    }
}
