//! Seed data as idempotent upserts, in the SQL both Postgres and SQLite (3.39+) accept.

use crate::defaults::quote_literal;
use crate::spec::{SeedRow, SeedValue};

/// Double-quotes an identifier, doubling embedded quotes (the rule of Postgres and SQLite).
pub fn quote_ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

fn value_sql(v: &SeedValue) -> String {
    match (&v.int, &v.str) {
        (Some(i), _) => i.to_string(),
        (None, Some(s)) => quote_literal(s),
        (None, None) => "NULL".to_string(),
    }
}

/// The statements for one seed row of the table named `table_sql` (already quoted) whose
/// primary key is `key`.
pub struct SeedRowSql {
    /// `SELECT EXISTS (…)`: true when a row with exactly these values is already present, in
    /// which case the upsert is left out of the plan so that planning converges.
    pub probe: String,
    /// `INSERT … ON CONFLICT (key) DO UPDATE …`, or `… DO NOTHING` without a usable key.
    pub upsert: String,
}

pub fn seed_row_sql(table_sql: &str, key: &[String], row: &SeedRow) -> SeedRowSql {
    let columns: Vec<&str> = row.columns.iter().map(|c| c.column.as_str()).collect();
    let values: Vec<String> = row.columns.iter().map(|c| value_sql(&c.value)).collect();
    let conditions: Vec<String> =
        columns.iter().zip(&values).map(|(c, v)| format!("{} IS NOT DISTINCT FROM {v}", quote_ident(c))).collect();
    let probe = format!("SELECT EXISTS (SELECT 1 FROM {table_sql} WHERE {})", conditions.join(" AND "));
    let quoted: Vec<String> = columns.iter().map(|c| quote_ident(c)).collect();
    let mut upsert = format!("INSERT INTO {table_sql} ({}) VALUES ({})", quoted.join(", "), values.join(", "));
    if !key.is_empty() && key.iter().all(|k| columns.contains(&k.as_str())) {
        let updates: Vec<String> =
            columns.iter().filter(|c| !key.iter().any(|k| k == *c)).map(|c| format!("{q} = excluded.{q}", q = quote_ident(c))).collect();
        let key_list: Vec<String> = key.iter().map(|k| quote_ident(k)).collect();
        if updates.is_empty() {
            upsert.push_str(&format!(" ON CONFLICT ({}) DO NOTHING", key_list.join(", ")));
        } else {
            upsert.push_str(&format!(" ON CONFLICT ({}) DO UPDATE SET {}", key_list.join(", "), updates.join(", ")));
        }
    } else {
        upsert.push_str(" ON CONFLICT DO NOTHING");
    }
    SeedRowSql { probe, upsert }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::SeedColumn;

    fn row(cols: &[(&str, SeedValue)]) -> SeedRow {
        SeedRow { columns: cols.iter().map(|(c, v)| SeedColumn { column: c.to_string(), value: v.clone() }).collect() }
    }

    #[test]
    fn upserts_on_the_primary_key_and_escapes_values() {
        let r = row(&[("id", SeedValue { int: Some(1), str: None }), ("name", SeedValue { int: None, str: Some("it's".into()) })]);
        let sql = seed_row_sql("\"t\"", &["id".into()], &r);
        assert_eq!(
            sql.upsert,
            "INSERT INTO \"t\" (\"id\", \"name\") VALUES (1, 'it''s') ON CONFLICT (\"id\") DO UPDATE SET \"name\" = excluded.\"name\""
        );
        assert_eq!(
            sql.probe,
            "SELECT EXISTS (SELECT 1 FROM \"t\" WHERE \"id\" IS NOT DISTINCT FROM 1 AND \"name\" IS NOT DISTINCT FROM 'it''s')"
        );
    }

    #[test]
    fn hostile_values_and_names_stay_inside_their_quotes() {
        let r = row(&[("a\"); drop table z; --", SeedValue { int: None, str: Some("'); drop table z; --".into()) })]);
        let sql = seed_row_sql("\"t\"", &[], &r);
        assert_eq!(sql.upsert, "INSERT INTO \"t\" (\"a\"\"); drop table z; --\") VALUES ('''); drop table z; --') ON CONFLICT DO NOTHING");
    }

    #[test]
    fn without_the_key_nothing_is_overwritten() {
        let r = row(&[("name", SeedValue { int: None, str: None })]);
        assert_eq!(seed_row_sql("\"t\"", &["id".into()], &r).upsert, "INSERT INTO \"t\" (\"name\") VALUES (NULL) ON CONFLICT DO NOTHING");
    }
}
