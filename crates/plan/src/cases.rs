//! Database-free diff-and-render cases, shared by every engine's unit tests: a live table (as
//! introspection would give it, built from a spec), a desired spec, and the SQL the engine must
//! plan. The cases are data; this is the one runner.

/// One case. Specs are JSON, as under `spec.schema.<engine>`.
pub struct DiffCase {
    pub name: &'static str,
    /// The live table's spec; None when the table does not exist.
    pub live: Option<&'static str>,
    pub desired: &'static str,
    /// The plan, each statement followed by `;` and a newline ("" for none).
    pub expected: &'static str,
}

/// Runs every case through `plan_sql` and reports all the differences at once, each case named.
pub fn check_diff_cases(cases: &[DiffCase], plan_sql: impl Fn(&DiffCase) -> String) -> Result<(), String> {
    let failures: Vec<String> = cases
        .iter()
        .filter_map(|case| {
            let actual = plan_sql(case);
            (actual != case.expected).then(|| format!("case {:?}\n--- expected\n{}--- actual\n{}", case.name, case.expected, actual))
        })
        .collect();
    if failures.is_empty() { Ok(()) } else { Err(format!("{} of {} cases differ:\n{}", failures.len(), cases.len(), failures.join("\n"))) }
}

/// The SQL text of planned statements, as the cases spell it.
pub fn script(statements: &[crate::PlannedStatement]) -> String {
    statements.iter().map(|s| format!("{};\n", s.sql)).collect()
}
