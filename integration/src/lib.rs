//! The acceptance-case runner: each case is a folder of data, run against a real database.
//!
//! A case folder holds `initial.sql` (optional), `spec.yaml` (one or more Table documents),
//! `expected.sql` (the plan, with its hazard comments) and `expected-state.txt` (the end state
//! as the catalogs describe it, read by queries independent of the engine's introspection). An
//! optional `flags` file may say `seed-data`. A case with `expected-error.txt` instead must be
//! refused with that message (a spec that would inject SQL, say). The runner, on a fresh database per case, applies
//! the initial SQL, plans, compares the plan, applies it, compares the end state, and plans
//! again, which must yield nothing. `BLESS=1` writes the expected files instead of comparing.

pub mod bench;
pub mod dump;
pub mod kube_env;
pub mod services;
pub mod sockets;

use schemahero_engine::{Driver, Engine, load_specs};
use std::path::{Path, PathBuf};

pub fn cases_dir(engine: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("cases").join(engine)
}

/// The cases named by `CASE` (comma-separated case directory names), if it is set: run one case
/// with e.g. `CASE=add-column cargo test -p schemahero-integration --test postgres_cases`.
pub fn case_filter() -> Option<Vec<String>> {
    let names = std::env::var("CASE").ok()?;
    let names: Vec<String> = names.split(',').map(|n| n.trim().to_string()).filter(|n| !n.is_empty()).collect();
    (!names.is_empty()).then_some(names)
}

/// The engine's case directories in name order, only those `CASE` names when it is set.
/// Panics when `CASE` names a case the engine does not have, so a typo is not a silent pass.
pub fn list_cases(engine: &str) -> Vec<PathBuf> {
    let mut cases: Vec<PathBuf> = std::fs::read_dir(cases_dir(engine))
        .map(|rd| rd.filter_map(|e| e.ok()).map(|e| e.path()).filter(|p| p.is_dir()).collect())
        .unwrap_or_default();
    cases.sort();
    if let Some(names) = case_filter() {
        let name_of = |p: &PathBuf| p.file_name().and_then(|n| n.to_str()).unwrap_or_default().to_string();
        for wanted in &names {
            assert!(cases.iter().any(|c| &name_of(c) == wanted), "CASE={wanted}: no such {engine} case in {}", cases_dir(engine).display());
        }
        cases.retain(|c| names.contains(&name_of(c)));
    }
    cases
}

/// Whether the whole set of cases runs (no `CASE` filter), so that its size can be checked.
pub fn all_cases() -> bool {
    case_filter().is_none()
}

fn blessing() -> bool {
    std::env::var("BLESS").is_ok_and(|v| v == "1")
}

fn read_optional(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_default()
}

/// Compares `actual` with the file, or writes it when blessing. Returns a failure message.
fn check_file(path: &Path, actual: &str) -> Option<String> {
    if blessing() {
        if let Err(e) = std::fs::write(path, actual) {
            return Some(format!("cannot write {}: {e}", path.display()));
        }
        return None;
    }
    let expected = read_optional(path);
    if expected == actual { None } else { Some(format!("{} differs\n--- expected\n{expected}\n--- actual\n{actual}", path.display())) }
}

/// Runs one case against a database at `uri` (already fresh). `dump` reads the end state.
pub async fn run_case<F, Fut>(case: &Path, driver: Driver, uri: &str, dump: F) -> Result<(), String>
where
    F: Fn(String) -> Fut,
    Fut: std::future::Future<Output = Result<String, String>>,
{
    let engine = Engine::connect(driver, uri).await.map_err(|e| format!("connect: {e}"))?;
    let result = run_case_on(&engine, case, uri, dump).await;
    engine.close().await;
    result
}

async fn run_case_on<F, Fut>(engine: &Engine, case: &Path, uri: &str, dump: F) -> Result<(), String>
where
    F: Fn(String) -> Fut,
    Fut: std::future::Future<Output = Result<String, String>>,
{
    let initial = read_optional(&case.join("initial.sql"));
    if !initial.trim().is_empty() {
        engine.apply_script(&initial).await.map_err(|e| format!("initial.sql: {e}"))?;
    }
    let seed = read_optional(&case.join("flags")).contains("seed-data");
    let expected_error = case.join("expected-error.txt");
    if expected_error.exists() {
        return expect_refusal(engine, case, &expected_error, seed).await;
    }
    let specs = load_specs(&case.join("spec.yaml")).map_err(|e| format!("spec.yaml: {e}"))?;
    let plan = plan_all(engine, &specs, seed).await.map_err(|e| format!("plan: {e}"))?;
    let mut failures = Vec::new();
    failures.extend(check_file(&case.join("expected.sql"), &plan.to_sql()));
    failures.extend(check_plan_each(engine, &specs.tables, seed).await?);
    // Every case's plan also validates on a scratch copy of its tables (what the planner does
    // before offering a Table's migration), unless the case says why it cannot (`flags`:
    // no-validate). Views are not validated (their migrations are not either): the copy holds
    // tables only.
    if !read_optional(&case.join("flags")).contains("no-validate") && !plan.is_empty() && specs.views.is_empty() {
        match engine.validate_plan(&specs.tables, &plan).await {
            schemahero_engine::Validation::Converged => {}
            other => failures.push(format!("the plan does not validate on a scratch copy: {other:?}")),
        }
    }
    // The planned statements as they are, hints included: every case also applies with the
    // engine's default hints (e.g. Postgres' lock timeout on DDL).
    engine.apply_statements(&plan.statements).await.map_err(|e| format!("applying the plan: {e}"))?;
    let state = dump(uri.to_string()).await?;
    failures.extend(check_file(&case.join("expected-state.txt"), &state));
    let again = plan_all(engine, &specs, seed).await.map_err(|e| format!("re-plan: {e}"))?;
    if !again.is_empty() {
        failures.push(format!("re-planning after apply is not empty:\n{}", again.to_sql()));
    }
    if failures.is_empty() { Ok(()) } else { Err(failures.join("\n")) }
}

/// A case whose spec must be refused: reading or planning it fails with the message in
/// `expected-error.txt` (the case's own directory left out of file names), and nothing is planned.
async fn expect_refusal(engine: &Engine, case: &Path, expected_error: &Path, seed: bool) -> Result<(), String> {
    let message = match load_specs(&case.join("spec.yaml")) {
        Err(e) => e.to_string(),
        Ok(specs) => match plan_all(engine, &specs, seed).await {
            Err(e) => e.to_string(),
            Ok(plan) => return Err(format!("expected an error, but it planned:\n{}", plan.to_sql())),
        },
    };
    let message = message.replace(&format!("{}/", case.display()), "");
    check_file(expected_error, &format!("{message}\n")).map_or(Ok(()), Err)
}

/// Everything a case's spec holds, in the order a user applies it (`plan --spec-type all`):
/// Functions, DatabaseExtensions and Tables, then Views.
async fn plan_all(
    engine: &Engine,
    specs: &schemahero_engine::LoadedSpecs,
    seed: bool,
) -> Result<schemahero_plan::Plan, schemahero_engine::EngineError> {
    engine.plan_all(specs, seed, &mut Vec::new()).await
}

/// The planner plans a database's tables in one batch (`plan_each`): each table's plan there
/// must be exactly what planning that table alone gives, fingerprint included (the executor
/// checks a migration against the fingerprint of its one table).
async fn check_plan_each(engine: &Engine, tables: &[schemahero_schema::TableManifest], seed: bool) -> Result<Option<String>, String> {
    let mut warnings = Vec::new();
    let each = engine.plan_each(tables, seed, &mut warnings).await.map_err(|e| format!("plan_each: {e}"))?;
    for (table, batched) in tables.iter().zip(each) {
        let batched = batched.map_err(|e| format!("plan_each of {}: {e}", table.spec.name))?;
        let alone = engine.plan(std::slice::from_ref(table), seed, &mut warnings).await.map_err(|e| format!("plan: {e}"))?;
        if batched != alone {
            return Ok(Some(format!(
                "table {}: planned in a batch differs from planned alone\n--- alone ({})\n{}--- batch ({})\n{}",
                table.spec.name,
                alone.fingerprint,
                alone.to_sql(),
                batched.fingerprint,
                batched.to_sql()
            )));
        }
    }
    Ok(None)
}

/// A test database's name, with `SCHEMAHERO_TEST_DB_PREFIX` in front: two checkouts testing
/// against the same servers at once keep their databases apart.
pub fn test_db_name(name: &str) -> String {
    format!("{}{name}", std::env::var("SCHEMAHERO_TEST_DB_PREFIX").unwrap_or_default())
}
