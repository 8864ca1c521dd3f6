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

fn with_checks(engine: &str, checks: &str) -> String {
    format!("database: db\nname: t\nschema:\n  {engine}:\n    columns:\n      - name: id\n        type: int\n    checks:\n{checks}")
}

#[test]
fn check_expressions_cannot_end_the_statement_or_hide_text() {
    for engine in ["postgres", "mysql", "sqlite"] {
        let ok = parse_documents("t.yaml", &with_checks(engine, "      - name: pos\n        expression: id > 0 AND id IN (1, 2)\n"));
        assert!(ok.is_ok(), "{engine}: {ok:?}");
        for (expression, why) in [
            ("\"id > 0); DROP TABLE t; --\"", "';'"),
            ("\"id > 0 -- hidden\"", "comment"),
            ("\"id > 0 /* x */\"", "comment"),
            ("\"id > (0\"", "unclosed"),
            ("\"\"", "empty"),
        ] {
            let err = error(&with_checks(engine, &format!("      - name: pos\n        expression: {expression}\n")));
            assert!(
                err.contains("t.yaml") && err.contains(&format!("spec.schema.{engine}.checks[0].expression")) && err.contains("\"pos\""),
                "{engine} {expression}: {err}"
            );
            assert!(err.to_lowercase().contains(why), "{engine} {expression}: expected {why} in {err}");
        }
        let err = error(&with_checks(engine, "      - name: \"\"\n        expression: id > 0\n"));
        assert!(err.contains(&format!("spec.schema.{engine}.checks[0].name")), "{err}");
        let err = error(&with_checks(engine, "      - name: a\n        expression: id > 0\n      - name: a\n        expression: id > 1\n"));
        assert!(err.contains("checks[1].name") && err.contains("duplicate"), "{err}");
    }
}

#[test]
fn sqlite_warns_that_comments_are_ignored_naming_the_field() {
    let table = "database: db\nname: t\nschema:\n  sqlite:\n    comment: hello\n    columns:\n      - name: id\n        type: integer\n        comment: hi\n";
    let parsed = parse_documents("t.yaml", table).expect("an existing manifest with comments still loads");
    let warnings: Vec<String> = parsed.warnings.iter().map(|w| w.to_string()).collect();
    for field in ["spec.schema.sqlite.comment", "spec.schema.sqlite.columns[0].comment"] {
        assert!(
            warnings.iter().any(|w| w.starts_with("t.yaml") && w.contains(field) && w.contains("SQLite has no comments")),
            "{warnings:?}"
        );
    }
}

#[test]
fn enum_types_need_a_name_and_distinct_values() {
    let spec = |enums: &str| pg("", "").replace("    columns:", &format!("    enums:\n{enums}    columns:"));
    assert!(parse_documents("t.yaml", &spec("      - name: mood\n        values: [a, b]\n")).is_ok());
    for (enums, field, why) in [
        ("      - name: \"\"\n        values: [a]\n", "enums[0].name", "missing"),
        ("      - name: mood\n        values: []\n", "enums[0].values", "at least one"),
        ("      - name: mood\n        values: [a, a]\n", "enums[0].values[1]", "duplicate"),
        ("      - name: mood\n        values: [\"\"]\n", "enums[0].values[0]", "1 to 63 bytes"),
        ("      - name: mood\n        values: [a]\n      - name: mood\n        values: [b]\n", "enums[1].name", "duplicate"),
    ] {
        let err = error(&spec(enums));
        assert!(err.contains(&format!("spec.schema.postgres.{field}")) && err.contains(why), "{enums}: {err}");
    }
}
