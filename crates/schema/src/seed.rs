//! Seed data as idempotent upserts: `INSERT … ON CONFLICT` in the SQL both Postgres and SQLite
//! (3.39+) accept, `INSERT … ON DUPLICATE KEY UPDATE` on MySQL. Each row comes with a probe
//! that tells whether it is already present, so that planning converges.

use crate::spec::{SeedRow, SeedValue};
use crate::sql_safety::Dialect;

/// Double-quotes an identifier, doubling embedded quotes (the rule of Postgres and SQLite).
pub fn quote_ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// Backquotes an identifier, doubling embedded backquotes (MySQL's rule).
pub fn quote_mysql_ident(name: &str) -> String {
    format!("`{}`", name.replace('`', "``"))
}

fn value_sql(dialect: Dialect, v: &SeedValue) -> String {
    match (&v.int, &v.str) {
        (Some(i), _) => i.to_string(),
        (None, Some(s)) if dialect == Dialect::Mysql => crate::mysql_defaults::quote_literal(s),
        (None, Some(s)) => crate::defaults::quote_literal(s),
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

/// The probe and upsert of one row of the table `table_sql` (already quoted) whose primary key
/// is `key`. Without the whole key in the row nothing is overwritten. On MySQL the probe uses
/// `<=>`, its NULL-safe equality; ON DUPLICATE KEY fires on any unique key, not only the
/// primary key, and `VALUES(col)` (deprecated since MySQL 8.0.20 in favour of a row alias,
/// which MariaDB does not have) is still accepted by both servers.
pub fn seed_row_sql(dialect: Dialect, table_sql: &str, key: &[String], row: &SeedRow) -> SeedRowSql {
    let quote = |c: &str| if dialect == Dialect::Mysql { quote_mysql_ident(c) } else { quote_ident(c) };
    let columns: Vec<&str> = row.columns.iter().map(|c| c.column.as_str()).collect();
    let values: Vec<String> = row.columns.iter().map(|c| value_sql(dialect, &c.value)).collect();
    let equals = |c: &str, v: &str| match dialect {
        Dialect::Mysql => format!("{} <=> {v}", quote(c)),
        Dialect::Postgres | Dialect::Sqlite => format!("{} IS NOT DISTINCT FROM {v}", quote(c)),
    };
    let conditions: Vec<String> = columns.iter().zip(&values).map(|(c, v)| equals(c, v)).collect();
    let probe = format!("SELECT EXISTS (SELECT 1 FROM {table_sql} WHERE {})", conditions.join(" AND "));
    let quoted: Vec<String> = columns.iter().map(|c| quote(c)).collect();
    let insert = format!("INTO {table_sql} ({}) VALUES ({})", quoted.join(", "), values.join(", "));
    let has_key = !key.is_empty() && key.iter().all(|k| columns.contains(&k.as_str()));
    let updated: Vec<&str> = columns.iter().copied().filter(|c| !key.iter().any(|k| k == c)).collect();
    let upsert = match dialect {
        Dialect::Mysql if has_key && !updated.is_empty() => {
            let updates: Vec<String> = updated.iter().map(|c| format!("{q} = VALUES({q})", q = quote(c))).collect();
            format!("INSERT {insert} ON DUPLICATE KEY UPDATE {}", updates.join(", "))
        }
        Dialect::Mysql => format!("INSERT IGNORE {insert}"),
        _ if !has_key => format!("INSERT {insert} ON CONFLICT DO NOTHING"),
        _ => {
            let key_list: Vec<String> = key.iter().map(|k| quote(k)).collect();
            if updated.is_empty() {
                format!("INSERT {insert} ON CONFLICT ({}) DO NOTHING", key_list.join(", "))
            } else {
                let updates: Vec<String> = updated.iter().map(|c| format!("{q} = excluded.{q}", q = quote(c))).collect();
                format!("INSERT {insert} ON CONFLICT ({}) DO UPDATE SET {}", key_list.join(", "), updates.join(", "))
            }
        }
    };
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
        let sql = seed_row_sql(Dialect::Postgres, "\"t\"", &["id".into()], &r);
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
        let sql = seed_row_sql(Dialect::Postgres, "\"t\"", &[], &r);
        assert_eq!(sql.upsert, "INSERT INTO \"t\" (\"a\"\"); drop table z; --\") VALUES ('''); drop table z; --') ON CONFLICT DO NOTHING");
    }

    #[test]
    fn without_the_key_nothing_is_overwritten() {
        let r = row(&[("name", SeedValue { int: None, str: None })]);
        assert_eq!(
            seed_row_sql(Dialect::Postgres, "\"t\"", &["id".into()], &r).upsert,
            "INSERT INTO \"t\" (\"name\") VALUES (NULL) ON CONFLICT DO NOTHING"
        );
    }

    #[test]
    fn mysql_upserts_on_the_key_and_escapes_values() {
        let r = row(&[("id", SeedValue { int: Some(1), str: None }), ("name", SeedValue { int: None, str: Some("it's \\".into()) })]);
        let sql = seed_row_sql(Dialect::Mysql, "`t`", &["id".into()], &r);
        assert_eq!(sql.upsert, "INSERT INTO `t` (`id`, `name`) VALUES (1, 'it''s \\\\') ON DUPLICATE KEY UPDATE `name` = VALUES(`name`)");
        assert_eq!(sql.probe, "SELECT EXISTS (SELECT 1 FROM `t` WHERE `id` <=> 1 AND `name` <=> 'it''s \\\\')");
    }

    #[test]
    fn mysql_hostile_values_stay_inside_their_quotes_with_or_without_backslash_escapes() {
        let r = row(&[("a`b", SeedValue { int: None, str: Some("\\'); drop table z; -- ".into()) })]);
        let sql = seed_row_sql(Dialect::Mysql, "`t`", &[], &r);
        // `\\` is one backslash (two with NO_BACKSLASH_ESCAPES) and `''` one quote either way.
        assert_eq!(sql.upsert, "INSERT IGNORE INTO `t` (`a``b`) VALUES ('\\\\''); drop table z; -- ')");
        let r = row(&[("name", SeedValue { int: None, str: None })]);
        assert_eq!(seed_row_sql(Dialect::Mysql, "`t`", &["id".into()], &r).upsert, "INSERT IGNORE INTO `t` (`name`) VALUES (NULL)");
    }
}
