//! Validation of `renamedFrom`, checks, comments and enum types: each mistake is an error that
//! names the file, the table and the field.

use crate::{SpecError, parse_documents};

fn error(text: &str) -> String {
    match parse_documents("t.yaml", text) {
        Err(e @ SpecError::Field { .. }) => e.to_string(),
        other => panic!("expected a field error, got {other:?}"),
    }
}

fn pg(extra_table: &str, columns: &str) -> String {
    format!("database: db\nname: t\n{extra_table}schema:\n  postgres:\n    columns:\n      - name: id\n        type: integer\n{columns}")
}

#[test]
fn renamed_from_must_be_a_name_not_used_twice_or_by_another_column() {
    let ok = parse_documents("t.yaml", &pg("renamedFrom: old_t\n", "      - name: b\n        renamedFrom: a\n        type: text\n"));
    assert!(ok.is_ok(), "{ok:?}");
    let err = error(&pg("", "      - name: b\n        renamedFrom: id\n        type: text\n"));
    assert!(err.contains("t.yaml") && err.contains("spec.schema.postgres.columns[1].renamedFrom") && err.contains("also names"), "{err}");
    let err = error(&pg(
        "",
        "      - name: b\n        renamedFrom: a\n        type: text\n      - name: c\n        renamedFrom: a\n        type: text\n",
    ));
    assert!(err.contains("columns[2].renamedFrom") && err.contains("two columns"), "{err}");
    let err = error(&pg("", "      - name: b\n        renamedFrom: \"\"\n        type: text\n"));
    assert!(err.contains("columns[1].renamedFrom"), "{err}");
    let err = error(&pg("renamedFrom: \"\"\n", ""));
    assert!(err.contains("spec.renamedFrom"), "{err}");
    let long = "x".repeat(64);
    let err = error(&pg(&format!("renamedFrom: {long}\n"), ""));
    assert!(err.contains("spec.renamedFrom") && err.contains("63 bytes"), "{err}");
}
