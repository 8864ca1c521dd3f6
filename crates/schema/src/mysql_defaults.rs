//! The MySQL / MariaDB side of the default rule (the README's "Defaults"): which spec defaults
//! are SQL and which are string literals, and how literals are escaped for MySQL. It lives here,
//! next to the Postgres/SQLite rule, so that spec validation applies exactly the rule the MySQL
//! engine renders with.

use crate::defaults::is_number;

/// A MySQL string literal: `'` doubled and `\` escaped (backslash is an escape character
/// unless NO_BACKSLASH_ESCAPES is set; MariaDB reports defaults in this same form).
pub fn quote_literal(s: &str) -> String {
    format!("'{}'", s.replace('\\', "\\\\").replace('\'', "''"))
}

/// Reads a quoted string starting at `start` (the quote), handling doubled quotes and
/// backslash escapes; returns the value and the index after the closing quote (the length of
/// `chars` when it is not closed).
pub fn read_quoted(chars: &[char], start: usize) -> (String, usize) {
    let (value, end, _) = read_quoted_closed(chars, start);
    (value, end)
}

/// [`read_quoted`], also telling whether the closing quote was found.
pub fn read_quoted_closed(chars: &[char], start: usize) -> (String, usize, bool) {
    let Some(&q) = chars.get(start) else {
        return (String::new(), chars.len(), false);
    };
    let mut value = String::new();
    let mut i = start + 1;
    while i < chars.len() {
        let c = chars[i];
        if c == '\\' && i + 1 < chars.len() {
            value.push(unescape(chars[i + 1]));
            i += 2;
            continue;
        }
        if c == q {
            if chars.get(i + 1) == Some(&q) {
                value.push(q);
                i += 2;
                continue;
            }
            return (value, i + 1, true);
        }
        value.push(c);
        i += 1;
    }
    (value, i, false)
}

fn unescape(c: char) -> char {
    match c {
        'n' => '\n',
        't' => '\t',
        'r' => '\r',
        '0' => '\0',
        other => other,
    }
}

/// Splits `x ON UPDATE y` (outside quotes, any case) into the default and the ON UPDATE part.
pub fn split_on_update(raw: &str) -> (String, Option<String>) {
    let lower = raw.to_ascii_lowercase();
    let mut in_quote = false;
    for (i, c) in lower.char_indices() {
        if c == '\'' {
            in_quote = !in_quote;
        }
        if !in_quote && lower[i..].starts_with(" on update ") {
            return (raw[..i].trim().to_string(), Some(raw[i + " on update ".len()..].trim().to_string()));
        }
    }
    if let Some(rest) = lower.strip_prefix("on update ") {
        return (String::new(), Some(raw[raw.len() - rest.len()..].trim().to_string()));
    }
    (raw.trim().to_string(), None)
}

/// How a spec default is written in MySQL DDL (SchemaHero quotes every default; the rule is the
/// README's): an SQL expression — a function call, a `CURRENT_TIMESTAMP`-style keyword with an
/// optional precision, a number, `true`/`false`, a quoted literal, a bit or hex literal, or
/// anything in parentheses — as written; `NULL` is no default; anything else is a string literal.
pub fn default_to_sql(raw: &str) -> Option<String> {
    let t = raw.trim();
    if t.eq_ignore_ascii_case("null") {
        return None;
    }
    if let Some(value) = double_quoted(t) {
        // A double-quoted string is a string in MySQL's default sql_mode; spell it with '.
        return Some(quote_literal(&value));
    }
    if is_expression(t) { Some(t.to_string()) } else { Some(quote_literal(raw)) }
}

/// Whether [`default_to_sql`] writes this default as written (SQL) rather than as a literal or
/// no default at all.
pub fn is_sql_default(raw: &str) -> bool {
    let t = raw.trim();
    !t.eq_ignore_ascii_case("null") && double_quoted(t).is_none() && is_expression(t)
}

fn double_quoted(t: &str) -> Option<String> {
    if t.starts_with('"') && t.ends_with('"') && t.len() >= 2 {
        let chars: Vec<char> = t.chars().collect();
        let (value, end, closed) = read_quoted_closed(&chars, 0);
        if closed && end == chars.len() {
            return Some(value);
        }
    }
    None
}

pub const TIME_KEYWORDS: &[&str] = &["current_timestamp", "now", "localtime", "localtimestamp"];
const VALUE_KEYWORDS: &[&str] = &["current_date", "curdate", "current_time", "curtime", "current_user", "utc_timestamp", "utc_date"];

/// The MySQL rule's notion of an SQL expression (see [`default_to_sql`]).
pub fn is_expression(t: &str) -> bool {
    if t.is_empty() {
        return false;
    }
    let lower = t.to_ascii_lowercase();
    if is_number(t) || lower == "true" || lower == "false" {
        return true;
    }
    let keyword = lower.split('(').next().unwrap_or_default().trim();
    // `now` and `curdate` are functions only; the SQL-standard keywords also stand alone.
    let bare_ok = !matches!(keyword, "now" | "curdate" | "curtime");
    if (TIME_KEYWORDS.contains(&keyword) || VALUE_KEYWORDS.contains(&keyword)) && ((bare_ok && lower == keyword) || lower.ends_with(')')) {
        return true;
    }
    if t.starts_with('\'') {
        let chars: Vec<char> = t.chars().collect();
        let (_, end, closed) = read_quoted_closed(&chars, 0);
        return closed && end == chars.len();
    }
    if (lower.starts_with("b'") || lower.starts_with("x'")) && t.ends_with('\'') {
        return true;
    }
    if t.starts_with('(') && t.ends_with(')') {
        return true;
    }
    crate::defaults::is_function_call(t)
}
