//! Reading the live schema: a fixed number of queries joining sqlite_master with the
//! table-valued pragma functions, whatever the number of tables.

use crate::normalize::{canonical_default, normalize_type};
use schemahero_schema::model::sqlite::{self, ColumnDef, TableDef};
use schemahero_schema::model::{ForeignKeyDef, IndexDef, KeyDef, TriggerDef};
use sqlx::SqlitePool;
use std::collections::BTreeMap;

pub async fn introspect(pool: &SqlitePool, only: Option<&[String]>) -> Result<BTreeMap<String, TableDef>, sqlx::Error> {
    let wanted = |name: &str| only.is_none_or(|names| names.iter().any(|n| n == name));
    let mut tables = BTreeMap::new();

    let rows: Vec<(String, String, i64)> = sqlx::query_as(
        "SELECT m.name, coalesce(m.sql, ''), coalesce(t.strict, 0) FROM sqlite_master m
         LEFT JOIN pragma_table_list t ON t.name = m.name AND t.schema = 'main'
         WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY m.name",
    )
    .fetch_all(pool)
    .await?;
    let mut autoincrement_tables = Vec::new();
    for (name, sql, strict) in rows {
        if !wanted(&name) {
            continue;
        }
        if contains_keyword(&sql, "autoincrement") {
            autoincrement_tables.push(name.clone());
        }
        let checks = crate::checks::named_checks(&sql);
        tables.insert(
            name.clone(),
            TableDef { schema: None, name, checks, ext: sqlite::Table { strict: strict != 0 }, ..TableDef::default() },
        );
    }
    if tables.is_empty() {
        return Ok(tables);
    }

    let columns: Vec<(String, String, String, i64, Option<String>, i64)> = sqlx::query_as(
        "SELECT m.name, p.name, p.type, p.\"notnull\", p.dflt_value, p.pk FROM sqlite_master m
         JOIN pragma_table_info(m.name) p WHERE m.type = 'table' ORDER BY m.name, p.cid",
    )
    .fetch_all(pool)
    .await?;
    let mut pk_columns: BTreeMap<String, Vec<(i64, String)>> = BTreeMap::new();
    for (table, name, data_type, not_null, default, pk) in columns {
        let Some(def) = tables.get_mut(&table) else {
            continue;
        };
        if pk > 0 {
            pk_columns.entry(table.clone()).or_default().push((pk, name.clone()));
        }
        def.columns.push(ColumnDef {
            name,
            data_type: normalize_type(&data_type),
            not_null: not_null != 0,
            default: default.as_deref().and_then(canonical_default),
            auto_increment: false,
            ..ColumnDef::default()
        });
    }
    for (table, mut cols) in pk_columns {
        cols.sort();
        if let Some(def) = tables.get_mut(&table) {
            let columns: Vec<String> = cols.into_iter().map(|(_, c)| c).collect();
            if columns.len() == 1 && autoincrement_tables.contains(&table) {
                let pk = columns[0].clone();
                if let Some(c) = def.columns.iter_mut().find(|c| c.name == pk) {
                    c.auto_increment = true;
                }
            }
            def.primary_key = Some(KeyDef { name: None, columns });
        }
    }

    let index_columns: Vec<(String, String, i64, String, i64, Option<String>)> = sqlx::query_as(
        "SELECT m.name, il.name, il.\"unique\", il.origin, ii.seqno, ii.name FROM sqlite_master m
         JOIN pragma_index_list(m.name) il JOIN pragma_index_info(il.name) ii
         WHERE m.type = 'table' AND il.origin != 'pk' AND il.partial = 0 ORDER BY m.name, il.name, ii.seqno",
    )
    .fetch_all(pool)
    .await?;
    let mut indexes: BTreeMap<(String, String), IndexDef> = BTreeMap::new();
    let mut expression_indexes = Vec::new();
    for (table, index, unique, origin, _, column) in index_columns {
        let Some(column) = column else {
            expression_indexes.push((table.clone(), index.clone()));
            continue;
        };
        let entry = indexes.entry((table, index.clone())).or_insert_with(|| IndexDef {
            name: Some(index),
            columns: Vec::new(),
            unique: unique != 0,
            method: "btree".into(),
            with: BTreeMap::new(),
            constraint: origin == "u",
        });
        entry.columns.push(column);
    }
    for ((table, index), def) in indexes {
        if expression_indexes.contains(&(table.clone(), index)) {
            continue; // expression indexes cannot be written in a spec; leave them alone
        }
        if let Some(t) = tables.get_mut(&table) {
            t.indexes.push(def);
        }
    }

    let fks: Vec<ForeignKeyRow> = sqlx::query_as(
        "SELECT m.name, f.id, f.seq, f.\"table\", f.\"from\", f.\"to\", f.on_delete FROM sqlite_master m
         JOIN pragma_foreign_key_list(m.name) f WHERE m.type = 'table' ORDER BY m.name, f.id, f.seq",
    )
    .fetch_all(pool)
    .await?;
    let mut grouped: BTreeMap<(String, i64), ForeignKeyDef> = BTreeMap::new();
    for (table, id, _, ref_table, from, to, on_delete) in fks {
        let entry = grouped.entry((table, id)).or_insert_with(|| ForeignKeyDef {
            name: None,
            columns: Vec::new(),
            ref_schema: None,
            ref_table,
            ref_columns: Vec::new(),
            on_delete: on_delete.to_ascii_uppercase(),
        });
        entry.columns.push(from);
        entry.ref_columns.push(to.unwrap_or_default());
    }
    for ((table, _), fk) in grouped {
        if let Some(t) = tables.get_mut(&table) {
            t.foreign_keys.push(fk);
        }
    }
    // FKs written without target columns reference the parent's primary key.
    let pks: BTreeMap<String, Vec<String>> =
        tables.iter().filter_map(|(n, t)| t.primary_key.as_ref().map(|k| (n.clone(), k.columns.clone()))).collect();
    for t in tables.values_mut() {
        for fk in &mut t.foreign_keys {
            if fk.ref_columns.iter().all(String::is_empty)
                && let Some(cols) = pks.get(&fk.ref_table)
            {
                fk.ref_columns = cols.clone();
            }
        }
    }

    let triggers: Vec<(String, String, String)> =
        sqlx::query_as("SELECT tbl_name, name, coalesce(sql, '') FROM sqlite_master WHERE type = 'trigger' ORDER BY tbl_name, name")
            .fetch_all(pool)
            .await?;
    for (table, name, sql) in triggers {
        if let Some(t) = tables.get_mut(&table) {
            t.triggers.push(TriggerDef { name, create_sql: sql });
        }
    }
    Ok(tables)
}

/// Whether `keyword` appears as a word outside quotes in `sql`.
pub fn contains_keyword(sql: &str, keyword: &str) -> bool {
    let mut word = String::new();
    let mut quote: Option<char> = None;
    for ch in sql.chars().chain(std::iter::once(' ')) {
        if let Some(q) = quote {
            if ch == q {
                quote = None;
            }
            continue;
        }
        if matches!(ch, '\'' | '"' | '`' | '[') {
            quote = Some(if ch == '[' { ']' } else { ch });
            word.clear();
            continue;
        }
        if ch.is_alphanumeric() || ch == '_' {
            word.push(ch);
        } else {
            if word.eq_ignore_ascii_case(keyword) {
                return true;
            }
            word.clear();
        }
    }
    false
}

/// (table, foreign key id, column position, referenced table, column, referenced column, on delete)
type ForeignKeyRow = (String, i64, i64, String, String, Option<String>, String);

/// The rows of one table for a DELETES_DATA hazard: `sqlite_stat1`'s row count (written by
/// ANALYZE) when it is large, otherwise an exact count bounded by
/// `schemahero_plan::rows::COUNT_LIMIT`.
pub async fn row_count(pool: &SqlitePool, table: &str) -> Result<schemahero_plan::rows::RowCount, sqlx::Error> {
    use schemahero_plan::rows::{RowCount, bounded_count_sql};
    let analyzed: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'sqlite_stat1')")
        .fetch_one(pool)
        .await?;
    if analyzed {
        // Each row's `stat` starts with the number of rows in the table (or in the index, which
        // holds one entry per row).
        let stats: Vec<String> = sqlx::query_scalar("SELECT stat FROM sqlite_stat1 WHERE tbl = ?1").bind(table).fetch_all(pool).await?;
        let estimate = stats.iter().filter_map(|s| s.split_whitespace().next()?.parse::<f64>().ok()).reduce(f64::max);
        if let Some(rows) = RowCount::from_estimate(estimate) {
            return Ok(rows);
        }
    }
    let counted: i64 =
        sqlx::query_scalar(sqlx::AssertSqlSafe(bounded_count_sql(&schemahero_schema::seed::quote_ident(table)))).fetch_one(pool).await?;
    Ok(RowCount::counted(counted))
}
