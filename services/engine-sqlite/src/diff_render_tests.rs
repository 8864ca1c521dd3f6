//! Diff and render without a database: each case is a live table (as introspection would give
//! it, built here from a spec), a desired spec, and the SQL the engine must plan. One runner,
//! cases as data; a failing case names itself.

use crate::diff::{desired_table, diff_table};
use crate::render::{TableWork, render};
use schemahero_schema::spec::SqliteTableSchema;

struct Case {
    name: &'static str,
    /// The live table's spec (None: the table does not exist).
    live: Option<&'static str>,
    /// The desired spec (JSON, as under `spec.schema.sqlite`).
    desired: &'static str,
    expected: &'static str,
}

const USERS: &str =
    r#"{"primaryKey":["id"],"columns":[{"name":"id","type":"integer"},{"name":"email","type":"text","constraints":{"notNull":true}}]}"#;

const CASES: &[Case] = &[
    Case {
        name: "create a table",
        live: None,
        desired: USERS,
        expected: "CREATE TABLE \"users\" (\n  \"id\" integer,\n  \"email\" text NOT NULL,\n  PRIMARY KEY (\"id\")\n);\n",
    },
    Case { name: "nothing to do", live: Some(USERS), desired: USERS, expected: "" },
    Case {
        name: "add a nullable column with a default",
        live: Some(USERS),
        desired: r#"{"primaryKey":["id"],"columns":[{"name":"id","type":"integer"},{"name":"email","type":"text","constraints":{"notNull":true}},{"name":"age","type":"integer","default":"0"}]}"#,
        expected: "ALTER TABLE \"users\" ADD COLUMN \"age\" integer DEFAULT 0;\n",
    },
    Case {
        name: "drop a column",
        live: Some(USERS),
        desired: r#"{"primaryKey":["id"],"columns":[{"name":"id","type":"integer"}]}"#,
        expected: "CREATE TABLE \"_schemahero_rebuild_users\" (\n  \"id\" integer,\n  PRIMARY KEY (\"id\")\n);\nINSERT INTO \"_schemahero_rebuild_users\" (\"id\") SELECT \"id\" FROM \"users\";\nDROP TABLE \"users\";\nALTER TABLE \"_schemahero_rebuild_users\" RENAME TO \"users\";\n",
    },
    Case {
        name: "change a type and drop NOT NULL",
        live: Some(USERS),
        desired: r#"{"primaryKey":["id"],"columns":[{"name":"id","type":"integer"},{"name":"email","type":"blob"}]}"#,
        expected: "CREATE TABLE \"_schemahero_rebuild_users\" (\n  \"id\" integer,\n  \"email\" blob,\n  PRIMARY KEY (\"id\")\n);\nINSERT INTO \"_schemahero_rebuild_users\" (\"id\", \"email\") SELECT \"id\", \"email\" FROM \"users\";\nDROP TABLE \"users\";\nALTER TABLE \"_schemahero_rebuild_users\" RENAME TO \"users\";\n",
    },
    Case {
        name: "add a unique index",
        live: Some(USERS),
        desired: r#"{"primaryKey":["id"],"columns":[{"name":"id","type":"integer"},{"name":"email","type":"text","constraints":{"notNull":true}}],"indexes":[{"columns":["email"],"isUnique":true}]}"#,
        expected: "CREATE UNIQUE INDEX \"idx_users_email\" ON \"users\" (\"email\");\n",
    },
    Case {
        name: "add a foreign key",
        live: Some(USERS),
        desired: r#"{"primaryKey":["id"],"columns":[{"name":"id","type":"integer"},{"name":"email","type":"text","constraints":{"notNull":true}},{"name":"org","type":"integer"}],"foreignKeys":[{"columns":["org"],"references":{"table":"orgs","columns":["id"]},"onDelete":"CASCADE"}]}"#,
        expected: "CREATE TABLE \"_schemahero_rebuild_users\" (\n  \"id\" integer,\n  \"email\" text NOT NULL,\n  \"org\" integer,\n  PRIMARY KEY (\"id\"),\n  FOREIGN KEY (\"org\") REFERENCES \"orgs\" (\"id\") ON DELETE CASCADE\n);\nINSERT INTO \"_schemahero_rebuild_users\" (\"id\", \"email\") SELECT \"id\", \"email\" FROM \"users\";\nDROP TABLE \"users\";\nALTER TABLE \"_schemahero_rebuild_users\" RENAME TO \"users\";\n",
    },
    Case { name: "drop the table", live: Some(USERS), desired: r#"{"isDeleted":true}"#, expected: "DROP TABLE \"users\";\n" },
    Case { name: "a deleted table that does not exist", live: None, desired: r#"{"isDeleted":true}"#, expected: "" },
];

fn spec(json: &str, case: &str) -> SqliteTableSchema {
    serde_json::from_str(json).unwrap_or_else(|e| panic!("case {case:?}: spec does not parse: {e}"))
}

fn plan_sql(case: &Case) -> String {
    let desired_spec = spec(case.desired, case.name);
    let desired = desired_table("users", &desired_spec);
    let live = case.live.map(|l| desired_table("users", &spec(l, case.name)));
    let diff = diff_table(&desired, live.as_ref(), desired_spec.is_deleted);
    if diff.is_empty() {
        return String::new();
    }
    let work = [TableWork { name: "users".into(), desired, diff, triggers: &[], seed: Vec::new() }];
    let statements = render(&work);
    statements.iter().map(|s| format!("{};\n", s.sql)).collect()
}

#[test]
fn diff_and_render_cases() {
    let mut failures = Vec::new();
    for case in CASES {
        let actual = plan_sql(case);
        if actual != case.expected {
            failures.push(format!("case {:?}\n--- expected\n{}--- actual\n{}", case.name, case.expected, actual));
        }
    }
    assert!(failures.is_empty(), "{} of {} cases differ:\n{}", failures.len(), CASES.len(), failures.join("\n"));
}

/// Planning what a plan produced yields nothing: applying the desired spec's own table as the
/// live one converges, for every case.
#[test]
fn every_case_converges() {
    for case in CASES {
        let desired_spec = spec(case.desired, case.name);
        if desired_spec.is_deleted {
            continue;
        }
        let desired = desired_table("users", &desired_spec);
        assert!(diff_table(&desired, Some(&desired), false).is_empty(), "case {:?} does not converge", case.name);
    }
}
