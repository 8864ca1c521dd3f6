//! End-state dumps read straight from the catalogs, independently of the engines'
//! introspection, so that a bug there cannot hide itself.

use sqlx::{Connection, MySqlConnection, PgConnection, SqliteConnection};

/// name, type, not null, default, identity, comment
type PgColumn = (String, String, bool, Option<String>, String, Option<String>);

pub async fn postgres(uri: &str) -> Result<String, String> {
    let mut conn = PgConnection::connect(uri).await.map_err(|e| e.to_string())?;
    let mut out = String::new();
    let tables: Vec<(String, String)> = sqlx::query_as(
        "SELECT n.nspname::text, c.relname::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE c.relkind IN ('r','p') AND n.nspname NOT IN ('pg_catalog','information_schema') AND n.nspname NOT LIKE 'pg_toast%'
         ORDER BY 1, 2",
    )
    .fetch_all(&mut conn)
    .await
    .map_err(|e| e.to_string())?;
    // Enum types, with their values in order (what `schema.postgres.enums` plans).
    let enums: Vec<(String, String, String)> = sqlx::query_as(
        "SELECT n.nspname::text, t.typname::text, string_agg(quote_literal(e.enumlabel), ', ' ORDER BY e.enumsortorder)
         FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace JOIN pg_enum e ON e.enumtypid = t.oid
         GROUP BY 1, 2 ORDER BY 1, 2",
    )
    .fetch_all(&mut conn)
    .await
    .map_err(|e| e.to_string())?;
    for (schema, name, values) in enums {
        out.push_str(&format!("enum {schema}.{name} ({values})\n"));
    }
    for (schema, table) in tables {
        let q = format!("\"{}\".\"{}\"", schema.replace('"', "\"\""), table.replace('"', "\"\""));
        out.push_str(&format!("table {schema}.{table}\n"));
        if let Some(comment) = sqlx::query_scalar::<_, Option<String>>("SELECT obj_description($1::regclass, 'pg_class')")
            .bind(&q)
            .fetch_one(&mut conn)
            .await
            .map_err(|e| e.to_string())?
        {
            out.push_str(&format!("  comment {comment:?}\n"));
        }
        let columns: Vec<PgColumn> = sqlx::query_as(
            "SELECT a.attname::text, format_type(a.atttypid, a.atttypmod), a.attnotnull, pg_get_expr(d.adbin, d.adrelid), a.attidentity::text,
                    col_description(a.attrelid, a.attnum)
             FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
             WHERE a.attrelid = $1::regclass AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum",
        )
        .bind(&q)
        .fetch_all(&mut conn)
        .await
        .map_err(|e| e.to_string())?;
        for (name, ty, not_null, default, identity, comment) in columns {
            out.push_str(&format!("  column {name} {ty}"));
            if not_null {
                out.push_str(" not null");
            }
            if let Some(d) = default {
                out.push_str(&format!(" default {d}"));
            }
            if !identity.is_empty() {
                out.push_str(&format!(" identity({identity})"));
            }
            if let Some(c) = comment {
                out.push_str(&format!(" comment {c:?}"));
            }
            out.push('\n');
        }
        let constraints: Vec<(String, String)> = sqlx::query_as(
            "SELECT conname::text, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = $1::regclass AND contype IN ('p','f','u','c') ORDER BY conname",
        )
        .bind(&q)
        .fetch_all(&mut conn)
        .await
        .map_err(|e| e.to_string())?;
        for (name, def) in constraints {
            out.push_str(&format!("  constraint {name} {def}\n"));
        }
        // An index a failed concurrent build left is marked: it exists but is never used.
        let indexes: Vec<(String,)> = sqlx::query_as(
            "SELECT pg_get_indexdef(i.indexrelid) || CASE WHEN i.indisvalid THEN '' ELSE ' INVALID' END
             FROM pg_index i WHERE i.indrelid = $1::regclass
               AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid AND c.contype IN ('p','u'))
             ORDER BY 1",
        )
        .bind(&q)
        .fetch_all(&mut conn)
        .await
        .map_err(|e| e.to_string())?;
        for (def,) in indexes {
            out.push_str(&format!("  index {def}\n"));
        }
        let triggers: Vec<(String,)> = sqlx::query_as(
            "SELECT pg_get_triggerdef(oid) FROM pg_trigger WHERE tgrelid = $1::regclass AND NOT tgisinternal ORDER BY tgname",
        )
        .bind(&q)
        .fetch_all(&mut conn)
        .await
        .map_err(|e| e.to_string())?;
        for (def,) in triggers {
            out.push_str(&format!("  trigger {def}\n"));
        }
        let rows: Vec<(String,)> = sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT row_to_json(t)::text FROM {q} t ORDER BY 1")))
            .fetch_all(&mut conn)
            .await
            .map_err(|e| e.to_string())?;
        for (row,) in rows {
            out.push_str(&format!("  row {row}\n"));
        }
    }
    // Views: the server's printing of the query, and the rows it returns.
    let views: Vec<(String, String, String)> = sqlx::query_as(
        "SELECT n.nspname::text, c.relname::text, pg_get_viewdef(c.oid) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE c.relkind = 'v' AND n.nspname NOT IN ('pg_catalog','information_schema') ORDER BY 1, 2",
    )
    .fetch_all(&mut conn)
    .await
    .map_err(|e| e.to_string())?;
    for (schema, view, definition) in views {
        out.push_str(&format!("view {schema}.{view}:{}\n", definition.trim_end()));
        let q = format!("\"{}\".\"{}\"", schema.replace('"', "\"\""), view.replace('"', "\"\""));
        let rows: Vec<(String,)> = sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT row_to_json(t)::text FROM {q} t ORDER BY 1")))
            .fetch_all(&mut conn)
            .await
            .map_err(|e| e.to_string())?;
        for (row,) in rows {
            out.push_str(&format!("  row {row}\n"));
        }
    }
    conn.close().await.map_err(|e| e.to_string())?;
    Ok(out)
}

pub async fn sqlite(path: &str) -> Result<String, String> {
    let mut conn = SqliteConnection::connect(&format!("sqlite://{path}")).await.map_err(|e| e.to_string())?;
    let mut out = String::new();
    let objects: Vec<(String, String, String, Option<String>)> = sqlx::query_as(
        "SELECT type, name, tbl_name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY tbl_name, type DESC, name",
    )
    .fetch_all(&mut conn)
    .await
    .map_err(|e| e.to_string())?;
    for (kind, name, table, sql) in &objects {
        out.push_str(&format!("{kind} {name} on {table}: {}\n", sql.as_deref().unwrap_or("(automatic)")));
        if kind == "table" {
            let cols: Vec<(String,)> = sqlx::query_as("SELECT name FROM pragma_table_info(?) ORDER BY cid")
                .bind(name)
                .fetch_all(&mut conn)
                .await
                .map_err(|e| e.to_string())?;
            let list: Vec<String> = cols.iter().map(|(c,)| format!("\"{}\"", c.replace('"', "\"\""))).collect();
            let q = format!("SELECT json_array({}) FROM \"{}\" ORDER BY 1", list.join(", "), name.replace('"', "\"\""));
            let rows: Vec<(String,)> = sqlx::query_as(sqlx::AssertSqlSafe(q)).fetch_all(&mut conn).await.map_err(|e| e.to_string())?;
            for (row,) in rows {
                out.push_str(&format!("  row {row}\n"));
            }
        }
    }
    conn.close().await.map_err(|e| e.to_string())?;
    Ok(out)
}

/// MySQL / MariaDB: `SHOW CREATE TABLE` of every base table (the server's own rendering, not
/// the engine's introspection) and the rows as JSON arrays.
pub async fn mysql(uri: &str) -> Result<String, String> {
    let mut conn = MySqlConnection::connect(uri).await.map_err(|e| e.to_string())?;
    let mut out = String::new();
    let tables: Vec<(String,)> = sqlx::query_as(
        "SELECT CONVERT(TABLE_NAME USING utf8mb4) FROM information_schema.TABLES
         WHERE TABLE_SCHEMA = DATABASE() AND TABLE_TYPE = 'BASE TABLE' ORDER BY TABLE_NAME",
    )
    .fetch_all(&mut conn)
    .await
    .map_err(|e| e.to_string())?;
    for (table,) in tables {
        let q = format!("`{}`", table.replace('`', "``"));
        let (_, create): (String, String) =
            sqlx::query_as(sqlx::AssertSqlSafe(format!("SHOW CREATE TABLE {q}"))).fetch_one(&mut conn).await.map_err(|e| e.to_string())?;
        out.push_str(&format!("{create}\n"));
        let cols: Vec<(String,)> = sqlx::query_as(
            "SELECT CONVERT(COLUMN_NAME USING utf8mb4) FROM information_schema.COLUMNS
             WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION",
        )
        .bind(&table)
        .fetch_all(&mut conn)
        .await
        .map_err(|e| e.to_string())?;
        let list: Vec<String> = cols.iter().map(|(c,)| format!("`{}`", c.replace('`', "``"))).collect();
        let sql = format!("SELECT CONVERT(JSON_ARRAY({}) USING utf8mb4) AS r FROM {q} ORDER BY r", list.join(", "));
        let rows: Vec<(String,)> = sqlx::query_as(sqlx::AssertSqlSafe(sql)).fetch_all(&mut conn).await.map_err(|e| e.to_string())?;
        for (row,) in rows {
            out.push_str(&format!("  row {row}\n"));
        }
    }
    mysql_views(&mut conn, &mut out).await?;
    conn.close().await.map_err(|e| e.to_string())?;
    Ok(out)
}

/// Views: the server's printing of the query (without the database's own name, which differs
/// between test runs) and the rows it returns.
async fn mysql_views(conn: &mut MySqlConnection, out: &mut String) -> Result<(), String> {
    let views: Vec<(String, String, String)> = sqlx::query_as(
        "SELECT CONVERT(TABLE_NAME USING utf8mb4), CONVERT(VIEW_DEFINITION USING utf8mb4), CONVERT(TABLE_SCHEMA USING utf8mb4)
         FROM information_schema.VIEWS WHERE TABLE_SCHEMA = DATABASE() ORDER BY TABLE_NAME",
    )
    .fetch_all(&mut *conn)
    .await
    .map_err(|e| e.to_string())?;
    for (view, definition, database) in views {
        let own = format!("`{}`.", database.replace('`', "``"));
        out.push_str(&format!("view {view}: {}\n", definition.replace(&own, "")));
        let q = format!("`{}`", view.replace('`', "``"));
        let cols: Vec<(String,)> = sqlx::query_as(
            "SELECT CONVERT(COLUMN_NAME USING utf8mb4) FROM information_schema.COLUMNS
             WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION",
        )
        .bind(&view)
        .fetch_all(&mut *conn)
        .await
        .map_err(|e| e.to_string())?;
        let list: Vec<String> = cols.iter().map(|(c,)| format!("`{}`", c.replace('`', "``"))).collect();
        let sql = format!("SELECT CONVERT(JSON_ARRAY({}) USING utf8mb4) AS r FROM {q} ORDER BY r", list.join(", "));
        let rows: Vec<(String,)> = sqlx::query_as(sqlx::AssertSqlSafe(sql)).fetch_all(&mut *conn).await.map_err(|e| e.to_string())?;
        for (row,) in rows {
            out.push_str(&format!("  row {row}\n"));
        }
    }
    Ok(())
}
