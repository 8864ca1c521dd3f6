//! Reading the live schema from `information_schema`, in bulk: a fixed number of queries per
//! database (tables, columns, indexes, foreign keys, and on MariaDB check constraints),
//! whatever the number of tables.

use crate::Flavor;
use crate::model::{Charsets, CheckDef, ColumnDef, ForeignKeyDef, IndexDef, KeyDef, TableDef, mysql};
use crate::normalize::{canonical_charset, canonical_collation, mbmaxlen, normalize_type, quote_literal};
use sqlx::MySqlPool;
use std::collections::{BTreeMap, HashMap, HashSet};

/// `information_schema` columns are binary strings on some MySQL 8 builds; converting keeps
/// decoding into `String` working on both servers.
fn s(column: &str) -> String {
    format!("CONVERT({column} USING utf8mb4)")
}

/// `AND <column> IN (?, …)` for the tables asked about, or nothing for all tables.
fn table_filter(column: &str, tables: Option<&[String]>) -> String {
    match tables {
        Some(names) if !names.is_empty() => format!(" AND {column} IN ({})", vec!["?"; names.len()].join(", ")),
        Some(_) => " AND FALSE".into(),
        None => String::new(),
    }
}

macro_rules! bind_all {
    ($query:expr, $db:expr, $tables:expr) => {{
        let mut q = $query.bind($db.to_string());
        if let Some(names) = $tables {
            for n in names.iter() {
                q = q.bind(n.clone());
            }
        }
        q
    }};
}

/// Live tables of `database`, by name. `tables = None` reads every base table.
pub async fn introspect(
    pool: &MySqlPool,
    flavor: Flavor,
    database: &str,
    tables: Option<&[String]>,
    charsets: &Charsets,
) -> Result<BTreeMap<String, TableDef>, sqlx::Error> {
    let mut result: BTreeMap<String, TableDef> = BTreeMap::new();
    let sql = format!(
        "SELECT {}, {}, {} FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_TYPE = 'BASE TABLE'{} ORDER BY TABLE_NAME",
        s("TABLE_NAME"),
        s("COALESCE(TABLE_COLLATION, '')"),
        s("COALESCE(TABLE_COMMENT, '')"),
        table_filter("TABLE_NAME", tables)
    );
    let rows: Vec<(String, String, String)> = bind_all!(sqlx::query_as(sqlx::AssertSqlSafe(sql)), database, tables).fetch_all(pool).await?;
    for (name, collation, comment) in rows {
        let collation = canonical_collation(&collation);
        let charset =
            charsets.charset_of.get(&collation).cloned().unwrap_or_else(|| collation.split('_').next().unwrap_or_default().into());
        result.insert(
            name.clone(),
            TableDef {
                name,
                comment: (!comment.is_empty()).then_some(comment),
                ext: mysql::Table { charset, collation, explicit_charset: false },
                ..TableDef::default()
            },
        );
    }
    if result.is_empty() {
        return Ok(result);
    }

    // MariaDB stores json as longtext with a json_valid() check named after the column; such
    // column-level checks are the column's, and only table-level ones are the spec's `checks`.
    let mut json_columns: HashSet<(String, String)> = HashSet::new();
    if flavor == Flavor::MariaDb {
        let sql = format!(
            "SELECT {}, {}, {}, {} FROM information_schema.CHECK_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = ?{} ORDER BY TABLE_NAME, CONSTRAINT_NAME",
            s("TABLE_NAME"),
            s("CONSTRAINT_NAME"),
            s("CHECK_CLAUSE"),
            s("LEVEL"),
            table_filter("TABLE_NAME", tables)
        );
        let rows: Vec<(String, String, String, String)> =
            bind_all!(sqlx::query_as(sqlx::AssertSqlSafe(sql)), database, tables).fetch_all(pool).await?;
        for (table, name, clause, level) in rows {
            let quoted = format!("json_valid(`{}`)", name.replace('`', "``"));
            if clause.trim().eq_ignore_ascii_case(&quoted) {
                json_columns.insert((table.clone(), name.clone()));
            }
            if level.eq_ignore_ascii_case("table")
                && let Some(def) = result.get_mut(&table)
            {
                def.checks.push(CheckDef { name, expression: clause, source: None });
            }
        }
    } else {
        // MySQL 8: check names are unique per schema; TABLE_CONSTRAINTS says whose they are.
        let sql = format!(
            "SELECT {}, {}, {} FROM information_schema.TABLE_CONSTRAINTS tc JOIN information_schema.CHECK_CONSTRAINTS cc
               ON cc.CONSTRAINT_SCHEMA = tc.CONSTRAINT_SCHEMA AND cc.CONSTRAINT_NAME = tc.CONSTRAINT_NAME
             WHERE tc.TABLE_SCHEMA = ? AND tc.CONSTRAINT_TYPE = 'CHECK'{} ORDER BY tc.TABLE_NAME, tc.CONSTRAINT_NAME",
            s("tc.TABLE_NAME"),
            s("tc.CONSTRAINT_NAME"),
            s("cc.CHECK_CLAUSE"),
            table_filter("tc.TABLE_NAME", tables)
        );
        let rows: Vec<(String, String, String)> =
            bind_all!(sqlx::query_as(sqlx::AssertSqlSafe(sql)), database, tables).fetch_all(pool).await?;
        for (table, name, clause) in rows {
            if let Some(def) = result.get_mut(&table) {
                def.checks.push(CheckDef { name, expression: clause, source: None });
            }
        }
    }

    let sql = format!(
        "SELECT {}, {}, {}, {}, {}, {}, {}, {}, {} FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ?{} ORDER BY TABLE_NAME, ORDINAL_POSITION",
        s("TABLE_NAME"),
        s("COLUMN_NAME"),
        s("COLUMN_TYPE"),
        s("IS_NULLABLE"),
        s("COLUMN_DEFAULT"),
        s("EXTRA"),
        s("CHARACTER_SET_NAME"),
        s("COLLATION_NAME"),
        s("COALESCE(COLUMN_COMMENT, '')"),
        table_filter("TABLE_NAME", tables)
    );
    type ColumnRow = (String, String, String, String, Option<String>, String, Option<String>, Option<String>, String);
    let rows: Vec<ColumnRow> = bind_all!(sqlx::query_as(sqlx::AssertSqlSafe(sql)), database, tables).fetch_all(pool).await?;
    for (table, name, column_type, nullable, default, extra, charset, collation, comment) in rows {
        let json = json_columns.contains(&(table.clone(), name.clone()));
        let Some(def) = result.get_mut(&table) else {
            continue;
        };
        let charset = charset.map(|c| canonical_charset(&c));
        let data_type = if json { "json".to_string() } else { normalize_type(&column_type, charset.as_deref().map(mbmaxlen).unwrap_or(4)) };
        let extra_lower = extra.to_ascii_lowercase();
        def.columns.push(ColumnDef {
            default: live_default(flavor, default.as_deref(), &extra_lower, &data_type),
            auto_increment: extra_lower.contains("auto_increment"),
            not_null: nullable.eq_ignore_ascii_case("NO"),
            ext: mysql::Column {
                on_update: extra_lower.find("on update ").map(|p| extra[p + "on update ".len()..].trim().to_string()),
                // json's utf8mb4_bin on MariaDB is part of the type, not a choice to compare.
                charset: if json { None } else { charset },
                collation: if json { None } else { collation.map(|c| canonical_collation(&c)) },
                explicit_charset: false,
            },
            data_type,
            name,
            comment: (!comment.is_empty()).then_some(comment),
            ..ColumnDef::default()
        });
    }

    // Index columns in order; PRIMARY is the primary key. Functional key parts (MySQL 8) have
    // no column name and cannot be written in a spec: such indexes are left alone.
    let sql = format!(
        "SELECT {}, {}, CAST(NON_UNIQUE AS SIGNED), {}, {} FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = ?{} ORDER BY TABLE_NAME, INDEX_NAME, SEQ_IN_INDEX",
        s("TABLE_NAME"),
        s("INDEX_NAME"),
        s("COLUMN_NAME"),
        s("INDEX_TYPE"),
        table_filter("TABLE_NAME", tables)
    );
    let rows: Vec<(String, String, i64, Option<String>, String)> =
        bind_all!(sqlx::query_as(sqlx::AssertSqlSafe(sql)), database, tables).fetch_all(pool).await?;
    let mut indexes: BTreeMap<(String, String), (IndexDef, bool)> = BTreeMap::new();
    for (table, name, non_unique, column, index_type) in rows {
        let entry = indexes.entry((table, name.clone())).or_insert_with(|| {
            (IndexDef { name: Some(name), unique: non_unique == 0, method: index_method(&index_type), ..IndexDef::default() }, false)
        });
        match column {
            Some(c) => entry.0.columns.push(c),
            None => entry.1 = true,
        }
    }
    for ((table, name), (index, functional)) in indexes {
        let Some(def) = result.get_mut(&table) else {
            continue;
        };
        if name == "PRIMARY" {
            def.primary_key = Some(KeyDef { name: None, columns: index.columns });
        } else if !functional {
            def.indexes.push(index);
        }
    }

    let sql = format!(
        "SELECT {}, {}, {}, {}, {}, {} FROM information_schema.KEY_COLUMN_USAGE k
         JOIN information_schema.REFERENTIAL_CONSTRAINTS r
           ON r.CONSTRAINT_SCHEMA = k.CONSTRAINT_SCHEMA AND r.CONSTRAINT_NAME = k.CONSTRAINT_NAME AND r.TABLE_NAME = k.TABLE_NAME
         WHERE k.TABLE_SCHEMA = ? AND k.REFERENCED_TABLE_NAME IS NOT NULL{}
         ORDER BY k.TABLE_NAME, k.CONSTRAINT_NAME, k.ORDINAL_POSITION",
        s("k.TABLE_NAME"),
        s("k.CONSTRAINT_NAME"),
        s("k.COLUMN_NAME"),
        s("k.REFERENCED_TABLE_NAME"),
        s("k.REFERENCED_COLUMN_NAME"),
        s("r.DELETE_RULE"),
        table_filter("k.TABLE_NAME", tables)
    );
    let rows: Vec<(String, String, String, String, String, String)> =
        bind_all!(sqlx::query_as(sqlx::AssertSqlSafe(sql)), database, tables).fetch_all(pool).await?;
    for (table, name, column, ref_table, ref_column, delete_rule) in rows {
        let Some(def) = result.get_mut(&table) else {
            continue;
        };
        match def.foreign_keys.iter_mut().find(|f| f.name.as_deref() == Some(name.as_str())) {
            Some(fk) => {
                fk.columns.push(column);
                fk.ref_columns.push(ref_column);
            }
            None => def.foreign_keys.push(ForeignKeyDef {
                name: Some(name),
                columns: vec![column],
                ref_schema: None,
                ref_table,
                ref_columns: vec![ref_column],
                on_delete: canonical_action(&delete_rule),
            }),
        }
    }
    Ok(result)
}

/// InnoDB builds HASH indexes as BTREE (and reports BTREE), so the two are one method here.
pub fn index_method(raw: &str) -> String {
    match raw.to_ascii_lowercase().as_str() {
        "fulltext" => "fulltext".into(),
        "spatial" | "rtree" => "spatial".into(),
        _ => "btree".into(),
    }
}

/// InnoDB treats RESTRICT and NO ACTION alike (checked immediately); MariaDB reports an
/// unspecified action as RESTRICT, MySQL 8 as NO ACTION.
pub fn canonical_action(rule: &str) -> String {
    match schemahero_schema::normalize_fk_action(rule) {
        Some("RESTRICT") | Some("NO ACTION") | None => "NO ACTION".into(),
        Some(other) => other.into(),
    }
}

/// A live default as SQL. MariaDB (10.2.7+) reports SQL already: quoted literals, `NULL`,
/// expressions. MySQL 8 reports the bare value of a literal, and expressions (EXTRA says
/// DEFAULT_GENERATED) as their text; the bare value is quoted here.
fn live_default(flavor: Flavor, raw: Option<&str>, extra: &str, data_type: &str) -> Option<String> {
    let raw = raw?;
    match flavor {
        Flavor::MariaDb => (!raw.eq_ignore_ascii_case("null")).then(|| raw.to_string()),
        Flavor::Mysql => {
            let lower = raw.to_ascii_lowercase();
            let expression = extra.contains("default_generated")
                || (lower.starts_with("current_timestamp") && is_time(data_type))
                || (data_type.starts_with("bit") && lower.starts_with("b'"));
            Some(if expression { raw.to_string() } else { quote_literal(raw) })
        }
    }
}

fn is_time(t: &str) -> bool {
    t.starts_with("timestamp") || t.starts_with("datetime")
}

/// The server's charsets: default collation of each, charset of each collation. On MariaDB
/// 11.2+ `character_set_collations` overrides some defaults (utf8mb4 → uca1400); it is read
/// when present. (MySQL 8's `default_collation_for_utf8mb4` only affects replication.)
pub async fn charsets(pool: &MySqlPool, flavor: Flavor) -> Result<Charsets, sqlx::Error> {
    let sql = format!(
        "SELECT {}, {}, {} FROM information_schema.COLLATIONS",
        s("CHARACTER_SET_NAME"),
        s("COLLATION_NAME"),
        s("COALESCE(IS_DEFAULT, '')")
    );
    let rows: Vec<(Option<String>, String, String)> = sqlx::query_as(sqlx::AssertSqlSafe(sql)).fetch_all(pool).await?;
    let mut out = Charsets::default();
    for (charset, collation, is_default) in rows {
        let Some(charset) = charset else { continue };
        let (charset, collation) = (canonical_charset(&charset), canonical_collation(&collation));
        if is_default.eq_ignore_ascii_case("yes") {
            out.default_collation.insert(charset.clone(), collation.clone());
        }
        out.charset_of.insert(collation, charset);
    }
    if flavor == Flavor::MariaDb {
        let overrides: Result<(Option<String>,), sqlx::Error> =
            sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT {}", s("@@character_set_collations")))).fetch_one(pool).await;
        if let Ok((Some(list),)) = overrides {
            for pair in list.split(',') {
                if let Some((cs, co)) = pair.split_once('=') {
                    let cs = canonical_charset(cs);
                    let co = canonical_collation(co);
                    // uca1400_ai_ci is a family: the collation actually used is <charset>_uca1400_ai_ci.
                    let co = if co.starts_with(&format!("{cs}_")) { co } else { format!("{cs}_{co}") };
                    out.charset_of.insert(co.clone(), cs.clone());
                    out.default_collation.insert(cs, co);
                }
            }
        }
    }
    Ok(out)
}

/// The database's default (charset, collation).
pub async fn database_defaults(pool: &MySqlPool, database: &str) -> Result<(String, String), sqlx::Error> {
    let sql = format!(
        "SELECT {}, {} FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?",
        s("DEFAULT_CHARACTER_SET_NAME"),
        s("DEFAULT_COLLATION_NAME")
    );
    let (cs, co): (String, String) = sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(database).fetch_one(pool).await?;
    Ok((canonical_charset(&cs), canonical_collation(&co)))
}

pub type LiveTables = HashMap<String, TableDef>;

/// Engine, row format and row estimate of one existing table, and on MySQL 8.0.29+ its instant
/// row versions (see `online`). Read only for tables a plan changes.
pub async fn table_facts(
    pool: &MySqlPool,
    server: crate::online::Server,
    database: &str,
    table: &str,
) -> Result<crate::online::TableFacts, sqlx::Error> {
    let sql = format!(
        "SELECT {}, {}, TABLE_ROWS FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?",
        s("COALESCE(ENGINE, '')"),
        s("COALESCE(ROW_FORMAT, '')")
    );
    let row: Option<(String, String, Option<u64>)> =
        sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(database).bind(table).fetch_optional(pool).await?;
    let (engine, row_format, rows_estimate) = row.unwrap_or_default();
    let mut facts = crate::online::TableFacts { engine, row_format, rows_estimate, row_versions: None };
    if server.flavor == Flavor::Mysql && server.version >= (8, 0, 29) {
        // InnoDB names tables `database/table` (names with special characters are encoded, and
        // then not found: the count stays unknown and no INSTANT clause is given).
        facts.row_versions = sqlx::query_scalar::<_, u64>(
            "SELECT CAST(TOTAL_ROW_VERSIONS AS UNSIGNED) FROM information_schema.INNODB_TABLES WHERE NAME = ?",
        )
        .bind(format!("{database}/{table}"))
        .fetch_optional(pool)
        .await
        .ok()
        .flatten();
    }
    Ok(facts)
}

/// The rows a dropped table or column takes with it: `TABLE_ROWS` when it is large, otherwise
/// an exact count bounded by `schemahero_plan::rows::COUNT_LIMIT`.
pub async fn row_count(pool: &MySqlPool, table: &str, estimate: Option<u64>) -> Result<schemahero_plan::rows::RowCount, sqlx::Error> {
    use schemahero_plan::rows::{RowCount, bounded_count_sql};
    if let Some(rows) = RowCount::from_estimate(estimate.map(|e| e as f64)) {
        return Ok(rows);
    }
    let counted: i64 =
        sqlx::query_scalar(sqlx::AssertSqlSafe(bounded_count_sql(&crate::render::quote_ident(table)))).fetch_one(pool).await?;
    Ok(RowCount::counted(counted))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::normalize::{canonical_default, default_to_sql};

    #[test]
    fn mysql8_bare_values_and_mariadb_sql_reach_the_same_canonical_default() {
        let same = |mysql: Option<String>, mariadb: Option<String>, spec: &str| {
            let spec = default_to_sql(spec).and_then(|d| canonical_default(&d));
            assert_eq!(mysql.as_deref().and_then(canonical_default), spec, "mysql 8");
            assert_eq!(mariadb.as_deref().and_then(canonical_default), spec, "mariadb");
        };
        same(
            live_default(Flavor::Mysql, Some("it's"), "", "varchar(10)"),
            live_default(Flavor::MariaDb, Some("'it''s'"), "", "varchar(10)"),
            "it's",
        );
        same(
            live_default(Flavor::Mysql, Some("CURRENT_TIMESTAMP"), "default_generated", "timestamp"),
            live_default(Flavor::MariaDb, Some("current_timestamp()"), "", "timestamp"),
            "CURRENT_TIMESTAMP",
        );
        same(
            live_default(Flavor::Mysql, Some("uuid()"), "default_generated", "char(36)"),
            live_default(Flavor::MariaDb, Some("uuid()"), "", "char(36)"),
            "uuid()",
        );
        same(live_default(Flavor::Mysql, Some("0"), "", "int"), live_default(Flavor::MariaDb, Some("0"), "", "int"), "0");
        // MySQL 8 reports a literal that looks like a function call bare; it stays a literal.
        assert_eq!(live_default(Flavor::Mysql, Some("now()"), "", "varchar(10)").as_deref(), Some("'now()'"));
        assert_eq!(live_default(Flavor::MariaDb, Some("NULL"), "", "int"), None);
    }

    #[test]
    fn restrict_is_no_action_and_hash_is_btree() {
        assert_eq!(canonical_action("RESTRICT"), "NO ACTION");
        assert_eq!(canonical_action("CASCADE"), "CASCADE");
        assert_eq!(index_method("HASH"), "btree");
        assert_eq!(index_method("FULLTEXT"), "fulltext");
    }
}
