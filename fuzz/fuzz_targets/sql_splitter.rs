//! The SQL statement splitter `apply` runs plans through, dialect-free and as each server reads
//! `[`. Every statement is a non-empty piece of the input trimmed of SQL whitespace, in order,
//! and splitting a statement again gives it back whole.
#![no_main]

use libfuzzer_sys::fuzz_target;
use schemahero_plan::{SplitDialect, SplitError, split_statements, split_statements_for};

/// The whitespace the splitter trims: what the SQL lexers read as whitespace.
fn is_sql_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\r' | '\x0b' | '\x0c')
}

fn check(script: &str, split: impl Fn(&str) -> Result<Vec<String>, SplitError>, how: &str) {
    let Ok(statements) = split(script) else { return };
    let mut from = 0;
    for statement in &statements {
        assert!(!statement.is_empty());
        assert_eq!(statement.trim_matches(is_sql_space), statement);
        let at = script[from..]
            .find(statement.as_str())
            .unwrap_or_else(|| panic!("{how}: {statement:?} is not a piece of the input after byte {from}"));
        from += at + statement.len();
        assert_eq!(split(statement), Ok(vec![statement.clone()]), "{how}: re-splitting {statement:?}");
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(script) = std::str::from_utf8(data) else { return };
    check(script, split_statements, "dialect-free");
    for dialect in [SplitDialect::Postgres, SplitDialect::Mysql, SplitDialect::Sqlite] {
        check(script, |s| split_statements_for(s, dialect), &format!("{dialect:?}"));
    }
});
