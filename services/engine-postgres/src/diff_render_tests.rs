//! Diff and render without a database: each case is a live table (as introspection would give
//! it, built here from a spec), a desired spec, and the SQL the engine must plan. One runner,
//! cases as data; a failing case names itself.

use crate::diff::{desired_table, diff_table};
use crate::render::{TableRef, TableWork, render};
use schemahero_schema::spec::PostgresTableSchema;

struct Case {
    name: &'static str,
    /// The live table's spec (None: the table does not exist).
    live: Option<&'static str>,
    /// The desired spec (JSON, as under `spec.schema.postgres`).
    desired: &'static str,
    expected: &'static str,
}

const USERS: &str = r#"{"primaryKey":["id"],"columns":[{"name":"id","type":"integer"},{"name":"email","type":"varchar(255)","constraints":{"notNull":true}}]}"#;

const CASES: &[Case] = &[
    Case {
        name: "create a table",
        live: None,
        desired: USERS,
        expected: "CREATE TABLE \"users\" (\n  \"id\" integer NOT NULL,\n  \"email\" character varying(255) NOT NULL,\n  PRIMARY KEY (\"id\")\n);\n",
    },
    Case { name: "nothing to do", live: Some(USERS), desired: USERS, expected: "" },
    Case {
        name: "add a nullable column with a default",
        live: Some(USERS),
        desired: r#"{"primaryKey":["id"],"columns":[{"name":"id","type":"integer"},{"name":"email","type":"varchar(255)","constraints":{"notNull":true}},{"name":"age","type":"int","default":"0"}]}"#,
        expected: "ALTER TABLE \"users\" ADD COLUMN \"age\" integer DEFAULT 0;\n",
    },
    Case {
        name: "drop a column",
        live: Some(USERS),
        desired: r#"{"primaryKey":["id"],"columns":[{"name":"id","type":"integer"}]}"#,
        expected: "ALTER TABLE \"users\" DROP COLUMN \"email\";\n",
    },
    Case {
        name: "widen a type and drop NOT NULL",
        live: Some(USERS),
        desired: r#"{"primaryKey":["id"],"columns":[{"name":"id","type":"integer"},{"name":"email","type":"text"}]}"#,
        expected: "ALTER TABLE \"users\" ALTER COLUMN \"email\" TYPE text;\nALTER TABLE \"users\" ALTER COLUMN \"email\" DROP NOT NULL;\n",
    },
    Case {
        name: "add a unique index",
        live: Some(USERS),
        desired: r#"{"primaryKey":["id"],"columns":[{"name":"id","type":"integer"},{"name":"email","type":"varchar(255)","constraints":{"notNull":true}}],"indexes":[{"columns":["email"],"isUnique":true}]}"#,
        expected: "CREATE UNIQUE INDEX \"idx_users_email\" ON \"users\" (\"email\");\n",
    },
    Case {
        name: "add a foreign key",
        live: Some(USERS),
        desired: r#"{"primaryKey":["id"],"columns":[{"name":"id","type":"integer"},{"name":"email","type":"varchar(255)","constraints":{"notNull":true}},{"name":"org","type":"integer"}],"foreignKeys":[{"columns":["org"],"references":{"table":"orgs","columns":["id"]},"onDelete":"CASCADE"}]}"#,
        expected: "ALTER TABLE \"users\" ADD COLUMN \"org\" integer;\nALTER TABLE \"users\" ADD CONSTRAINT \"users_org_fkey\" FOREIGN KEY (\"org\") REFERENCES \"orgs\" (\"id\") ON DELETE CASCADE;\n",
    },
    Case { name: "drop the table", live: Some(USERS), desired: r#"{"isDeleted":true}"#, expected: "DROP TABLE \"users\";\n" },
    Case { name: "a deleted table that does not exist", live: None, desired: r#"{"isDeleted":true}"#, expected: "" },
];

fn spec(json: &str, case: &str) -> PostgresTableSchema {
    serde_json::from_str(json).unwrap_or_else(|e| panic!("case {case:?}: spec does not parse: {e}"))
}

fn plan_sql(case: &Case) -> String {
    let desired_spec = spec(case.desired, case.name);
    let desired = desired_table("users", "public", &desired_spec);
    let live = case.live.map(|l| desired_table("users", "public", &spec(l, case.name)));
    let diff = diff_table(&desired, live.as_ref(), desired_spec.is_deleted);
    if diff.is_empty() {
        return String::new();
    }
    let table = TableRef { schema: "public".into(), name: "users".into(), qualify: false };
    let statements = render(vec![TableWork { table, diff, triggers: &[], seed: Vec::new() }]);
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
        let desired = desired_table("users", "public", &desired_spec);
        assert!(diff_table(&desired, Some(&desired), false).is_empty(), "case {:?} does not converge", case.name);
    }
}
