//! Defaults: the one rule (documented in the README) by which a spec's `default` becomes SQL,
//! and the canonical form in which a spec default and a live default are compared.

/// How a default from the spec is written in SQL.
///
/// The rule: a default that is an SQL expression — a function call (`now()`,
/// `gen_random_uuid()`, `nextval('s')`), a `CURRENT_TIMESTAMP`-style keyword, a number, a boolean,
/// `NULL`, a quoted literal, an explicit cast (`'x'::text`, `CAST(…)`) or anything wrapped in
/// parentheses — is emitted as written. Anything else is a string literal, quoted and escaped.
/// Returns `None` for `NULL` (no default).
pub fn default_to_sql(raw: &str) -> Option<String> {
    let t = raw.trim();
    if t.eq_ignore_ascii_case("null") {
        return None;
    }
    if is_expression(t) { Some(t.to_string()) } else { Some(quote_literal(raw)) }
}

/// Whether [`default_to_sql`] writes this default as written (SQL) rather than as a literal or
/// no default at all.
pub fn is_sql_default(raw: &str) -> bool {
    let t = raw.trim();
    !t.eq_ignore_ascii_case("null") && is_expression(t)
}

const SQL_VALUE_KEYWORDS: &[&str] = &[
    "current_timestamp",
    "current_date",
    "current_time",
    "localtimestamp",
    "localtime",
    "current_user",
    "session_user",
    "user",
    "current_role",
    "current_schema",
    "current_catalog",
];

fn is_expression(t: &str) -> bool {
    if t.is_empty() {
        return false;
    }
    if is_number(t) || t.eq_ignore_ascii_case("true") || t.eq_ignore_ascii_case("false") {
        return true;
    }
    let lower = t.to_ascii_lowercase();
    let keyword = lower.split('(').next().unwrap_or_default().trim();
    if SQL_VALUE_KEYWORDS.contains(&keyword) && (lower == keyword || lower.ends_with(')')) {
        return true;
    }
    if t.starts_with('\'') && quoted_literal_end(t).is_some_and(|end| end == t.len() || t[end..].trim_start().starts_with("::")) {
        return true;
    }
    if t.starts_with('(') && t.ends_with(')') && balanced(t) {
        return true;
    }
    if lower.starts_with("cast(") || lower.starts_with("cast (") {
        return true;
    }
    if has_top_level_cast(t) {
        return true;
    }
    is_function_call(t)
}

pub fn is_number(t: &str) -> bool {
    let s = t.strip_prefix(['-', '+']).unwrap_or(t);
    let (mantissa, exponent) = match s.find(['e', 'E']) {
        Some(p) => (&s[..p], Some(&s[p + 1..])),
        None => (s, None),
    };
    let digits_ok = {
        let mut parts = mantissa.splitn(2, '.');
        let int = parts.next().unwrap_or_default();
        let frac = parts.next();
        let int_ok = int.chars().all(|c| c.is_ascii_digit());
        let frac_ok = frac.is_none_or(|f| f.chars().all(|c| c.is_ascii_digit()));
        int_ok && frac_ok && (!int.is_empty() || frac.is_some_and(|f| !f.is_empty()))
    };
    let exp_ok = exponent.is_none_or(|e| {
        let e = e.strip_prefix(['-', '+']).unwrap_or(e);
        !e.is_empty() && e.chars().all(|c| c.is_ascii_digit())
    });
    digits_ok && exp_ok
}

/// `name(...)` or `schema.name(...)`, with the parentheses closing at the very end.
pub fn is_function_call(t: &str) -> bool {
    let Some(open) = t.find('(') else {
        return false;
    };
    let name = t[..open].trim_end();
    let valid_name = !name.is_empty()
        && name.split('.').all(|part| {
            let mut chars = part.chars();
            chars.next().is_some_and(|c| c.is_alphabetic() || c == '_') && chars.all(|c| c.is_alphanumeric() || c == '_' || c == '$')
        });
    valid_name && t.ends_with(')') && matching_paren(t, open) == Some(t.len() - 1)
}

fn matching_paren(t: &str, open: usize) -> Option<usize> {
    let bytes = t.as_bytes();
    let mut depth = 0;
    let mut i = open;
    while i < bytes.len() {
        match bytes[i] {
            b'\'' => i = quoted_literal_end(&t[i..])? + i - 1,
            b'(' => depth += 1,
            b')' => {
                depth -= 1;
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => {}
        }
        i += 1;
    }
    None
}

fn balanced(t: &str) -> bool {
    matching_paren(t, 0) == Some(t.len() - 1)
}

fn has_top_level_cast(t: &str) -> bool {
    let bytes = t.as_bytes();
    let mut depth = 0i32;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\'' => match quoted_literal_end(&t[i..]) {
                Some(end) => {
                    i += end;
                    continue;
                }
                None => return false,
            },
            b'(' => depth += 1,
            b')' => depth -= 1,
            b':' if depth == 0 && bytes.get(i + 1) == Some(&b':') => return true,
            _ => {}
        }
        i += 1;
    }
    false
}

/// Byte index just past the closing quote of a literal starting at index 0.
fn quoted_literal_end(t: &str) -> Option<usize> {
    let bytes = t.as_bytes();
    let mut i = 1;
    while i < bytes.len() {
        if bytes[i] == b'\'' {
            if bytes.get(i + 1) == Some(&b'\'') {
                i += 2;
                continue;
            }
            return Some(i + 1);
        }
        i += 1;
    }
    None
}

/// A string literal with `'` doubled (standard_conforming_strings is on since 9.1).
pub fn quote_literal(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// The form in which two defaults are compared: casts on literals dropped, numeric literals
/// unquoted, keywords and function names lower-cased, redundant outer parentheses removed.
/// Both the spec's default (after `default_to_sql`) and `pg_get_expr()` output go through it.
pub fn canonical_default(expr: &str) -> Option<String> {
    let mut t = expr.trim().to_string();
    while t.starts_with('(') && t.ends_with(')') && balanced(&t) {
        t = t[1..t.len() - 1].trim().to_string();
    }
    if t.eq_ignore_ascii_case("null") || t.to_ascii_lowercase().starts_with("null::") {
        return None;
    }
    let without_casts = drop_literal_casts(&t);
    let lowered = lower_outside_quotes(&without_casts);
    // A literal whose text is a number means the number: pg prints `'-1'::integer` for -1.
    if lowered.starts_with('\'') && quoted_literal_end(&lowered) == Some(lowered.len()) {
        let inner = &lowered[1..lowered.len() - 1];
        if is_number(inner) {
            return Some(canonical_number(inner));
        }
    }
    if is_number(&lowered) {
        return Some(canonical_number(&lowered));
    }
    Some(lowered.replace(" (", "("))
}

fn canonical_number(n: &str) -> String {
    let n = n.strip_prefix('+').unwrap_or(n);
    n.to_string()
}

/// Removes `::type` (and `::type[]`, `::"quoted type"`, `::character varying(10)`) after quoted
/// literals and after closing parentheses of casts of literals, anywhere in the expression.
fn drop_literal_casts(t: &str) -> String {
    let mut out = String::with_capacity(t.len());
    let bytes = t.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'\'' {
            let Some(len) = quoted_literal_end(&t[i..]) else {
                out.push_str(&t[i..]);
                break;
            };
            out.push_str(&t[i..i + len]);
            i += len;
            while t[i..].starts_with("::") {
                i += 2;
                i += cast_type_len(&t[i..]);
            }
            continue;
        }
        let ch = t[i..].chars().next().unwrap_or_default();
        out.push(ch);
        i += ch.len_utf8();
    }
    out
}

/// Length of a type name after `::`: words (with spaces for multi-word types), an optional
/// `(…)` and `[]`s; stops at an operator, a comma or a closing parenthesis.
fn cast_type_len(t: &str) -> usize {
    const MULTI_WORD: &[&str] = &[
        "character varying",
        "double precision",
        "timestamp without time zone",
        "timestamp with time zone",
        "time without time zone",
        "time with time zone",
        "bit varying",
    ];
    let lower = t.to_ascii_lowercase();
    if let Some(rest) = t.strip_prefix('"') {
        return rest.find('"').map(|p| p + 2).unwrap_or(t.len());
    }
    let mut len = MULTI_WORD
        .iter()
        .find(|w| lower.starts_with(*w))
        .map(|w| w.len())
        .unwrap_or_else(|| t.find(|c: char| !(c.is_alphanumeric() || c == '_' || c == '.')).unwrap_or(t.len()));
    if t[len..].starts_with('(')
        && let Some(close) = t[len..].find(')')
    {
        len += close + 1;
        // `timestamp(3) with time zone`
        for tail in [" with time zone", " without time zone"] {
            if lower[len..].starts_with(tail) {
                len += tail.len();
            }
        }
    }
    while t[len..].starts_with("[]") {
        len += 2;
    }
    len
}

pub fn lower_outside_quotes(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut quote: Option<char> = None;
    for ch in s.chars() {
        match quote {
            Some(q) if ch == q => {
                quote = None;
                out.push(ch);
            }
            Some(_) => out.push(ch),
            None if ch == '"' || ch == '\'' => {
                quote = Some(ch);
                out.push(ch);
            }
            None => out.push(ch.to_ascii_lowercase()),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expressions_are_kept_and_everything_else_is_a_literal() {
        let expressions = [
            "now()",
            "gen_random_uuid()",
            "nextval('s')",
            "CURRENT_TIMESTAMP",
            "current_timestamp(3)",
            "0",
            "-1.5",
            "1e10",
            "true",
            "FALSE",
            "'abc'",
            "'abc'::text",
            "CAST(1 AS bigint)",
            "(now() + interval '1 day')",
            "public.my_fn(1, 'a')",
        ];
        for e in expressions {
            assert_eq!(default_to_sql(e).as_deref(), Some(e), "{e} is an expression");
        }
        assert_eq!(default_to_sql("hello"), Some("'hello'".into()));
        assert_eq!(default_to_sql("it's"), Some("'it''s'".into()));
        assert_eq!(default_to_sql(""), Some("''".into()));
        assert_eq!(default_to_sql("now"), Some("'now'".into()));
        assert_eq!(default_to_sql("now() + 1 day"), Some("'now() + 1 day'".into()));
        assert_eq!(default_to_sql("1.2.3"), Some("'1.2.3'".into()));
        assert_eq!(default_to_sql("NULL"), None);
    }

    #[test]
    fn live_defaults_compare_equal_to_what_the_spec_says() {
        let pairs = [
            ("'abc'", "'abc'::character varying"),
            ("'abc'", "'abc'::text"),
            ("-1", "'-1'::integer"),
            ("1.5", "1.5"),
            ("0", "0"),
            ("now()", "now()"),
            ("CURRENT_TIMESTAMP", "CURRENT_TIMESTAMP"),
            ("nextval('users_id_seq')", "nextval('users_id_seq'::regclass)"),
            ("'{}'", "'{}'::text[]"),
            ("'active'", "'active'::mood"),
            ("'2020-01-01 00:00:00'", "'2020-01-01 00:00:00'::timestamp without time zone"),
            ("'x'::character varying(10)", "'x'::character varying"),
            ("(now() + '1 day'::interval)", "(now() + '1 day'::interval)"),
            ("TRUE", "true"),
            ("'1'", "1"),
        ];
        for (spec, live) in pairs {
            let spec_sql = default_to_sql(spec).unwrap();
            assert_eq!(canonical_default(&spec_sql), canonical_default(live), "{spec} vs {live}");
        }
        assert_ne!(canonical_default("'abc'"), canonical_default("'abd'::text"));
        assert_ne!(canonical_default("now()"), canonical_default("'now()'::text"));
        assert_eq!(canonical_default("NULL::text"), None);
    }
}
