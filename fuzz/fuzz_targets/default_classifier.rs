//! The default classifier (which spec defaults are SQL and which are text) and the SQL-safety
//! checks on what a spec writes into DDL, in every dialect. Whatever passes the check must,
//! once rendered the way the engine renders it, stay inside its statement: the SQL splitter
//! `apply` uses (reading `[` as that dialect's server does) sees exactly one statement.
#![no_main]

use libfuzzer_sys::fuzz_target;
use schemahero_mysql::Flavor;
use schemahero_plan::{SplitDialect, split_statements_for};
use schemahero_schema::sql_safety::{Dialect, check_default, check_expression, check_trigger_event, check_type};

fn one_statement(dialect: Dialect, sql: &str, what: &str, input: &str) {
    let split = match dialect {
        Dialect::Postgres => SplitDialect::Postgres,
        Dialect::Mysql => SplitDialect::Mysql,
        Dialect::Sqlite => SplitDialect::Sqlite,
    };
    match split_statements_for(sql, split) {
        Ok(parts) => assert_eq!(parts.len(), 1, "{what} {input:?} passed the check but renders as {} statements: {parts:?}", parts.len()),
        Err(e) => panic!("{what} {input:?} passed the check but its statement does not split: {e}: {sql}"),
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let _ = schemahero_schema::defaults::is_sql_default(text);
    let _ = schemahero_schema::mysql_defaults::is_sql_default(text);

    if check_default(Dialect::Postgres, text).is_ok()
        && let Some(sql) = schemahero_postgres::normalize::default_to_sql(text)
    {
        one_statement(Dialect::Postgres, &format!("ALTER TABLE t ALTER COLUMN c SET DEFAULT {sql}"), "postgres default", text);
    }
    if check_default(Dialect::Sqlite, text).is_ok()
        && let Some(sql) = schemahero_sqlite::normalize::default_sql(text)
    {
        one_statement(Dialect::Sqlite, &format!("CREATE TABLE t (c text DEFAULT {sql})"), "sqlite default", text);
    }
    if check_default(Dialect::Mysql, text).is_ok() {
        let (default, on_update) = schemahero_mysql::normalize::split_on_update(text);
        let mut column = String::from("`c` text");
        if let Some(sql) = schemahero_mysql::normalize::default_to_sql(&default) {
            for flavor in [Flavor::Mysql, Flavor::MariaDb] {
                for data_type in ["text", "varchar(10)"] {
                    let rendered = schemahero_mysql::render::default_sql(&sql, data_type, flavor);
                    one_statement(Dialect::Mysql, &format!("ALTER TABLE t ALTER COLUMN c SET DEFAULT {rendered}"), "mysql default", text);
                }
            }
            column.push_str(&format!(" DEFAULT {sql}"));
        }
        if let Some(on_update) = on_update {
            column.push_str(&format!(" ON UPDATE {on_update}"));
        }
        one_statement(Dialect::Mysql, &format!("ALTER TABLE t ADD COLUMN {column}"), "mysql default", text);
    }

    for (dialect, name) in [(Dialect::Postgres, "postgres"), (Dialect::Mysql, "mysql"), (Dialect::Sqlite, "sqlite")] {
        if check_type(dialect, text).is_ok() {
            one_statement(dialect, &format!("CREATE TABLE t (c {text})"), &format!("{name} type"), text);
        }
        if check_expression(dialect, text).is_ok() {
            one_statement(dialect, &format!("SELECT 1 WHERE ({text})"), &format!("{name} condition"), text);
        }
        let _ = check_trigger_event(dialect, text);
    }
});
