use super::Dialect::{Mysql, Postgres, Sqlite};
use super::*;

fn ok(result: Result<(), String>, what: &str) {
    if let Err(e) = result {
        panic!("{what} must be accepted: {e}");
    }
}

fn refused(result: Result<(), String>, what: &str) -> String {
    match result {
        Ok(()) => panic!("{what} must be refused"),
        Err(e) => e,
    }
}

#[test]
fn types_users_write_are_accepted() {
    let postgres = [
        "integer",
        "varchar(255)",
        "VARCHAR (255)",
        "numeric(10, 2)",
        "decimal(10,2)",
        "numeric(5,-2)",
        "timestamp(3) with time zone",
        "timestamp without time zone",
        "time(0)",
        "timestamptz(6)",
        "text[]",
        "integer[][]",
        "int[3]",
        "varchar(10)[]",
        "integer array",
        "double precision",
        "character varying(20)",
        "character varying",
        "national character varying(4)",
        "bit varying(4)",
        "interval",
        "interval day to second(3)",
        "interval(6)",
        "interval[]",
        "public.my_enum",
        "\"Mood\"",
        "app.\"My Type\"[]",
        "mood[]",
        "vector(3)",
        "geometry(Point, 4326)",
        "uuid",
        "jsonb",
        "bigserial",
        "STRING",
        "\"char\"",
    ];
    for t in postgres {
        ok(check_type(Postgres, t), t);
    }
    let mysql = [
        "int",
        "int unsigned",
        "INT(10) UNSIGNED",
        "bigint unsigned zerofill",
        "decimal(10,2)",
        "DECIMAL(10, 2)",
        "double precision",
        "float(7,4)",
        "varchar(255)",
        "character varying(20)",
        "national varchar(10)",
        "long varchar",
        "enum('a','b''c')",
        "enum('happy', 'sad', \"it's\")",
        "ENUM('a', 'b')",
        "set('r','w','x')",
        "enum('a\\'b')",
        "datetime(6)",
        "tinyint(1)",
        "json",
        "text(100)",
        "year(4)",
        "bit(1)",
    ];
    for t in mysql {
        ok(check_type(Mysql, t), t);
    }
    for t in ["integer", "text", "varchar(20)", "decimal(10, 2)", "any", "unsigned big int", "double precision", "numeric(-1)"] {
        ok(check_type(Sqlite, t), t);
    }
}

#[test]
fn injected_types_are_refused() {
    for dialect in [Postgres, Mysql, Sqlite] {
        for t in [
            "integer); drop table z; --",
            "text /* x */",
            "int, evil int",
            "int -- x",
            "varchar(10",
            "varchar(10))",
            "int default 1",
            "text not null",
            "text primary key",
            "varchar('x')",
            "int; drop table z",
            "",
            "$$x$$",
            "int\0",
            "text collate \"C\"",
        ] {
            refused(check_type(dialect, t), &format!("{dialect:?} type {t:?}"));
        }
    }
    for t in ["text[] references z(id)", "\"a[\" integer", "public.\"x(y)\"", "\"unterminated", "int[x]", "varchar(255) check (false)"] {
        refused(check_type(Postgres, t), t);
    }
    for t in ["enum('a'), evil int", "enum(a)", "enum", "enum('a' 'b')", "int unsigned evil", "`t`", "enum('a) drop"] {
        refused(check_type(Mysql, t), t);
    }
    for t in ["[integer]", "integer(1, 2, 3)", "integer(x)"] {
        refused(check_type(Sqlite, t), t);
    }
    let e = refused(check_type(Postgres, "integer); drop table z; --"), "the example");
    assert!(e.contains("';'"), "{e}");
}

#[test]
fn defaults_users_write_are_accepted() {
    let common =
        ["now()", "gen_random_uuid()", "CURRENT_TIMESTAMP", "CURRENT_TIMESTAMP(3)", "0", "-1.5", "true", "'x'", "hello", "it's", ""];
    for dialect in [Postgres, Mysql, Sqlite] {
        for d in common {
            ok(check_default(dialect, d), &format!("{dialect:?} default {d:?}"));
        }
    }
    let postgres = [
        "nextval('seq'::regclass)",
        "nextval('invoice_numbers')",
        "'x'::text",
        "'{}'::text[]",
        "'{}'::jsonb",
        "'ok'::mood",
        "'x'::character varying(10)",
        "'2020-01-01 00:00:00'::timestamp without time zone",
        "(now() + interval '1 day')",
        "(1 + 2)",
        "('2024-01-31'::date + 1)",
        "CAST(1 AS bigint)",
        "public.my_fn(1, 'a')",
        "now()::date",
        "ARRAY[]::text[]",
        "upper('tbd')",
        "current_user",
        "10 minutes",
        "text/html; charset=utf-8",
        "now() + 1 day",
        "crème brûlée",
        "a 'b' c",
        "'already quoted'",
        "E'a\\\\b'",
    ];
    for d in postgres {
        ok(check_default(Postgres, d), d);
    }
    let mysql = [
        "uuid()",
        "(uuid())",
        "current_timestamp()",
        "now(6)",
        "curdate()",
        "b'1'",
        "CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP",
        "NULL ON UPDATE CURRENT_TIMESTAMP(3)",
        "CURRENT_TIMESTAMP(3) ON UPDATE now(3)",
        "r,w",
        "2020-01-01 10:00:00",
        "{}",
        "back\\slash",
        "\"dq\"",
        "'quoted'",
        "concat('a', 'b')",
    ];
    for d in mysql {
        ok(check_default(Mysql, d), d);
    }
    for d in ["datetime('now')", "(datetime('now', 'localtime'))", "CURRENT_DATE"] {
        ok(check_default(Sqlite, d), d);
    }
}

#[test]
fn injected_defaults_are_refused() {
    for dialect in [Postgres, Mysql, Sqlite] {
        for d in [
            "now()); drop table z; --",
            "1; drop table z",
            "'a' -- x",
            "'a'; drop table z",
            "(1); drop table z; (1)",
            "now() /* x */",
            "current_timestamp); drop table z; select (1",
            "f(1)) x",
            "lower('a'); drop table z",
            "'a' /* x */",
        ] {
            refused(check_default(dialect, d), &format!("{dialect:?} default {d:?}"));
        }
    }
    for d in [
        "cast(1 as int); drop table z",
        "1::int; drop table z",
        "1::int primary key",
        "'x'::text not null",
        "'a'::text, evil int",
        "now()::date check (false)",
        "$$x$$::text",
        "'a\\'' ; drop table z; --'::text",
        "E'\\'' ; drop table z; --'",
    ] {
        refused(check_default(Postgres, d), d);
    }
    for d in [
        "b'1' ; drop table z; select '1'",
        "'abc'; drop table z; --",
        "now() # x",
        "'a\\'' ; drop table z; select '",
        "CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP; drop table z",
        "CURRENT_TIMESTAMP ON UPDATE evil()",
        "0 ON UPDATE CURRENT_TIMESTAMP, evil int",
    ] {
        refused(check_default(Mysql, d), d);
    }
    // SQLite reads [..] as a quoted name: a quote inside it does not open a string.
    refused(check_default(Sqlite, "(['] ; drop table z; select ['])"), "sqlite bracket quoting");
    let e = refused(check_default(Postgres, "1; drop table z"), "the example");
    assert!(e.contains("';'") && e.contains("quoted literal"), "{e}");
    let e = refused(check_default(Postgres, "cast(1 as int); drop table z"), "the example");
    assert!(e.contains("not exactly one"), "{e}");
}

#[test]
fn index_methods_storage_parameters_and_charsets() {
    for m in ["btree", "GIN", "gist", "brin", "hash", "spgist", "hnsw"] {
        ok(check_index_method(Postgres, m), m);
    }
    for m in ["btree", "hash", "FULLTEXT", "spatial"] {
        ok(check_index_method(Mysql, m), m);
    }
    ok(check_index_method(Sqlite, "btree"), "btree");
    for (dialect, m) in
        [(Postgres, "btree (x); drop"), (Postgres, "gin; drop table z"), (Postgres, "fulltext"), (Mysql, "gin"), (Sqlite, "hash")]
    {
        refused(check_index_method(dialect, m), m);
    }
    for (k, v) in [
        ("fillfactor", "70"),
        ("fastupdate", "off"),
        ("deduplicate_items", "true"),
        ("buffering", "'auto'"),
        ("x", "-1.5"),
        ("x", "'a'') x'"),
    ] {
        ok(check_storage_parameter(k, v), k);
    }
    for (k, v) in [
        ("fillfactor", "70); drop table t; --"),
        ("fillfactor = 70); drop table t; --", "70"),
        ("fillfactor", "'a') x'"),
        ("fillfactor", "'a\\'"),
        ("fillfactor", ""),
        ("fill factor", "70"),
        ("fillfactor", "1.2.3"),
    ] {
        refused(check_storage_parameter(k, v), &format!("{k} = {v}"));
    }
    for c in ["utf8mb4", "utf8mb4_bin", "latin1_swedish_ci"] {
        ok(check_charset_name(c), c);
    }
    for c in ["utf8mb4_bin; drop", "", "utf8 mb4", "a'b"] {
        refused(check_charset_name(c), c);
    }
}

#[test]
fn trigger_events_and_conditions() {
    for e in ["before insert", "AFTER UPDATE", "after update of a, \"B c\"", "instead of delete", "update", "before truncate"] {
        ok(check_trigger_event(Postgres, e), e);
    }
    for e in ["after insert", "before update of a", "instead of delete"] {
        ok(check_trigger_event(Sqlite, e), e);
    }
    for e in ["before insert; drop table z", "before insert or delete", "before truncate", "after update of", "before select"] {
        refused(check_trigger_event(Sqlite, e), e);
    }
    refused(check_trigger_event(Postgres, "before insert -- x"), "comment");
    for c in ["NEW.balance < 0", "OLD.* IS DISTINCT FROM NEW.*", "new.x in (1, 2)", "NEW.name <> 'a;b'"] {
        ok(check_expression(Postgres, c), c);
        ok(check_expression(Sqlite, c), c);
    }
    for c in ["true) execute procedure evil(); --", "1; drop table z", "x /* */", "(x", "x)", ""] {
        refused(check_expression(Postgres, c), c);
        refused(check_expression(Sqlite, c), c);
    }
    ok(check_param_mode("inout"), "inout");
    refused(check_param_mode("in; drop"), "mode");
    ok(check_plain_name("arg_1"), "name");
    refused(check_plain_name("a b"), "name");
}

#[test]
fn identifier_limits() {
    let name63 = "a".repeat(63);
    let name64 = "a".repeat(64);
    ok(check_identifier(Postgres, &name63), "63 bytes");
    let e = refused(check_identifier(Postgres, &name64), "64 bytes");
    assert!(e.contains("64 bytes") && e.contains("63"), "{e}");
    // Bytes, not characters: 32 two-byte characters are 64 bytes.
    refused(check_identifier(Postgres, &"é".repeat(32)), "64 bytes of é");
    ok(check_identifier(Mysql, &"é".repeat(64)), "64 characters");
    refused(check_identifier(Mysql, &"a".repeat(65)), "65 characters");
    ok(check_identifier(Sqlite, &"a".repeat(1000)), "SQLite has no limit");
    refused(check_identifier(Sqlite, "a\0b"), "NUL");
    assert_eq!(truncate_identifier(Postgres, &"é".repeat(40)), "é".repeat(31));
    assert_eq!(truncate_identifier(Mysql, &"é".repeat(70)), "é".repeat(64));
}
