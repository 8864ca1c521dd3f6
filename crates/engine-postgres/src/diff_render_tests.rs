//! Diff and render without a database (`schemahero_plan::cases`): change in, SQL out.

use crate::diff::{desired_table, diff_table};
use crate::render::{TableRef, TableWork, render};
use schemahero_plan::cases::{DiffCase, check_diff_cases, script};
use schemahero_schema::spec::PostgresTableSchema;

const USERS: &str = r#"{"primaryKey":["id"],"columns":[{"name":"id","type":"integer"},{"name":"email","type":"varchar(255)","constraints":{"notNull":true}}]}"#;

const CASES: &[DiffCase] = &[
    DiffCase {
        name: "create a table",
        live: None,
        desired: USERS,
        expected: "CREATE TABLE \"users\" (\n  \"id\" integer NOT NULL,\n  \"email\" character varying(255) NOT NULL,\n  PRIMARY KEY (\"id\")\n);\n",
    },
    DiffCase { name: "nothing to do", live: Some(USERS), desired: USERS, expected: "" },
    DiffCase {
        name: "add a nullable column with a default",
        live: Some(USERS),
        desired: r#"{"primaryKey":["id"],"columns":[{"name":"id","type":"integer"},{"name":"email","type":"varchar(255)","constraints":{"notNull":true}},{"name":"age","type":"int","default":"0"}]}"#,
        expected: "ALTER TABLE \"users\" ADD COLUMN \"age\" integer DEFAULT 0;\n",
    },
    DiffCase {
        name: "drop a column",
        live: Some(USERS),
        desired: r#"{"primaryKey":["id"],"columns":[{"name":"id","type":"integer"}]}"#,
        expected: "ALTER TABLE \"users\" DROP COLUMN \"email\";\n",
    },
    DiffCase {
        name: "widen a type and drop NOT NULL",
        live: Some(USERS),
        desired: r#"{"primaryKey":["id"],"columns":[{"name":"id","type":"integer"},{"name":"email","type":"text"}]}"#,
        expected: "ALTER TABLE \"users\" ALTER COLUMN \"email\" TYPE text;\nALTER TABLE \"users\" ALTER COLUMN \"email\" DROP NOT NULL;\n",
    },
    DiffCase {
        name: "add a unique index",
        live: Some(USERS),
        desired: r#"{"primaryKey":["id"],"columns":[{"name":"id","type":"integer"},{"name":"email","type":"varchar(255)","constraints":{"notNull":true}}],"indexes":[{"columns":["email"],"isUnique":true}]}"#,
        expected: "CREATE UNIQUE INDEX CONCURRENTLY \"idx_users_email\" ON \"users\" (\"email\");\n",
    },
    DiffCase {
        name: "add a foreign key",
        live: Some(USERS),
        desired: r#"{"primaryKey":["id"],"columns":[{"name":"id","type":"integer"},{"name":"email","type":"varchar(255)","constraints":{"notNull":true}},{"name":"org","type":"integer"}],"foreignKeys":[{"columns":["org"],"references":{"table":"orgs","columns":["id"]},"onDelete":"CASCADE"}]}"#,
        expected: "ALTER TABLE \"users\" ADD COLUMN \"org\" integer;\nALTER TABLE \"users\" ADD CONSTRAINT \"users_org_fkey\" FOREIGN KEY (\"org\") REFERENCES \"orgs\" (\"id\") ON DELETE CASCADE NOT VALID;\nALTER TABLE \"users\" VALIDATE CONSTRAINT \"users_org_fkey\";\n",
    },
    DiffCase {
        name: "set NOT NULL through a validated check",
        live: Some(r#"{"primaryKey":["id"],"columns":[{"name":"id","type":"integer"},{"name":"email","type":"varchar(255)"}]}"#),
        desired: USERS,
        expected: "ALTER TABLE \"users\" ADD CONSTRAINT \"schemahero_not_null_email\" CHECK (\"email\" IS NOT NULL) NOT VALID;\nALTER TABLE \"users\" VALIDATE CONSTRAINT \"schemahero_not_null_email\";\nALTER TABLE \"users\" ALTER COLUMN \"email\" SET NOT NULL;\nALTER TABLE \"users\" DROP CONSTRAINT \"schemahero_not_null_email\";\n",
    },
    DiffCase { name: "drop the table", live: Some(USERS), desired: r#"{"isDeleted":true}"#, expected: "DROP TABLE \"users\";\n" },
    DiffCase { name: "a deleted table that does not exist", live: None, desired: r#"{"isDeleted":true}"#, expected: "" },
];

fn spec(json: &str, case: &str) -> PostgresTableSchema {
    serde_json::from_str(json).unwrap_or_else(|e| panic!("case {case:?}: spec does not parse: {e}"))
}

fn plan_sql(case: &DiffCase) -> String {
    let desired_spec = spec(case.desired, case.name);
    let desired = desired_table("users", "public", &desired_spec);
    let live = case.live.map(|l| desired_table("users", "public", &spec(l, case.name)));
    let diff = diff_table(&desired, live.as_ref(), desired_spec.is_deleted);
    if diff.is_empty() {
        return String::new();
    }
    let table = TableRef { schema: "public".into(), name: "users".into(), qualify: false };
    let statements = render(vec![TableWork { table, diff, triggers: &[], types: Vec::new(), seed: Vec::new(), partitioned: false }]);
    script(&statements)
}

#[test]
fn diff_and_render_cases() {
    if let Err(report) = check_diff_cases(CASES, plan_sql) {
        panic!("{report}");
    }
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
