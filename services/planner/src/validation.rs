//! Validated plans: before a plan becomes a Migration, its statements run on a scratch copy of
//! the schema (no data) and planning again there must be empty. The result is the Migration's
//! `Validated` condition; one that failed is never approved nor executed
//! (`MigrationRecord::refusal`).

use crate::core::PlannerCore;
use crate::model::{Key, MigrationCondition, MigrationRecord, VALIDATED};
use crate::store::{Filter, MigrationStore};
use schemahero_engine::{Engine, EngineError, Validation, references};
use schemahero_plan::Plan;
use schemahero_schema::TableManifest;
use std::collections::HashSet;

/// How much of a non-converging plan's remaining statements a condition quotes.
const QUOTED_STATEMENTS: usize = 3;

/// The `Validated` condition a validation result becomes.
pub fn condition_of(validation: &Validation) -> MigrationCondition {
    match validation {
        Validation::Converged => MigrationCondition::new(
            VALIDATED,
            true,
            "Converged",
            "its statements ran on a scratch copy of the schema, and planning again there was empty",
        ),
        Validation::Failed(error) => MigrationCondition::new(
            VALIDATED,
            false,
            "StatementFailed",
            format!("on a scratch copy of the schema (no data), {}", one_line(error)),
        ),
        Validation::DidNotConverge(remaining) => {
            let quoted: Vec<String> = remaining.iter().take(QUOTED_STATEMENTS).map(|s| one_line(s)).collect();
            let more = remaining.len().saturating_sub(QUOTED_STATEMENTS);
            let more = if more > 0 { format!(" and {more} more") } else { String::new() };
            MigrationCondition::new(
                VALIDATED,
                false,
                "DidNotConverge",
                format!(
                    "after its statements ran on a scratch copy of the schema, planning again still plans {} statement(s): {}{more}",
                    remaining.len(),
                    quoted.join("; ")
                ),
            )
        }
        Validation::Unavailable(why) => MigrationCondition::unknown(VALIDATED, "NoScratchCopy", one_line(why)),
    }
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

impl<S: MigrationStore> PlannerCore<S> {
    /// Validates the plans of a batch that would become new migrations (not empty, and not
    /// the statements of a migration already open for the table: those were validated when
    /// they were first planned). One entry per table: its `Validated` condition, or `None`.
    pub(crate) async fn validate_batch(
        &self,
        engine: &Engine,
        manifests: &[TableManifest],
        keys: &[&Key],
        plans: &[Result<Plan, EngineError>],
        preloaded: Option<&[MigrationRecord]>,
    ) -> Vec<Option<MigrationCondition>> {
        if !self.config.validate_plans {
            return plans.iter().map(|_| None).collect();
        }
        let mut wanted: Vec<Option<&Plan>> = Vec::with_capacity(plans.len());
        for (key, plan) in keys.iter().zip(plans) {
            let plan = match plan {
                Ok(p) if !p.is_empty() => p,
                _ => {
                    wanted.push(None);
                    continue;
                }
            };
            let open = match preloaded {
                Some(all) => all.iter().filter(|m| m.namespace == key.namespace && m.table_resource == key.name).cloned().collect(),
                None => {
                    let filter = Filter { namespace: Some(key.namespace.clone()), table: Some(key.name.clone()), ..Filter::default() };
                    self.store().list(&filter).await.unwrap_or_default()
                }
            };
            let known = open.iter().any(|m: &MigrationRecord| m.is_table() && m.phase.is_open() && m.same_statements(&plan.statements));
            wanted.push((!known).then_some(plan));
        }
        if wanted.iter().all(Option::is_none) {
            return wanted.iter().map(|_| None).collect();
        }
        // The database's other Tables the batch references: one may not exist yet (its own
        // migration runs first). Only those are cloned, not the whole database's.
        let referenced: HashSet<String> = manifests.iter().flat_map(|m| references(&m.spec)).collect();
        let context: Vec<TableManifest> = {
            let r = self.resources();
            let database = manifests.first().map(|m| m.spec.database.clone()).unwrap_or_default();
            let namespace = keys.first().map(|k| k.namespace.clone()).unwrap_or_default();
            r.tables
                .iter()
                .filter(|(k, t)| {
                    k.namespace == namespace && t.spec.database == database && referenced.contains(&t.spec.name) && !keys.contains(k)
                })
                .map(|(k, t)| TableManifest {
                    source: t.source.clone(),
                    metadata_name: Some(k.name.clone()),
                    namespace: Some(k.namespace.clone()),
                    spec: t.spec.clone(),
                })
                .collect()
        };
        let started = std::time::Instant::now();
        let plans = wanted.iter().flatten().count();
        // Its statements' spans (`ddl.statement`, on the scratch copy) sit under this one.
        let span = tracing::info_span!("planner.validate", plans);
        let results = tracing::Instrument::instrument(engine.validate_plans(manifests, &wanted, &context), span).await;
        schemahero_telemetry::metrics::histogram("schemahero_plan_duration_seconds", &[("reason", "validate")])
            .observe(started.elapsed().as_secs_f64());
        wanted
            .iter()
            .zip(results)
            .map(|(plan, result)| {
                plan.map(|_| {
                    if !matches!(result, Validation::Converged) {
                        tracing::warn!(result = ?result, "a plan did not validate on the scratch copy");
                    }
                    condition_of(&result)
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conditions_say_what_validation_found() {
        let ok = condition_of(&Validation::Converged);
        assert_eq!((ok.status.as_str(), ok.reason.as_str()), ("True", "Converged"));
        let failed = condition_of(&Validation::Failed("statement 2 failed: relation \"x\" does not exist\n  statement: DROP x".into()));
        assert_eq!((failed.status.as_str(), failed.reason.as_str()), ("False", "StatementFailed"));
        assert!(failed.message.ends_with("statement 2 failed: relation \"x\" does not exist statement: DROP x"), "{}", failed.message);
        let remaining: Vec<String> = (1..=5).map(|i| format!("ALTER TABLE t ADD c{i} int")).collect();
        let stuck = condition_of(&Validation::DidNotConverge(remaining));
        assert!(stuck.message.contains("still plans 5 statement(s): ALTER TABLE t ADD c1 int;"), "{}", stuck.message);
        assert!(stuck.message.ends_with("ADD c3 int and 2 more"), "{}", stuck.message);
        let unknown = condition_of(&Validation::Unavailable("permission denied to create database".into()));
        assert_eq!((unknown.status.as_str(), unknown.reason.as_str()), ("Unknown", "NoScratchCopy"));
    }
}
