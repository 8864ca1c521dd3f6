//! Diff and render without a database (`schemahero_plan::cases`): change in, SQL out.

use crate::Flavor;
use crate::diff::{desired_table, diff_table};
use crate::model::Charsets;
use crate::online::{Server, TableFacts};
use crate::render::{TableWork, render};
use schemahero_plan::cases::{DiffCase, check_diff_cases, script};
use schemahero_schema::spec::MysqlTableSchema;

const USERS: &str = r#"{"primaryKey":["id"],"columns":[{"name":"id","type":"integer"},{"name":"email","type":"varchar(255)","constraints":{"notNull":true}}]}"#;

/// The database's default charset and collation, as introspection reports them.
const DATABASE_DEFAULT: (&str, &str) = ("utf8mb4", "utf8mb4_general_ci");

const CASES: &[DiffCase] = &[
    DiffCase {
        name: "create a table",
        live: None,
        desired: USERS,
        expected: "CREATE TABLE `users` (\n  `id` int NOT NULL,\n  `email` varchar(255) NOT NULL,\n  PRIMARY KEY (`id`)\n);\n",
    },
    DiffCase { name: "nothing to do", live: Some(USERS), desired: USERS, expected: "" },
    DiffCase {
        name: "add a nullable column with a default",
        live: Some(USERS),
        desired: r#"{"primaryKey":["id"],"columns":[{"name":"id","type":"integer"},{"name":"email","type":"varchar(255)","constraints":{"notNull":true}},{"name":"age","type":"integer","default":"0"}]}"#,
        expected: "ALTER TABLE `users` ADD COLUMN `age` int DEFAULT 0, ALGORITHM=INSTANT;\n",
    },
    DiffCase {
        name: "drop a column",
        live: Some(USERS),
        desired: r#"{"primaryKey":["id"],"columns":[{"name":"id","type":"integer"}]}"#,
        expected: "ALTER TABLE `users` DROP COLUMN `email`, ALGORITHM=INSTANT;\n",
    },
    DiffCase {
        name: "widen a type and drop NOT NULL",
        live: Some(USERS),
        desired: r#"{"primaryKey":["id"],"columns":[{"name":"id","type":"integer"},{"name":"email","type":"text"}]}"#,
        expected: "ALTER TABLE `users` MODIFY COLUMN `email` text;\n",
    },
    DiffCase {
        name: "add a unique index",
        live: Some(USERS),
        desired: r#"{"primaryKey":["id"],"columns":[{"name":"id","type":"integer"},{"name":"email","type":"varchar(255)","constraints":{"notNull":true}}],"indexes":[{"columns":["email"],"isUnique":true}]}"#,
        expected: "CREATE UNIQUE INDEX `idx_users_email` ON `users` (`email`) ALGORITHM=INPLACE LOCK=NONE;\n",
    },
    DiffCase {
        name: "add a foreign key",
        live: Some(USERS),
        desired: r#"{"primaryKey":["id"],"columns":[{"name":"id","type":"integer"},{"name":"email","type":"varchar(255)","constraints":{"notNull":true}},{"name":"org","type":"integer"}],"foreignKeys":[{"columns":["org"],"references":{"table":"orgs","columns":["id"]},"onDelete":"CASCADE"}]}"#,
        expected: "ALTER TABLE `users` ADD COLUMN `org` int, ALGORITHM=INSTANT;\nALTER TABLE `users` ADD CONSTRAINT `users_org_fkey` FOREIGN KEY (`org`) REFERENCES `orgs` (`id`) ON DELETE CASCADE;\n",
    },
    DiffCase { name: "drop the table", live: Some(USERS), desired: r#"{"isDeleted":true}"#, expected: "DROP TABLE `users`;\n" },
    DiffCase { name: "a deleted table that does not exist", live: None, desired: r#"{"isDeleted":true}"#, expected: "" },
];

fn spec(json: &str, case: &str) -> MysqlTableSchema {
    serde_json::from_str(json).unwrap_or_else(|e| panic!("case {case:?}: spec does not parse: {e}"))
}

fn plan_sql(case: &DiffCase) -> String {
    let desired_spec = spec(case.desired, case.name);
    let desired = desired_table("users", &desired_spec, &Charsets::default(), DATABASE_DEFAULT);
    let live = case.live.map(|l| desired_table("users", &spec(l, case.name), &Charsets::default(), DATABASE_DEFAULT));
    let diff = diff_table(&desired, live.as_ref(), desired_spec.is_deleted);
    if diff.is_empty() {
        return String::new();
    }
    // An InnoDB table on MySQL 8.0.36 with no instant row versions used yet.
    let facts = TableFacts { engine: "InnoDB".into(), row_format: "Dynamic".into(), rows_estimate: None, row_versions: Some(0) };
    let work = TableWork { name: "users".into(), diff, seed: Vec::new(), live, facts, rows: None };
    let statements = render(vec![work], Server::parse(Flavor::Mysql, "8.0.36"));
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
        let desired = desired_table("users", &desired_spec, &Charsets::default(), DATABASE_DEFAULT);
        assert!(diff_table(&desired, Some(&desired), false).is_empty(), "case {:?} does not converge", case.name);
    }
}
