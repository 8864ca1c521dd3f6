//! Canonical spellings for SQLite. SQLite keeps declared types as written, so a type is
//! canonical once case and spacing are settled; defaults follow the shared rule, with
//! non-literal expressions parenthesised as SQLite requires.

/// Defaults are compared in the same canonical form as on Postgres (SQLite has no `::`
/// casts, so that part of it never applies here).
pub use schemahero_schema::defaults::canonical_default;
use schemahero_schema::defaults::{default_to_sql, is_number, lower_outside_quotes};

pub fn normalize_type(raw: &str) -> String {
    let collapsed: String = raw.split_whitespace().collect::<Vec<_>>().join(" ");
    lower_outside_quotes(&collapsed).replace(" (", "(").replace("( ", "(").replace(" )", ")").replace(", ", ",")
}

/// The spec's default as SQLite accepts it in a column definition: literals, numbers, NULL,
/// TRUE/FALSE and CURRENT_TIME/DATE/TIMESTAMP bare; every other expression in parentheses.
pub fn default_sql(raw: &str) -> Option<String> {
    let sql = default_to_sql(raw)?;
    let lower = sql.to_ascii_lowercase();
    let bare = sql.starts_with('\'') && !sql.contains("::")
        || is_number(&sql)
        || matches!(lower.as_str(), "true" | "false" | "current_time" | "current_date" | "current_timestamp")
        || sql.starts_with('(');
    Some(if bare { sql } else { format!("({sql})") })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_compare_case_and_space_insensitively() {
        assert_eq!(normalize_type("VARCHAR (255)"), "varchar(255)");
        assert_eq!(normalize_type("decimal(10, 2)"), "decimal(10,2)");
        assert_eq!(normalize_type("INTEGER"), "integer");
    }

    #[test]
    fn function_defaults_are_parenthesised() {
        assert_eq!(default_sql("datetime('now')").as_deref(), Some("(datetime('now'))"));
        assert_eq!(default_sql("CURRENT_TIMESTAMP").as_deref(), Some("CURRENT_TIMESTAMP"));
        assert_eq!(default_sql("0").as_deref(), Some("0"));
        assert_eq!(default_sql("hello").as_deref(), Some("'hello'"));
        assert_eq!(default_sql("null"), None);
    }

    #[test]
    fn live_defaults_compare_with_spec_defaults() {
        assert_eq!(canonical_default("(datetime('now'))"), canonical_default(&default_sql("datetime('now')").unwrap()));
        assert_eq!(canonical_default("'1'"), canonical_default("1"));
        assert_eq!(canonical_default("current_timestamp"), canonical_default("CURRENT_TIMESTAMP"));
        assert_ne!(canonical_default("'A'"), canonical_default("'a'"));
    }
}
