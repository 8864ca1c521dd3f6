//! Validating plans on a scratch copy of the schema before anyone is asked to approve them.
//!
//! The engine opens a scratch database (Postgres: `<db>_shscratch` beside the live one, with its
//! schemas, extensions, enum types and functions; MySQL: `<db>_shscratch`; SQLite: in memory),
//! copies the planned tables and the tables they reference into it without data (from the
//! specs `generate` reads off the live tables), applies each plan there, and plans the specs
//! again: a plan is valid when its statements ran and planning again there is empty. Seed
//! rows are run but not planned again: the copy has no data, so the rows the live tables
//! already hold (and the plan therefore leaves out) are missing there.

use crate::{Engine, EngineError, SchemaEngine};
use schemahero_plan::{Plan, PlannedStatement};
use schemahero_schema::spec::TableSpec;
use schemahero_schema::{Document, TableManifest, parse_documents};
use std::collections::BTreeSet;

/// What validation found for one plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Validation {
    /// Its statements ran on the scratch copy and planning again there was empty.
    Converged,
    /// A statement failed there (the error names it).
    Failed(String),
    /// Its statements ran, and planning again there still plans these statements.
    DidNotConverge(Vec<String>),
    /// No scratch copy could be made (no privilege to create the scratch database, an
    /// unreachable server, a table the copy could not create): nothing is known.
    Unavailable(String),
}

impl Engine {
    /// Validates `plans` (one per entry of `tables`; `None`: nothing to validate) on a scratch
    /// copy. One result per entry (`Converged` for `None`). `context` holds the database's other
    /// Tables: one a planned table references that does not exist yet is made from its spec
    /// first, as executors run a migration only after those of the tables it references.
    pub async fn validate_plans(&self, tables: &[TableManifest], plans: &[Option<&Plan>], context: &[TableManifest]) -> Vec<Validation> {
        let unavailable = |why: String| tables.iter().map(|_| Validation::Unavailable(why.clone())).collect();
        if plans.iter().all(Option::is_none) {
            return tables.iter().map(|_| Validation::Converged).collect();
        }
        let (scratch, notes) = match self.inner.scratch().await {
            Ok(Some(s)) => s,
            Ok(None) => return unavailable(format!("the {} engine has no scratch database", self.driver().schema_key())),
            Err(e) => return unavailable(format!("cannot open a scratch database: {e}")),
        };
        let results = match copy_tables(self, scratch.as_ref(), tables, context).await {
            Err(e) => {
                let notes = if notes.is_empty() { String::new() } else { format!(" ({})", notes.join("; ")) };
                unavailable(format!("cannot copy the live tables into the scratch database: {e}{notes}"))
            }
            Ok(()) => try_plans(scratch.as_ref(), tables, plans).await,
        };
        scratch.close().await;
        results
    }

    /// Validates one plan for all of `tables` (as `plan` makes it, Functions and
    /// DatabaseExtensions included): it runs on the scratch copy, and planning every table
    /// again there is empty.
    pub async fn validate_plan(&self, tables: &[TableManifest], plan: &Plan) -> Validation {
        let (scratch, notes) = match self.inner.scratch().await {
            Ok(Some(s)) => s,
            Ok(None) => return Validation::Unavailable(format!("the {} engine has no scratch database", self.driver().schema_key())),
            Err(e) => return Validation::Unavailable(format!("cannot open a scratch database: {e}")),
        };
        let result = match copy_tables(self, scratch.as_ref(), tables, &[]).await {
            Err(e) => Validation::Unavailable(format!("cannot copy the live tables into the scratch database: {e} ({})", notes.join("; "))),
            Ok(()) => match scratch.apply(&plan.statements).await {
                Err(e) => Validation::Failed(e.to_string()),
                Ok(()) => match scratch.plan(tables, false, &mut Vec::new()).await {
                    Ok(again) if again.is_empty() => Validation::Converged,
                    Ok(again) => Validation::DidNotConverge(again.statements.into_iter().map(|s| s.sql).collect()),
                    Err(e) => Validation::Unavailable(format!("cannot plan again on the scratch copy: {e}")),
                },
            },
        };
        scratch.close().await;
        result
    }
}

/// Copies the planned tables that exist, and the tables they reference, without data; a
/// referenced table that does not exist yet is made from its spec in `context`.
async fn copy_tables(
    live: &Engine,
    scratch: &dyn SchemaEngine,
    tables: &[TableManifest],
    context: &[TableManifest],
) -> Result<(), EngineError> {
    let schemas: BTreeSet<String> = tables.iter().filter_map(|t| postgres_schema(&t.spec)).collect();
    // Generate reads the connection's default schema when none is named; name it with the
    // others when some are.
    let mut schemas: Vec<String> = schemas.into_iter().collect();
    if !schemas.is_empty() && !schemas.iter().any(|s| s == "public") {
        schemas.push("public".into());
    }
    // Only the tables concerned are read off the live database (the planned ones, then what
    // they reference), never all of them: a database of thousands of tables costs no more.
    let own: BTreeSet<String> =
        tables.iter().flat_map(|t| std::iter::once(t.spec.name.clone()).chain(t.spec.renamed_from.clone())).collect();
    let mut live_specs = generated(live, &schemas, &own).await?;
    // What the planned tables, as wanted or as live, reference: a foreign key needs its
    // target. The targets' own foreign keys need not hold there, so those pointing outside the
    // copy are left out of it (a long chain of references copies one link, not the chain).
    let mut wanted = own.clone();
    for spec in tables.iter().chain(context).chain(&live_specs).map(|t| &t.spec).filter(|s| own.contains(&s.name)) {
        wanted.extend(references(spec));
    }
    let referenced: BTreeSet<String> = wanted.difference(&own).cloned().collect();
    if !referenced.is_empty() {
        live_specs.extend(generated(live, &schemas, &referenced).await?);
    }
    let live_names: BTreeSet<String> = live_specs.iter().map(|t| t.spec.name.clone()).collect();
    let planned: BTreeSet<&str> = tables.iter().map(|t| t.spec.name.as_str()).collect();
    let mut copy: Vec<TableManifest> = live_specs.into_iter().filter(|t| wanted.contains(&t.spec.name)).collect();
    // Referenced, not there yet, and not made by a plan being validated: as its own migration
    // will have made it by the time these run.
    copy.extend(
        context
            .iter()
            .filter(|t| wanted.contains(&t.spec.name) && !live_names.contains(&t.spec.name) && !planned.contains(t.spec.name.as_str()))
            .cloned(),
    );
    if copy.is_empty() {
        return Ok(());
    }
    let copied: BTreeSet<String> = copy.iter().map(|t| t.spec.name.clone()).collect();
    for t in copy.iter_mut().filter(|t| !own.contains(&t.spec.name)) {
        keep_foreign_keys_to(&mut t.spec, &copied);
    }
    let plan = scratch.plan(&copy, false, &mut Vec::new()).await?;
    scratch.apply(&plan.statements).await?;
    let names: Vec<String> = copy.iter().map(|t| t.spec.name.clone()).collect();
    for sql in live.inner.copy_fixups(&names).await? {
        // Already there (a later generate may write it), or not possible there: the copy is
        // as close as it gets, and a plan that needed it fails visibly.
        if let Err(e) = scratch.apply(&[PlannedStatement::new("", sql)]).await {
            tracing::debug!(error = %e, "a fix-up of the scratch copy failed");
        }
    }
    Ok(())
}

/// The specs `generate` writes for the live tables named `names`.
async fn generated(live: &Engine, schemas: &[String], names: &BTreeSet<String>) -> Result<Vec<TableManifest>, EngineError> {
    let names: Vec<String> = names.iter().cloned().collect();
    let mut out = Vec::new();
    for file in live.inner.generate_only("", schemas, Some(&names)).await? {
        if !file.file_name.ends_with(".yaml") || file.file_name == "kustomization.yaml" {
            continue;
        }
        let parsed = parse_documents(&file.file_name, &file.contents).map_err(|e| EngineError::Split(e.to_string()))?;
        out.extend(parsed.documents.into_iter().filter_map(|d| match d {
            Document::Table(t) => Some(t),
            _ => None,
        }));
    }
    Ok(out.into_iter().filter(|t| names.contains(&t.spec.name)).collect())
}

/// Applies each plan on the scratch copy (a plan after those of the tables it references, as
/// executors order them), then plans every table again there.
async fn try_plans(scratch: &dyn SchemaEngine, tables: &[TableManifest], plans: &[Option<&Plan>]) -> Vec<Validation> {
    let mut results: Vec<Validation> = vec![Validation::Converged; tables.len()];
    for i in application_order(tables, plans) {
        if let Some(plan) = plans[i]
            && let Err(e) = scratch.apply(&plan.statements).await
        {
            results[i] = Validation::Failed(e.to_string());
        }
    }
    match scratch.plan_each(tables, false, &mut Vec::new()).await {
        Ok(again) => {
            for ((result, plan), again) in results.iter_mut().zip(plans).zip(again) {
                if plan.is_none() || *result != Validation::Converged {
                    continue;
                }
                *result = match again {
                    Ok(p) if p.is_empty() => Validation::Converged,
                    Ok(p) => Validation::DidNotConverge(p.statements.into_iter().map(|s| s.sql).collect()),
                    Err(e) => Validation::Unavailable(format!("cannot plan again on the scratch copy: {e}")),
                };
            }
        }
        Err(e) => {
            for (result, plan) in results.iter_mut().zip(plans) {
                if plan.is_some() && *result == Validation::Converged {
                    *result = Validation::Unavailable(format!("cannot plan again on the scratch copy: {e}"));
                }
            }
        }
    }
    results
}

/// The order to apply the plans in: each after the plans of the batch's tables it references
/// (a cycle keeps batch order).
fn application_order(tables: &[TableManifest], plans: &[Option<&Plan>]) -> Vec<usize> {
    let pending_names = |done: &[bool]| -> BTreeSet<String> {
        tables.iter().zip(plans).zip(done).filter(|((_, p), d)| p.is_some() && !**d).map(|((t, _), _)| t.spec.name.clone()).collect()
    };
    let mut done = vec![false; tables.len()];
    let mut order = Vec::with_capacity(tables.len());
    while order.len() < tables.len() {
        let pending = pending_names(&done);
        let ready = (0..tables.len())
            .find(|&i| !done[i] && references(&tables[i].spec).iter().all(|r| *r == tables[i].spec.name || !pending.contains(r)));
        let next = ready.or_else(|| (0..tables.len()).find(|&i| !done[i])).unwrap_or_default();
        done[next] = true;
        order.push(next);
    }
    order
}

/// Leaves out of a Table the foreign keys whose target is not in `present`.
fn keep_foreign_keys_to(spec: &mut TableSpec, present: &BTreeSet<String>) {
    let Some(schema) = spec.schema.as_mut() else { return };
    for pg in [&mut schema.postgres, &mut schema.cockroachdb].into_iter().flatten() {
        pg.foreign_keys.retain(|fk| present.contains(&fk.references.table));
    }
    for lite in [&mut schema.sqlite, &mut schema.rqlite].into_iter().flatten() {
        lite.foreign_keys.retain(|fk| present.contains(&fk.references.table));
    }
    if let Some(my) = schema.mysql.as_mut() {
        my.foreign_keys.retain(|fk| present.contains(&fk.references.table));
    }
}

/// The Postgres schema a Table names (none: the default).
fn postgres_schema(spec: &TableSpec) -> Option<String> {
    let schema = spec.schema.as_ref()?;
    schema.postgres.as_ref().or(schema.cockroachdb.as_ref()).and_then(|p| p.schema.clone())
}

/// The tables a Table's foreign keys reference, whatever its engine (and its `requires`).
pub fn references(spec: &TableSpec) -> Vec<String> {
    let Some(schema) = &spec.schema else { return Vec::new() };
    let mut out = Vec::new();
    for pg in [&schema.postgres, &schema.cockroachdb].into_iter().flatten() {
        out.extend(pg.foreign_keys.iter().map(|fk| fk.references.table.clone()));
    }
    for lite in [&schema.sqlite, &schema.rqlite].into_iter().flatten() {
        out.extend(lite.foreign_keys.iter().map(|fk| fk.references.table.clone()));
    }
    if let Some(my) = &schema.mysql {
        out.extend(my.foreign_keys.iter().map(|fk| fk.references.table.clone()));
    }
    out.extend(spec.requires.iter().cloned());
    out
}
