//! The SQL statement splitter `apply` runs plans through. Every statement is a trimmed,
//! non-empty piece of the input, in order, and splitting a statement again gives it back whole.
#![no_main]

use libfuzzer_sys::fuzz_target;
use schemahero_plan::split_statements;

/// The whitespace the splitter trims: what the SQL lexers read as whitespace.
fn is_sql_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\r' | '\x0b' | '\x0c')
}

fuzz_target!(|data: &[u8]| {
    let Ok(script) = std::str::from_utf8(data) else { return };
    let Ok(statements) = split_statements(script) else { return };
    let mut from = 0;
    for statement in &statements {
        assert!(!statement.is_empty());
        assert_eq!(statement.trim_matches(is_sql_space), statement);
        let at = script[from..].find(statement.as_str()).unwrap_or_else(|| panic!("{statement:?} is not a piece of the input after byte {from}"));
        from += at + statement.len();
        assert_eq!(split_statements(statement).as_ref(), Ok(&vec![statement.clone()]), "re-splitting {statement:?}");
    }
});
