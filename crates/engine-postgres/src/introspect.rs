//! Reading the live schema from the catalogs.
//!
//! A fixed number of bulk queries per Postgres schema (tables, columns, constraints, indexes,
//! triggers), each filtered to the tables asked about, so the cost grows with the rows
//! returned rather than with round trips.

use crate::normalize::{canonical_default, normalize_type};
use schemahero_schema::checks::check_source;
use schemahero_schema::model::postgres::{self, ColumnDef, TableDef};
use schemahero_schema::model::{CheckDef, ForeignKeyDef, IndexDef, KeyDef, TriggerDef};
use sqlx::PgPool;
use std::collections::{BTreeMap, HashMap};

/// The query with its table filter: `relname = ANY($2)` when tables are named, none otherwise.
/// Two texts rather than `($2 IS NULL OR relname = ANY($2))`: once Postgres switches a prepared
/// statement to its generic plan, that form scans the whole catalog even for one table.
pub(crate) fn by_name(sql: &str, by_names: bool) -> String {
    sql.replace("($2::text[] IS NULL OR c.relname = ANY($2))", if by_names { "c.relname = ANY($2)" } else { "$2::text[] IS NULL" })
}

/// Live tables of one schema, by table name. `tables = None` reads every table.
pub async fn introspect_schema(pool: &PgPool, schema: &str, tables: Option<&[String]>) -> Result<BTreeMap<String, TableDef>, sqlx::Error> {
    let names: Option<Vec<String>> = tables.map(<[String]>::to_vec);
    let by_names = names.is_some();
    let mut result: BTreeMap<String, TableDef> = BTreeMap::new();

    let rows: Vec<(String, bool, Option<String>)> = sqlx::query_as(sqlx::AssertSqlSafe(by_name(
        "SELECT c.relname::text, c.relkind = 'p', obj_description(c.oid, 'pg_class') FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE n.nspname = $1 AND c.relkind IN ('r', 'p') AND ($2::text[] IS NULL OR c.relname = ANY($2))
         ORDER BY c.relname",
        by_names,
    )))
    .bind(schema)
    .bind(&names)
    .fetch_all(pool)
    .await?;
    for (name, partitioned, comment) in rows {
        let comment = comment.filter(|c| !c.is_empty());
        let ext = postgres::Table { partitioned, ..postgres::Table::default() };
        result.insert(name.clone(), TableDef { schema: Some(schema.to_string()), name, ext, comment, ..TableDef::default() });
    }
    if result.is_empty() {
        return Ok(result);
    }

    let columns: Vec<ColumnRow> = sqlx::query_as(sqlx::AssertSqlSafe(by_name(
        "SELECT c.relname::text, a.attname::text, format_type(a.atttypid, a.atttypmod), a.attnotnull,
                pg_get_expr(d.adbin, d.adrelid), a.attidentity::text, col_description(c.oid, a.attnum)
         FROM pg_class c
         JOIN pg_namespace n ON n.oid = c.relnamespace
         JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
         LEFT JOIN pg_attrdef d ON d.adrelid = c.oid AND d.adnum = a.attnum
         WHERE n.nspname = $1 AND c.relkind IN ('r', 'p') AND ($2::text[] IS NULL OR c.relname = ANY($2))
         ORDER BY c.relname, a.attnum",
        by_names,
    )))
    .bind(schema)
    .bind(&names)
    .fetch_all(pool)
    .await?;
    for (table, name, data_type, not_null, default, identity, comment) in columns {
        let Some(def) = result.get_mut(&table) else {
            continue;
        };
        let (data_type, _) = normalize_type(&data_type);
        let default = default.as_deref().and_then(canonical_default);
        def.columns.push(ColumnDef {
            name,
            data_type,
            not_null,
            ext: postgres::Column { serial: is_serial_default(default.as_deref()) },
            default,
            auto_increment: !identity.is_empty(),
            comment: comment.filter(|c| !c.is_empty()),
            ..ColumnDef::default()
        });
    }

    let constraints: Vec<ConstraintRow> = sqlx::query_as(sqlx::AssertSqlSafe(by_name(
        "SELECT c.relname::text, con.conname::text, con.contype::text,
                ARRAY(SELECT a.attname::text FROM unnest(con.conkey) WITH ORDINALITY k(attnum, ord)
                      JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.attnum ORDER BY k.ord),
                fn.nspname::text, fc.relname::text,
                ARRAY(SELECT a.attname::text FROM unnest(con.confkey) WITH ORDINALITY k(attnum, ord)
                      JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.attnum ORDER BY k.ord),
                con.confdeltype::text
         FROM pg_constraint con
         JOIN pg_class c ON c.oid = con.conrelid
         JOIN pg_namespace n ON n.oid = c.relnamespace
         LEFT JOIN pg_class fc ON fc.oid = con.confrelid
         LEFT JOIN pg_namespace fn ON fn.oid = fc.relnamespace
         WHERE n.nspname = $1 AND con.contype IN ('p', 'f') AND ($2::text[] IS NULL OR c.relname = ANY($2))
         ORDER BY c.relname, con.conname",
        by_names,
    )))
    .bind(schema)
    .bind(&names)
    .fetch_all(pool)
    .await?;
    for (table, name, kind, columns, ref_schema, ref_table, ref_columns, on_delete) in constraints {
        let Some(def) = result.get_mut(&table) else {
            continue;
        };
        match kind.as_str() {
            "p" => def.primary_key = Some(KeyDef { name: Some(name), columns }),
            "f" => def.foreign_keys.push(ForeignKeyDef {
                name: Some(name),
                columns,
                ref_schema,
                ref_table: ref_table.unwrap_or_default(),
                ref_columns,
                on_delete: fk_action(&on_delete).to_string(),
            }),
            _ => {}
        }
    }

    // Indexes other than the primary key's; unique constraints come back flagged.
    // Expression and partial indexes cannot be expressed in a spec and are left alone. Invalid
    // ones are not indexes the spec can count on (`online::introspect` reads them).
    let indexes: Vec<IndexRow> = sqlx::query_as(sqlx::AssertSqlSafe(by_name(
        "SELECT c.relname::text, i.relname::text, ix.indisunique, am.amname::text,
                ARRAY(SELECT a.attname::text FROM unnest(ix.indkey) WITH ORDINALITY k(attnum, ord)
                      JOIN pg_attribute a ON a.attrelid = ix.indrelid AND a.attnum = k.attnum
                      WHERE k.ord <= ix.indnkeyatts ORDER BY k.ord),
                i.reloptions::text[],
                EXISTS (SELECT 1 FROM pg_constraint con WHERE con.conindid = ix.indexrelid AND con.contype = 'u')
         FROM pg_index ix
         JOIN pg_class c ON c.oid = ix.indrelid
         JOIN pg_class i ON i.oid = ix.indexrelid
         JOIN pg_namespace n ON n.oid = c.relnamespace
         JOIN pg_am am ON am.oid = i.relam
         WHERE n.nspname = $1 AND NOT ix.indisprimary AND ix.indexprs IS NULL AND ix.indpred IS NULL AND ix.indisvalid
           AND ($2::text[] IS NULL OR c.relname = ANY($2))
         ORDER BY c.relname, i.relname",
        by_names,
    )))
    .bind(schema)
    .bind(&names)
    .fetch_all(pool)
    .await?;
    for (table, name, unique, method, columns, options, constraint) in indexes {
        let Some(def) = result.get_mut(&table) else {
            continue;
        };
        let with = options
            .unwrap_or_default()
            .into_iter()
            .filter_map(|o| o.split_once('=').map(|(k, v)| (k.to_string(), v.to_string())))
            .collect();
        def.indexes.push(IndexDef { name: Some(name), columns, unique, method, with, constraint });
    }

    crate::online::introspect(pool, schema, &names, &mut result).await?;
    // CHECK constraints, with the comment that holds the spec's text of those SchemaHero made.
    let checks: Vec<(String, String, String, Option<String>)> = sqlx::query_as(sqlx::AssertSqlSafe(by_name(
        "SELECT c.relname::text, con.conname::text, pg_get_constraintdef(con.oid), obj_description(con.oid, 'pg_constraint')
         FROM pg_constraint con
         JOIN pg_class c ON c.oid = con.conrelid
         JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE n.nspname = $1 AND con.contype = 'c' AND ($2::text[] IS NULL OR c.relname = ANY($2))
         ORDER BY c.relname, con.conname",
        by_names,
    )))
    .bind(schema)
    .bind(&names)
    .fetch_all(pool)
    .await?;
    for (table, name, definition, comment) in checks {
        // The temporary checks behind an online SET NOT NULL are the online module's.
        if name.starts_with(schemahero_schema::model::postgres::NOT_NULL_CHECK_PREFIX) {
            continue;
        }
        if let Some(def) = result.get_mut(&table) {
            def.checks.push(CheckDef { name, expression: check_expression(&definition), source: check_source(comment.as_deref()) });
        }
    }

    let triggers: Vec<(String, String, String)> = sqlx::query_as(sqlx::AssertSqlSafe(by_name(
        "SELECT c.relname::text, t.tgname::text, pg_get_triggerdef(t.oid)
         FROM pg_trigger t
         JOIN pg_class c ON c.oid = t.tgrelid
         JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE n.nspname = $1 AND NOT t.tgisinternal AND ($2::text[] IS NULL OR c.relname = ANY($2))
         ORDER BY c.relname, t.tgname",
        by_names,
    )))
    .bind(schema)
    .bind(&names)
    .fetch_all(pool)
    .await?;
    for (table, name, definition) in triggers {
        if let Some(def) = result.get_mut(&table) {
            def.triggers.push(TriggerDef { name, create_sql: definition });
        }
    }
    Ok(result)
}

/// The expression of `CHECK (expr)` as `pg_get_constraintdef` prints it (` NOT VALID` after it
/// while unvalidated).
fn check_expression(definition: &str) -> String {
    let d = definition.trim();
    let d = d.strip_suffix(" NOT VALID").unwrap_or(d);
    let d = d.strip_suffix(" NO INHERIT").unwrap_or(d);
    d.strip_prefix("CHECK (").and_then(|e| e.strip_suffix(')')).unwrap_or(d).to_string()
}

fn fk_action(code: &str) -> &'static str {
    match code {
        "c" => "CASCADE",
        "n" => "SET NULL",
        "d" => "SET DEFAULT",
        "r" => "RESTRICT",
        _ => "NO ACTION",
    }
}

/// Names of the schemas other than the system ones, for `generate`.
pub async fn user_schemas(pool: &PgPool) -> Result<Vec<String>, sqlx::Error> {
    let rows: Vec<(String,)> = sqlx::query_as(
        "SELECT nspname::text FROM pg_namespace
         WHERE nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast') AND nspname NOT LIKE 'pg_temp_%'
           AND nspname NOT LIKE 'pg_toast_temp_%' ORDER BY nspname",
    )
    .fetch_all(pool)
    .await?;
    Ok(rows.into_iter().map(|(n,)| n).collect())
}

/// Which live columns are serial: their default takes the next value of a sequence.
fn is_serial_default(default: Option<&str>) -> bool {
    default.is_some_and(|d| d.starts_with("nextval("))
}

/// The fingerprint of just the tables named by `keys` (the ones that exist, in key order), so a
/// table planned in a batch gets the fingerprint it would get planned alone.
pub fn fingerprint_of(tables: &HashMap<(String, String), TableDef>, keys: &[(String, String)]) -> String {
    let mut keys: Vec<&(String, String)> = keys.iter().filter(|k| tables.contains_key(*k)).collect();
    keys.sort();
    keys.dedup();
    schemahero_plan::canonical::fingerprint_tables(keys.iter().filter_map(|k| tables.get(*k)))
}

/// One row of the column query, in its column order.
type ColumnRow = (String, String, String, bool, Option<String>, String, Option<String>);
/// One row of the constraint query, in its column order.
type ConstraintRow = (String, String, String, Vec<String>, Option<String>, Option<String>, Vec<String>, String);
/// One row of the index query, in its column order.
type IndexRow = (String, String, bool, String, Vec<String>, Option<Vec<String>>, bool);

/// The rows of one table for a DELETES_DATA hazard: `pg_class.reltuples` when it is large
/// (-1 means never vacuumed or analyzed), otherwise an exact count bounded by
/// `schemahero_plan::rows::COUNT_LIMIT`.
pub async fn row_count(pool: &PgPool, schema: &str, table: &str) -> Result<schemahero_plan::rows::RowCount, sqlx::Error> {
    use schemahero_plan::rows::{RowCount, bounded_count_sql};
    let estimate: Option<f64> = sqlx::query_scalar(
        "SELECT c.reltuples::float8 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE n.nspname = $1 AND c.relname = $2",
    )
    .bind(schema)
    .bind(table)
    .fetch_optional(pool)
    .await?;
    if let Some(rows) = RowCount::from_estimate(estimate) {
        return Ok(rows);
    }
    let table_sql = format!("{}.{}", crate::render::quote_ident(schema), crate::render::quote_ident(table));
    let counted: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(bounded_count_sql(&table_sql))).fetch_one(pool).await?;
    Ok(RowCount::counted(counted))
}
