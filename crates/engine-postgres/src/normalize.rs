//! Canonical spellings of Postgres types and defaults, so that what a user writes and what the
//! catalogs report compare equal when they mean the same thing.
//!
//! Types are brought to `format_type()` output (`int4` → `integer`, `varchar(10)` →
//! `character varying(10)`). Defaults are classified by `schemahero_schema::defaults`.

use schemahero_schema::defaults::lower_outside_quotes;
pub use schemahero_schema::defaults::{canonical_default, default_to_sql, quote_literal};

/// The canonical spelling of a column type as `format_type()` prints it.
/// Returns the type and whether it was a serial pseudo-type.
pub fn normalize_type(raw: &str) -> (String, bool) {
    let collapsed = lower_outside_quotes(&collapse_spaces(raw.trim()));
    let (base, array_suffix) = split_array(&collapsed);
    let (name, params) = split_params(base);
    let name = name.trim();
    let params = params.map(|p| p.split(',').map(|x| x.trim().to_string()).collect::<Vec<_>>().join(","));
    let with_params = |n: &str| match &params {
        Some(p) => format!("{n}({p})"),
        None => n.to_string(),
    };
    let (canonical, serial) = match name {
        "int" | "int4" | "integer" => ("integer".to_string(), false),
        "int8" | "bigint" => ("bigint".to_string(), false),
        "int2" | "smallint" => ("smallint".to_string(), false),
        "serial" | "serial4" => ("integer".to_string(), true),
        "bigserial" | "serial8" => ("bigint".to_string(), true),
        "smallserial" | "serial2" => ("smallint".to_string(), true),
        "bool" | "boolean" => ("boolean".to_string(), false),
        "float8" | "double precision" => ("double precision".to_string(), false),
        "float4" | "real" => ("real".to_string(), false),
        "float" => match params.as_deref().and_then(|p| p.parse::<u32>().ok()) {
            Some(p) if p <= 24 => ("real".to_string(), false),
            _ => ("double precision".to_string(), false),
        },
        "varchar" | "character varying" => (with_params("character varying"), false),
        "char" | "character" | "bpchar" => (format!("character({})", params.as_deref().unwrap_or("1")), false),
        "varbit" | "bit varying" => (with_params("bit varying"), false),
        "bit" => (format!("bit({})", params.as_deref().unwrap_or("1")), false),
        "decimal" | "numeric" => match params.as_deref() {
            Some(p) if !p.contains(',') => (format!("numeric({p},0)"), false),
            _ => (with_params("numeric"), false),
        },
        "timestamptz" | "timestamp with time zone" => (time_type("timestamp", &params, true), false),
        "timestamp" | "timestamp without time zone" => (time_type("timestamp", &params, false), false),
        "timetz" | "time with time zone" => (time_type("time", &params, true), false),
        "time" | "time without time zone" => (time_type("time", &params, false), false),
        other => (with_params(other), false),
    };
    (format!("{canonical}{array_suffix}"), serial)
}

fn time_type(base: &str, params: &Option<String>, with_zone: bool) -> String {
    let zone = if with_zone { "with time zone" } else { "without time zone" };
    match params {
        Some(p) => format!("{base}({p}) {zone}"),
        None => format!("{base} {zone}"),
    }
}

/// Splits `type[]` / `type[3][]` into the base and a canonical `[]` suffix per dimension.
fn split_array(t: &str) -> (&str, String) {
    match t.find('[') {
        Some(pos) if !t.starts_with('"') => {
            // Postgres does not enforce dimensions: `integer[][]` is stored and reported as
            // `integer[]`.
            (t[..pos].trim_end(), "[]".to_string())
        }
        _ => {
            if let Some(base) = t.strip_suffix(" array") {
                (base.trim_end(), "[]".to_string())
            } else {
                (t, String::new())
            }
        }
    }
}

/// Splits `name(params) tail` into (`name tail`, params).
fn split_params(t: &str) -> (std::borrow::Cow<'_, str>, Option<String>) {
    if t.starts_with('"') {
        return (t.into(), None);
    }
    match (t.find('('), t.find(')')) {
        (Some(open), Some(close)) if close > open => {
            let name = t[..open].trim_end();
            let tail = t[close + 1..].trim();
            let params = t[open + 1..close].trim().to_string();
            let full = if tail.is_empty() { name.to_string() } else { format!("{name} {tail}") };
            // `timestamp(3) with time zone` → handled by the caller's match on the full name.
            (full.into(), Some(params))
        }
        _ => (t.into(), None),
    }
}

fn collapse_spaces(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut in_quotes = false;
    let mut last_space = false;
    for ch in s.chars() {
        if ch == '"' {
            in_quotes = !in_quotes;
        }
        if ch.is_whitespace() && !in_quotes {
            if !last_space {
                out.push(' ');
            }
            last_space = true;
        } else {
            out.push(ch);
            last_space = false;
        }
    }
    out.replace(" (", "(").replace("( ", "(").replace(" )", ")")
}

/// Whether an integer type (for serial and identity columns).
pub fn is_integer_type(canonical: &str) -> bool {
    matches!(canonical, "integer" | "bigint" | "smallint")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aliases_become_format_type_spellings() {
        let cases = [
            ("int", "integer"),
            ("INT4", "integer"),
            ("int8", "bigint"),
            ("int2", "smallint"),
            ("bool", "boolean"),
            ("float8", "double precision"),
            ("float4", "real"),
            ("float", "double precision"),
            ("float(10)", "real"),
            ("varchar(255)", "character varying(255)"),
            ("character varying (255)", "character varying(255)"),
            ("varchar", "character varying"),
            ("char(3)", "character(3)"),
            ("char", "character(1)"),
            ("decimal(10, 2)", "numeric(10,2)"),
            ("numeric(8)", "numeric(8,0)"),
            ("decimal", "numeric"),
            ("timestamptz", "timestamp with time zone"),
            ("timestamp", "timestamp without time zone"),
            ("timestamp(3)", "timestamp(3) without time zone"),
            ("timestamptz(6)", "timestamp(6) with time zone"),
            ("timestamp(3) with time zone", "timestamp(3) with time zone"),
            ("timetz", "time with time zone"),
            ("time", "time without time zone"),
            ("text[]", "text[]"),
            ("int[]", "integer[]"),
            ("varchar(10)[]", "character varying(10)[]"),
            ("integer[][]", "integer[]"),
            ("interval", "interval"),
            ("vector(3)", "vector(3)"),
            ("Mood", "mood"),
            ("\"Mood\"", "\"Mood\""),
            ("uuid", "uuid"),
            ("jsonb", "jsonb"),
            ("varbit(4)", "bit varying(4)"),
            ("bit", "bit(1)"),
        ];
        for (input, expected) in cases {
            assert_eq!(normalize_type(input).0, expected, "normalizing {input}");
            assert_eq!(normalize_type(expected).0, expected, "idempotent on {expected}");
        }
    }

    #[test]
    fn serial_family_is_flagged() {
        assert_eq!(normalize_type("serial"), ("integer".to_string(), true));
        assert_eq!(normalize_type("bigserial"), ("bigint".to_string(), true));
        assert_eq!(normalize_type("serial2"), ("smallint".to_string(), true));
        assert_eq!(normalize_type("integer"), ("integer".to_string(), false));
    }
}
