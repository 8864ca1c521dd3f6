//! Renames and enum types through the CLI as users run it: `plan` to a file, `apply --ddl` of
//! that file (which carries no execution hints), `plan` again to nothing.

use std::process::{Command, Output};

fn cli(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kubectl-schemahero")).args(args).output().expect("run the CLI")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn temp_dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("schemahero-cli-features-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// plan → file → apply --ddl → plan again (empty); returns the plan.
fn plan_apply_replan(driver: &str, uri: &str, specs: &std::path::Path, dir: &std::path::Path) -> String {
    let plan_file = dir.join("plan.sql");
    let _ = std::fs::remove_file(&plan_file);
    let o = cli(&["plan", "--driver", driver, "--uri", uri, "--spec-file", specs.to_str().unwrap(), "--out", plan_file.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let plan = std::fs::read_to_string(&plan_file).unwrap();
    let o = cli(&["apply", "--driver", driver, "--uri", uri, "--ddl", plan_file.to_str().unwrap()]);
    assert!(o.status.success(), "applying\n{plan}\n{}", stderr(&o));
    let o = cli(&["plan", "--driver", driver, "--uri", uri, "--spec-file", specs.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(String::from_utf8_lossy(&o.stdout), "", "re-plan must be empty after\n{plan}");
    plan
}

#[test]
fn renamed_table_and_column_keep_their_rows_and_an_ambiguous_rename_fails() {
    let dir = temp_dir("rename");
    let db = format!("sqlite:{}", dir.join("app.db").display());
    let setup = dir.join("setup.sql");
    std::fs::write(&setup, "CREATE TABLE people (id integer PRIMARY KEY, full_name text);\nINSERT INTO people VALUES (1, 'Ada');\n")
        .unwrap();
    let o = cli(&["apply", "--driver", "sqlite", "--uri", &db, "--ddl", setup.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let specs = dir.join("specs");
    std::fs::create_dir_all(&specs).unwrap();
    std::fs::write(
        specs.join("t.yaml"),
        "database: db\nname: customers\nrenamedFrom: people\nschema:\n  sqlite:\n    primaryKey: [id]\n    columns:\n      - name: id\n        type: integer\n      - name: name\n        renamedFrom: full_name\n        type: text\n",
    )
    .unwrap();
    let plan = plan_apply_replan("sqlite", &db, &specs, &dir);
    assert_eq!(
        plan,
        "ALTER TABLE \"people\" RENAME TO \"customers\";\nALTER TABLE \"customers\" RENAME COLUMN \"full_name\" TO \"name\";\n"
    );
    let generated = dir.join("generated");
    let o = cli(&["generate", "--driver", "sqlite", "--uri", &db, "--output-dir", generated.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let yaml = std::fs::read_to_string(generated.join("customers.yaml")).unwrap();
    assert!(yaml.contains("name: name") && !yaml.contains("renamedFrom"), "generate is unaffected:\n{yaml}");

    // The old name appears again: the spec no longer says which table it means.
    std::fs::write(&setup, "CREATE TABLE people (id integer PRIMARY KEY);\n").unwrap();
    let o = cli(&["apply", "--driver", "sqlite", "--uri", &db, "--ddl", setup.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = cli(&["plan", "--driver", "sqlite", "--uri", &db, "--spec-file", specs.to_str().unwrap()]);
    assert!(!o.status.success());
    let e = stderr(&o);
    assert!(e.contains("\"customers\"") && e.contains("\"people\"") && e.contains("both"), "{e}");
}

/// A default that uses an enum value the same plan adds: the value must be committed first,
/// also when the plan is applied as a plain script.
#[test]
fn enum_value_added_and_used_in_one_plan_applies_from_a_script() {
    let server = std::env::var("SCHEMAHERO_TEST_POSTGRES").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".into());
    let uri = format!("{server}/postgres");
    let schema = format!("{}cli_enums", std::env::var("SCHEMAHERO_TEST_DB_PREFIX").unwrap_or_default());
    let dir = temp_dir("enums");
    let setup = dir.join("setup.sql");
    std::fs::write(
        &setup,
        format!(
            "DROP SCHEMA IF EXISTS \"{schema}\" CASCADE;\nCREATE SCHEMA \"{schema}\";\nCREATE TYPE \"{schema}\".mood AS ENUM ('sad', 'ok');\n\
             CREATE TABLE \"{schema}\".people (id integer PRIMARY KEY, m \"{schema}\".mood DEFAULT 'ok');\n"
        ),
    )
    .unwrap();
    let o = cli(&["apply", "--driver", "postgres", "--uri", &uri, "--ddl", setup.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let specs = dir.join("specs");
    std::fs::create_dir_all(&specs).unwrap();
    std::fs::write(
        specs.join("t.yaml"),
        format!(
            "database: db\nname: people\nschema:\n  postgres:\n    schema: {schema}\n    enums:\n      - name: mood\n        values: [sad, ok, great]\n    primaryKey: [id]\n    columns:\n      - name: id\n        type: integer\n      - name: m\n        type: {schema}.mood\n        default: great\n"
        ),
    )
    .unwrap();
    let plan = plan_apply_replan("postgres", &uri, &specs, &dir);
    assert!(plan.contains("ADD VALUE IF NOT EXISTS 'great' AFTER 'ok'") && plan.contains("SET DEFAULT 'great'"), "{plan}");
    std::fs::write(&setup, format!("DROP SCHEMA IF EXISTS \"{schema}\" CASCADE;\n")).unwrap();
    let o = cli(&["apply", "--driver", "postgres", "--uri", &uri, "--ddl", setup.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
}
