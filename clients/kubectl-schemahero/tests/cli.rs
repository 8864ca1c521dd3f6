//! The CLI as users run it: exit codes and one-line errors for bad input.

use std::process::{Command, Output};

fn cli(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kubectl-schemahero")).args(args).output().expect("run the CLI")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn temp_dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("schemahero-cli-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

const SPEC: &str = "database: db\nname: items\nschema:\n  sqlite:\n    primaryKey: [id]\n    columns:\n      - name: id\n        type: integer\n      - name: label\n        type: text\n        default: it's\n";

#[test]
fn unknown_driver_is_one_clear_line() {
    let o = cli(&["plan", "--driver", "oracle", "--uri", "x", "--spec-file", "."]);
    assert_eq!(o.status.code(), Some(1));
    let e = stderr(&o);
    assert!(e.starts_with("Error: unknown driver \"oracle\""), "{e}");
    assert_eq!(e.trim_end().lines().count(), 1, "{e}");
}

#[test]
fn bad_uri_never_echoes_the_password() {
    let dir = temp_dir("baduri");
    std::fs::write(dir.join("t.yaml"), SPEC).unwrap();
    let o = cli(&["plan", "--driver", "postgres", "--uri", "mysql://u:hunter2@h/db", "--spec-file", dir.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    let e = stderr(&o);
    assert!(e.contains("invalid URI") && !e.contains("hunter2"), "{e}");
}

#[test]
fn unreachable_server_fails_with_the_target_and_no_password() {
    let dir = temp_dir("unreachable");
    std::fs::write(dir.join("t.yaml"), SPEC).unwrap();
    // Port 1 on loopback: nothing listens there.
    let o = cli(&["plan", "--driver", "postgres", "--uri", "postgres://u:s3cret%21@127.0.0.1:1/db", "--spec-file", dir.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    let e = stderr(&o);
    assert!(e.contains("cannot connect to postgres at 127.0.0.1:1/db"), "{e}");
    assert!(!e.contains("s3cret"), "{e}");
    assert_eq!(e.trim_end().lines().count(), 1, "{e}");
}

#[test]
fn spec_errors_name_the_file_and_field() {
    let dir = temp_dir("badspec");
    std::fs::write(dir.join("t.yaml"), SPEC.replace("primaryKey: [id]", "primaryKey: [nope]")).unwrap();
    let db = dir.join("x.db");
    let o = cli(&["plan", "--driver", "sqlite", "--uri", db.to_str().unwrap(), "--spec-file", dir.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    let e = stderr(&o);
    assert!(e.contains("t.yaml") && e.contains("spec.schema.sqlite.primaryKey[0]") && e.contains("\"nope\""), "{e}");
}

/// A spec that would inject SQL through a column type: the plan fails naming the file, table,
/// column and field, prints no statement, and the database is left untouched.
#[test]
fn a_spec_injecting_sql_is_refused_and_nothing_is_planned() {
    let dir = temp_dir("inject");
    let specs = dir.join("specs");
    std::fs::create_dir_all(&specs).unwrap();
    std::fs::write(specs.join("items.yaml"), SPEC).unwrap();
    let evil = "database: db\nname: victims\nschema:\n  sqlite:\n    columns:\n      - name: ok\n        type: text\n      - name: id\n        type: \"integer); drop table items; --\"\n";
    std::fs::write(specs.join("victims.yaml"), evil).unwrap();
    let db = dir.join("app.db");
    let o = cli(&["plan", "--driver", "sqlite", "--uri", db.to_str().unwrap(), "--spec-file", specs.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    let e = stderr(&o);
    assert!(e.contains("victims.yaml") && e.contains("table \"victims\"") && e.contains("column \"id\""), "{e}");
    assert!(e.contains("spec.schema.sqlite.columns[1].type") && e.contains("';'"), "{e}");
    assert_eq!(String::from_utf8_lossy(&o.stdout), "", "nothing may be planned");
    let generated = dir.join("generated");
    let o = cli(&["generate", "--driver", "sqlite", "--uri", db.to_str().unwrap(), "--output-dir", generated.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let tables: Vec<_> = std::fs::read_dir(&generated)
        .map(|d| d.flatten().map(|e| e.file_name()).filter(|n| n != "kustomization.yaml").collect())
        .unwrap_or_default();
    assert!(tables.is_empty(), "no table may have been created: {tables:?}");
}

#[test]
fn plan_apply_replan_on_sqlite_and_generate_round_trip() {
    let dir = temp_dir("roundtrip");
    let specs = dir.join("specs");
    std::fs::create_dir_all(&specs).unwrap();
    std::fs::write(specs.join("items.yaml"), SPEC).unwrap();
    std::fs::write(specs.join(".hidden.yaml"), "not: [valid").unwrap();
    let db = format!("sqlite:{}", dir.join("app.db").display());
    let plan_file = dir.join("plan.sql");
    let o =
        cli(&["plan", "--driver", "sqlite", "--uri", &db, "--spec-file", specs.to_str().unwrap(), "--out", plan_file.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let plan = std::fs::read_to_string(&plan_file).unwrap();
    assert!(plan.contains("\"label\" text DEFAULT 'it''s'"), "{plan}");
    assert!(plan.trim_end().ends_with(';'), "{plan}");

    let o = cli(&["apply", "--driver", "sqlite", "--uri", &db, "--ddl", plan_file.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));

    let o = cli(&["plan", "--driver", "sqlite", "--uri", &db, "--spec-file", specs.to_str().unwrap()]);
    assert!(o.status.success());
    assert_eq!(String::from_utf8_lossy(&o.stdout), "", "re-plan must be empty");

    let generated = dir.join("generated");
    let o = cli(&["generate", "--driver", "sqlite", "--uri", &db, "--dbname", "db", "--output-dir", generated.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(generated.join("items.yaml").exists());
    let o = cli(&["plan", "--driver", "sqlite", "--uri", &db, "--spec-file", generated.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(String::from_utf8_lossy(&o.stdout), "", "generate then plan must be empty");
}

#[test]
fn apply_stops_at_the_failing_statement_and_applies_nothing() {
    let dir = temp_dir("applyfail");
    let db = dir.join("a.db");
    let ddl = dir.join("bad.sql");
    std::fs::write(&ddl, "create table ok (a int);\ncreate table broken (;\n").unwrap();
    let o = cli(&["apply", "--driver", "sqlite", "--uri", db.to_str().unwrap(), "--ddl", ddl.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    let e = stderr(&o);
    assert!(e.contains("statement 2 failed") && e.contains("create table broken"), "{e}");
    let o = cli(&["generate", "--driver", "sqlite", "--uri", db.to_str().unwrap(), "--output-dir", dir.join("g").to_str().unwrap()]);
    assert!(o.status.success());
    assert!(!dir.join("g").join("ok.yaml").exists(), "the first statement must have been rolled back");
}

#[test]
fn postgres_uri_with_schemaheros_hostile_password_connects() {
    // SchemaHero's own tests use the password !@#$%^&*(){}'"; — percent-encoded in the URI.
    // The test server trusts loopback, so connecting proves the URI is parsed end to end.
    let server = std::env::var("SCHEMAHERO_TEST_POSTGRES").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".into());
    let with_password = server.replacen("postgres@", "postgres:%21%40%23%24%25%5E%26%2A%28%29%7B%7D%27%22%3B@", 1);
    let dir = temp_dir("pgpassword");
    std::fs::write(dir.join("t.yaml"), "database: db\nname: cli_password_probe\nschema:\n  postgres:\n    isDeleted: true\n").unwrap();
    let o = cli(&["plan", "--driver", "postgresql", "--uri", &format!("{with_password}/postgres"), "--spec-file", dir.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(String::from_utf8_lossy(&o.stdout), "", "dropping a table that does not exist plans nothing");
}

/// Seed data without a schema is planned against the live table; while the table does not
/// exist the plan says so, naming it, and without `--seed-data` there is nothing to plan.
#[test]
fn seed_data_without_schema_needs_the_table_and_says_which() {
    let dir = temp_dir("seedonly");
    let spec = "database: db\nname: countries\nseedData:\n  rows:\n    - columns:\n        - column: code\n          value: {str: FR}\n";
    std::fs::write(dir.join("t.yaml"), spec).unwrap();
    let db = dir.join("x.db");
    let args = ["plan", "--driver", "sqlite", "--uri", db.to_str().unwrap(), "--spec-file", dir.to_str().unwrap()];
    let o = cli(&args);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(String::from_utf8_lossy(&o.stdout).trim().is_empty(), "no DDL for a table without schema");
    let o = cli(&[&args[..], &["--seed-data"]].concat());
    assert_eq!(o.status.code(), Some(1));
    let e = stderr(&o);
    assert!(e.contains("table countries has seed data and no schema, and does not exist"), "{e}");
}

/// A DatabaseExtension is a Postgres feature: on other engines the plan says it was skipped
/// and still plans the tables.
#[test]
fn database_extensions_are_skipped_with_a_warning_off_postgres() {
    let dir = temp_dir("extsqlite");
    let ext = "apiVersion: databases.schemahero.io/v1alpha4\nkind: DatabaseExtension\nmetadata:\n  name: crypto\nspec:\n  database: db\n  postgres:\n    name: pgcrypto\n";
    std::fs::write(dir.join("ext.yaml"), ext).unwrap();
    std::fs::write(dir.join("t.yaml"), SPEC).unwrap();
    let db = dir.join("x.db");
    let o = cli(&["plan", "--driver", "sqlite", "--uri", db.to_str().unwrap(), "--spec-file", dir.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stderr(&o).contains("DatabaseExtension \"crypto\": extensions are a Postgres feature; skipped for sqlite"), "{}", stderr(&o));
    assert!(String::from_utf8_lossy(&o.stdout).contains("CREATE TABLE \"items\""));
}

/// `--spec-type function` plans Functions (Postgres) and skips Tables, saying so; an unknown
/// spec type is one clear error.
#[test]
fn spec_type_function_plans_functions_and_names_what_it_skips() {
    let dir = temp_dir("specfn");
    let f = "apiVersion: schemas.schemahero.io/v1alpha4\nkind: Function\nmetadata:\n  name: f\nspec:\n  database: db\n  name: f\n  schema:\n    postgres:\n      return: integer\n      as: SELECT 1\n";
    std::fs::write(dir.join("f.yaml"), f).unwrap();
    std::fs::write(dir.join("t.yaml"), SPEC).unwrap();
    let db = dir.join("x.db");
    let base = ["plan", "--driver", "sqlite", "--uri", db.to_str().unwrap(), "--spec-file", dir.to_str().unwrap()];
    let o = cli(&[&base[..], &["--spec-type", "function"]].concat());
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let e = stderr(&o);
    assert!(e.contains("Function \"f\": functions are planned on Postgres only; skipped for sqlite"), "{e}");
    assert!(e.contains("skipping Table \"items\" (not a Function)"), "{e}");
    assert!(String::from_utf8_lossy(&o.stdout).trim().is_empty());
    let o = cli(&[&base[..], &["--spec-type", "type"]].concat());
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("--spec-type \"type\" is not supported (table, function, view or all)"), "{}", stderr(&o));
}

/// `--spec-type view` plans Views (skipping Tables, saying so); `--spec-type all` plans the
/// tables and then the views that read them; applying that plan and planning again is empty.
#[test]
fn spec_type_view_and_all_plan_views_after_their_tables() {
    let dir = temp_dir("specview");
    let v = "apiVersion: schemas.schemahero.io/v1alpha4\nkind: View\nmetadata:\n  name: labels\nspec:\n  database: db\n  name: labels\n  schema:\n    sqlite:\n      query: SELECT label FROM items\n";
    std::fs::write(dir.join("a-view.yaml"), v).unwrap();
    std::fs::write(dir.join("t.yaml"), SPEC).unwrap();
    // The database and the plan live outside the spec directory (every file in it is a spec).
    let work = temp_dir("specview-work");
    let db = work.join("x.db");
    let base = ["--driver", "sqlite", "--uri", db.to_str().unwrap()];
    let plan =
        |spec_type: &str| cli(&[&["plan"][..], &base[..], &["--spec-file", dir.to_str().unwrap(), "--spec-type", spec_type]].concat());
    let o = plan("view");
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stderr(&o).contains("skipping Table \"items\" (not a View)"), "{}", stderr(&o));
    assert_eq!(String::from_utf8_lossy(&o.stdout), "CREATE VIEW \"labels\" AS\nSELECT label FROM items;\n");
    let o = plan("all");
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let script = String::from_utf8_lossy(&o.stdout).into_owned();
    let (table, view) = (script.find("CREATE TABLE \"items\""), script.find("CREATE VIEW \"labels\""));
    assert!(table.is_some() && view.is_some() && table < view, "the view after its table:\n{script}");
    let ddl = work.join("plan.sql");
    std::fs::write(&ddl, &script).unwrap();
    let o = cli(&[&["apply"][..], &base[..], &["--ddl", ddl.to_str().unwrap()]].concat());
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let o = plan("all");
    assert_eq!((o.status.code(), String::from_utf8_lossy(&o.stdout).into_owned()), (Some(0), String::new()), "{}", stderr(&o));
}
