//! Canonical spellings of MySQL / MariaDB types and defaults, so that what a spec says and what
//! `information_schema` reports compare equal when they mean the same thing on either server.

use schemahero_schema::defaults::is_number;
use schemahero_schema::mysql_defaults::{TIME_KEYWORDS, is_expression, read_quoted};
pub use schemahero_schema::mysql_defaults::{default_to_sql, quote_literal, split_on_update};

/// The canonical type: SchemaHero's aliases resolved, display widths dropped (MySQL 8.0.19+
/// no longer reports them, MariaDB and MySQL 5.7 do), implied parameters spelled out.
/// `mbmaxlen` is the bytes per character of the column's charset, which decides what
/// `text(n)` becomes.
pub fn normalize_type(raw: &str, mbmaxlen: u32) -> String {
    let t = canonical_spacing(raw.trim());
    let (name, params, tail) = split_params(&t);
    let tail = canonical_tail(&tail);
    let with = |n: &str| match &params {
        Some(p) => format!("{n}({p}){tail}"),
        None => format!("{n}{tail}"),
    };
    let param_u64 = params.as_deref().and_then(|p| p.parse::<u64>().ok());
    match name.as_str() {
        "bool" | "boolean" => "tinyint(1)".into(),
        // tinyint(1) is how both servers spell booleans; every other width is display only.
        "tinyint" | "int1" if params.as_deref() == Some("1") && tail.is_empty() => "tinyint(1)".into(),
        "tinyint" | "int1" => format!("tinyint{tail}"),
        "smallint" | "int2" => format!("smallint{tail}"),
        "mediumint" | "int3" | "middleint" => format!("mediumint{tail}"),
        "int" | "integer" | "int4" => format!("int{tail}"),
        "bigint" | "int8" => format!("bigint{tail}"),
        "serial" => "bigint unsigned".into(),
        "decimal" | "dec" | "numeric" | "fixed" => match &params {
            None => format!("decimal(10,0){tail}"),
            Some(p) if !p.contains(',') => format!("decimal({p},0){tail}"),
            Some(p) => format!("decimal({p}){tail}"),
        },
        // REAL is DOUBLE unless the REAL_AS_FLOAT sql_mode is set (it is not by default).
        "double" | "double precision" | "real" | "float8" => with("double"),
        "float4" => format!("float{tail}"),
        "float" => match (&params, param_u64) {
            (Some(_), Some(p)) if p <= 24 => format!("float{tail}"),
            (Some(_), Some(_)) => format!("double{tail}"),
            _ => with("float"),
        },
        "char" | "character" | "nchar" | "national char" | "national character" => format!("char({})", params.as_deref().unwrap_or("1")),
        "varchar" | "character varying" | "nvarchar" | "national varchar" | "varcharacter" => with("varchar"),
        "binary" => format!("binary({})", params.as_deref().unwrap_or("1")),
        "varbinary" => with("varbinary"),
        "bit" => format!("bit({})", params.as_deref().unwrap_or("1")),
        "text" => match param_u64 {
            // The length information_schema reports for a TEXT type, as SchemaHero's `generate`
            // writes it (`text (65535)` for a TEXT column): that type, whatever the charset.
            Some(n @ (255 | 65_535 | 16_777_215 | 4_294_967_295)) => text_for_bytes(n, "text"),
            Some(n) => text_for_bytes(n.saturating_mul(u64::from(mbmaxlen.max(1))), "text"),
            None => "text".into(),
        },
        "blob" => match param_u64 {
            Some(n) => text_for_bytes(n, "blob"),
            None => "blob".into(),
        },
        "tinytext" | "mediumtext" | "longtext" | "tinyblob" | "mediumblob" | "longblob" => name,
        "long varchar" | "long" => "mediumtext".into(),
        "long varbinary" => "mediumblob".into(),
        "datetime" | "timestamp" | "time" => match params.as_deref() {
            None | Some("0") => name,
            Some(p) => format!("{name}({p})"),
        },
        // MariaDB reports year(4); MySQL 8 reports year (the 2-digit form is gone).
        "year" => "year".into(),
        "enum" | "set" => with(&name),
        _ => with(&name),
    }
}

/// Whether two canonical types are the same column type. `tinyint(1)` is kept in canonical
/// types (it is how both servers, and ORMs, spell a boolean, so CREATE TABLE writes it), but its
/// width is display only: SchemaHero's own specs write the same column as `tinyint (3, 0)`, and
/// a MODIFY for a display width would copy the table for nothing.
pub fn same_type(a: &str, b: &str) -> bool {
    let storage =
        |t: &str| -> String { t.strip_prefix("tinyint(1)").map(|rest| format!("tinyint{rest}")).unwrap_or_else(|| t.to_string()) };
    a == b || storage(a) == storage(b)
}

/// The smallest TEXT / BLOB type holding `bytes` bytes, as both servers choose it.
fn text_for_bytes(bytes: u64, family: &str) -> String {
    let size = match bytes {
        0..=255 => "tiny",
        256..=65_535 => "",
        65_536..=16_777_215 => "medium",
        _ => "long",
    };
    format!("{size}{family}")
}

/// Lower case outside quotes, single spaces, no spaces around parentheses and commas (outside
/// quotes), and enum/set values in single quotes.
fn canonical_spacing(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let chars: Vec<char> = s.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '\'' || c == '"' {
            // A quoted value: re-quote with ' and the canonical escapes.
            let (value, next) = read_quoted(&chars, i);
            out.push_str(&quote_literal(&value));
            i = next;
            continue;
        }
        if c.is_whitespace() {
            let next = chars[i + 1..].iter().find(|c| !c.is_whitespace()).copied();
            let prev = out.chars().last();
            let skip = prev.is_none_or(|p| p == '(' || p == ',' || p == ' ') || next.is_none_or(|n| n == '(' || n == ')' || n == ',');
            if !skip {
                out.push(' ');
            }
            i += 1;
            continue;
        }
        out.push(c.to_ascii_lowercase());
        i += 1;
    }
    out
}

/// Splits `name(params) tail` (params may hold quoted commas and parentheses).
fn split_params(t: &str) -> (String, Option<String>, String) {
    let Some(open) = t.find('(') else {
        // Multi-word names without parameters: `double precision`, `bigint unsigned`.
        for multi in ["double precision", "character varying", "national varchar", "national char", "long varchar", "long varbinary"] {
            if let Some(rest) = t.strip_prefix(multi) {
                return (multi.to_string(), None, rest.trim().to_string());
            }
        }
        let (name, tail) = t.split_once(' ').unwrap_or((t, ""));
        return (name.to_string(), None, tail.to_string());
    };
    let chars: Vec<char> = t.chars().collect();
    let mut depth = 0;
    let mut i = t[..open].chars().count();
    let mut close = chars.len();
    while i < chars.len() {
        match chars[i] {
            '\'' => {
                i = read_quoted(&chars, i).1;
                continue;
            }
            '(' => depth += 1,
            ')' => {
                depth -= 1;
                if depth == 0 {
                    close = i;
                    break;
                }
            }
            _ => {}
        }
        i += 1;
    }
    let name = t[..open].trim().to_string();
    let params: String = chars[t[..open].chars().count() + 1..close.min(chars.len())].iter().collect();
    let tail: String = chars.get(close + 1..).map(|c| c.iter().collect()).unwrap_or_default();
    (name, Some(params.trim().to_string()), tail.trim().to_string())
}

/// `unsigned` / `zerofill` (zerofill implies unsigned); `signed` is the default and dropped.
fn canonical_tail(tail: &str) -> String {
    let words: Vec<&str> = tail.split_whitespace().collect();
    let zerofill = words.contains(&"zerofill");
    let unsigned = words.contains(&"unsigned") || zerofill;
    let mut out = String::new();
    if unsigned {
        out.push_str(" unsigned");
    }
    if zerofill {
        out.push_str(" zerofill");
    }
    out
}

/// Types whose values carry a charset and collation.
pub fn has_charset(canonical: &str) -> bool {
    let base = canonical.split(['(', ' ']).next().unwrap_or_default();
    matches!(base, "char" | "varchar" | "tinytext" | "text" | "mediumtext" | "longtext" | "enum" | "set")
}

/// TEXT, BLOB, JSON and geometry columns: MySQL 8 only takes expression defaults on them
/// (`DEFAULT ('x')`), MariaDB takes literals too.
pub fn needs_expression_default(canonical: &str) -> bool {
    canonical.ends_with("text") || canonical.ends_with("blob") || canonical == "json" || canonical == "geometry"
}

pub fn is_integer_type(canonical: &str) -> bool {
    let base = canonical.split(['(', ' ']).next().unwrap_or_default();
    matches!(base, "tinyint" | "smallint" | "mediumint" | "int" | "bigint")
}

/// Whether a (canonical or spec) default is a plain literal, which every server takes as is.
pub fn is_literal(sql: &str) -> bool {
    let lower = sql.trim().to_ascii_lowercase();
    lower.starts_with('\'')
        || is_number(&lower)
        || lower == "true"
        || lower == "false"
        || lower.starts_with("b'")
        || lower.starts_with("x'")
}

/// Whether a default is a `CURRENT_TIMESTAMP`-family keyword (no parentheses needed on MySQL 8).
pub fn is_time_keyword(sql: &str) -> bool {
    canonical_default(sql).is_some_and(|c| c.starts_with("current_timestamp"))
}

/// The form in which two defaults are compared. Input is SQL: a spec default after
/// [`default_to_sql`], or a live default as MariaDB reports it (MySQL 8's raw values are
/// brought to SQL by the introspection first). Literals re-quoted canonically (numbers
/// unquoted, trailing fraction zeros dropped: decimal(10,2) reports `1.50`), the clock
/// keywords folded to `current_timestamp[(n)]`, booleans to 1/0, and whitespace and case
/// outside quotes ignored.
pub fn canonical_default(sql: &str) -> Option<String> {
    let mut t = sql.trim().to_string();
    while t.starts_with('(') && t.ends_with(')') && outer_parens_match(&t) {
        t = t[1..t.len() - 1].trim().to_string();
    }
    let lower = t.to_ascii_lowercase();
    if lower == "null" {
        return None;
    }
    if lower == "true" {
        return Some("1".into());
    }
    if lower == "false" {
        return Some("0".into());
    }
    if is_number(&lower) {
        return Some(canonical_number(&lower));
    }
    if t.starts_with('\'') {
        let chars: Vec<char> = t.chars().collect();
        let (value, end) = read_quoted(&chars, 0);
        if end == chars.len() {
            if is_number(&value) {
                return Some(canonical_number(&value));
            }
            return Some(quote_literal(&value));
        }
    }
    let keyword = lower.split('(').next().unwrap_or_default().trim();
    if TIME_KEYWORDS.contains(&keyword) {
        let precision = lower.strip_prefix(keyword).map(|r| r.trim().trim_start_matches('(').trim_end_matches(')').trim()).unwrap_or("");
        return Some(match precision {
            "" | "0" => "current_timestamp".into(),
            p => format!("current_timestamp({p})"),
        });
    }
    // Other expressions: case and whitespace outside quotes do not matter; MySQL 8 prints
    // string literals inside expressions with charset introducers and escaped quotes
    // (`concat(_utf8mb4\'a\')`), MariaDB without.
    let unescaped = t.replace("\\'", "'");
    let mut out = String::new();
    let chars: Vec<char> = unescaped.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '\'' {
            let (value, next) = read_quoted(&chars, i);
            strip_introducer(&mut out);
            out.push_str(&quote_literal(&value));
            i = next;
            continue;
        }
        if !c.is_whitespace() {
            out.push(c.to_ascii_lowercase());
        }
        i += 1;
    }
    Some(out)
}

fn strip_introducer(out: &mut String) {
    if let Some(pos) = out.rfind('_') {
        let word = &out[pos..];
        if word.len() > 1
            && word[1..].chars().all(|c| c.is_ascii_alphanumeric())
            && (pos == 0 || !out[..pos].ends_with(char::is_alphanumeric))
        {
            out.truncate(pos);
        }
    }
}

fn outer_parens_match(t: &str) -> bool {
    let mut depth = 0;
    let mut in_quote = false;
    for (i, c) in t.char_indices() {
        match c {
            '\'' => in_quote = !in_quote,
            '(' if !in_quote => depth += 1,
            ')' if !in_quote => {
                depth -= 1;
                if depth == 0 && i != t.len() - 1 {
                    return false;
                }
            }
            _ => {}
        }
    }
    true
}

fn canonical_number(n: &str) -> String {
    let mut n = n.strip_prefix('+').unwrap_or(n).to_string();
    if n.contains('.') && !n.contains(['e', 'E']) {
        while n.ends_with('0') {
            n.pop();
        }
        if n.ends_with('.') {
            n.pop();
        }
    }
    if n == "-0" { "0".into() } else { n }
}

/// The spec spelling of a canonical live default, for `generate`: literals unquoted (SchemaHero
/// quotes every default) unless their text would read as an expression.
pub fn default_for_spec(canonical: &str) -> String {
    if canonical.starts_with('\'') {
        let chars: Vec<char> = canonical.chars().collect();
        let (value, end) = read_quoted(&chars, 0);
        if end == chars.len() && !is_expression(value.trim()) && !value.trim().eq_ignore_ascii_case("null") && value.trim() == value {
            return value;
        }
    }
    canonical.to_string()
}

/// Canonical charset name: `utf8` is `utf8mb3` (MySQL 8.0.30+ and MariaDB 10.6+ report it so;
/// with MariaDB's `old_mode=UTF8_IS_UTF8MB4` it would mean utf8mb4, which we do not assume).
pub fn canonical_charset(cs: &str) -> String {
    let cs = cs.trim().to_ascii_lowercase();
    if cs == "utf8" { "utf8mb3".into() } else { cs }
}

pub fn canonical_collation(co: &str) -> String {
    let co = co.trim().to_ascii_lowercase();
    match co.strip_prefix("utf8_") {
        Some(rest) => format!("utf8mb3_{rest}"),
        None => co,
    }
}

/// Bytes per character of common charsets (for `text(n)`); 4 when unknown, the safe guess for
/// the utf8mb4 default of both servers.
pub fn mbmaxlen(charset: &str) -> u32 {
    match charset {
        "latin1" | "latin2" | "ascii" | "binary" | "cp1250" | "cp1251" | "cp1252" | "greek" | "hebrew" | "swe7" | "dec8" | "hp8" => 1,
        "ucs2" | "gbk" | "big5" | "sjis" | "euckr" | "cp932" => 2,
        "utf8mb3" | "ujis" | "eucjpms" => 3,
        _ => 4,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schemahero_aliases_and_live_spellings_meet() {
        let cases = [
            ("bool", "tinyint(1)"),
            ("BOOLEAN", "tinyint(1)"),
            ("tinyint(1)", "tinyint(1)"),
            ("tinyint(4)", "tinyint"),
            ("integer", "int"),
            ("int(11)", "int"),
            ("INT(10) UNSIGNED", "int unsigned"),
            ("int signed", "int"),
            ("bigint(20)", "bigint"),
            ("mediumint(9)", "mediumint"),
            ("int4", "int"),
            ("decimal", "decimal(10,0)"),
            ("numeric(8)", "decimal(8,0)"),
            ("DECIMAL(10, 2)", "decimal(10,2)"),
            ("double precision", "double"),
            ("real", "double"),
            ("float", "float"),
            ("float(10)", "float"),
            ("float(30)", "double"),
            ("float(7,4)", "float(7,4)"),
            ("char", "char(1)"),
            ("character varying(20)", "varchar(20)"),
            ("varchar (255)", "varchar(255)"),
            ("text", "text"),
            ("text(100)", "text"),
            ("text(50)", "tinytext"),
            ("text(70000)", "mediumtext"),
            ("blob(300)", "blob"),
            ("blob(100)", "tinyblob"),
            ("longtext", "longtext"),
            ("datetime(0)", "datetime"),
            ("datetime(6)", "datetime(6)"),
            ("timestamp", "timestamp"),
            ("TIMESTAMP(3)", "timestamp(3)"),
            ("year(4)", "year"),
            ("bit", "bit(1)"),
            ("json", "json"),
            ("enum('a', 'B c')", "enum('a','B c')"),
            ("ENUM(\"x\",\"it's\")", "enum('x','it''s')"),
            ("set('r','w')", "set('r','w')"),
            ("binary", "binary(1)"),
            ("varbinary(16)", "varbinary(16)"),
            ("int zerofill", "int unsigned zerofill"),
        ];
        for (input, expected) in cases {
            assert_eq!(normalize_type(input, 4), expected, "normalizing {input}");
            assert_eq!(normalize_type(expected, 4), expected, "idempotent on {expected}");
        }
        assert_eq!(normalize_type("text(100)", 1), "tinytext", "latin1 text(100) fits 255 bytes");
    }

    /// Types as SchemaHero's `generate` writes them (information_schema's DATA_TYPE with its
    /// length, or its precision and scale) are the columns they came from.
    #[test]
    fn schemahero_generated_spellings_are_the_live_types() {
        let pairs = [
            ("text (65535)", "text"),
            ("tinytext (255)", "tinytext"),
            ("text (16777215)", "mediumtext"),
            ("mediumtext (16777215)", "mediumtext"),
            ("longtext (4294967295)", "longtext"),
            ("blob (65535)", "blob"),
            ("bigint (19, 0)", "bigint"),
            ("int (10, 0)", "int"),
            ("smallint (5, 0)", "smallint"),
            ("tinyint (3, 0)", "tinyint(1)"),
            ("tinyint (1)", "tinyint(1)"),
            ("decimal (10, 2)", "decimal(10,2)"),
            ("varchar (255)", "varchar(255)"),
            ("char (36)", "char(36)"),
        ];
        for (generated, live) in pairs {
            let (g, l) = (normalize_type(generated, 4), normalize_type(live, 4));
            assert!(same_type(&g, &l), "{generated} ({g}) is {live} ({l})");
        }
        // A TEXT(n) the server would widen is still compared as the server creates it.
        assert_eq!(normalize_type("text (20000)", 4), "mediumtext");
        // The display width of tinyint(1) is the only width ignored; unsignedness is not.
        assert!(!same_type("tinyint(1)", "tinyint unsigned") && same_type("tinyint(1) unsigned", "tinyint unsigned"));
        assert!(!same_type("int", "bigint"));
    }

    #[test]
    fn defaults_are_classified_by_the_rule() {
        let expressions =
            ["CURRENT_TIMESTAMP", "current_timestamp(3)", "now()", "uuid()", "0", "-1.5", "true", "'abc'", "b'101'", "(uuid())"];
        for e in expressions {
            assert_eq!(default_to_sql(e).as_deref(), Some(e), "{e} is an expression");
        }
        assert_eq!(default_to_sql("draft").as_deref(), Some("'draft'"));
        assert_eq!(default_to_sql("it's").as_deref(), Some("'it''s'"));
        assert_eq!(default_to_sql("a\\b").as_deref(), Some("'a\\\\b'"));
        assert_eq!(default_to_sql("").as_deref(), Some("''"));
        assert_eq!(default_to_sql("\"dq\"").as_deref(), Some("'dq'"));
        assert_eq!(default_to_sql("NULL"), None);
        assert_eq!(default_to_sql("now").as_deref(), Some("'now'"));
    }

    #[test]
    fn live_defaults_of_both_servers_compare_equal_to_the_spec() {
        let pairs = [
            ("CURRENT_TIMESTAMP", "current_timestamp()"),
            ("now()", "CURRENT_TIMESTAMP"),
            ("CURRENT_TIMESTAMP(3)", "current_timestamp(3)"),
            ("1.5", "1.50"),
            ("true", "1"),
            ("0", "'0'"),
            ("'it''s'", "'it\\'s'"),
            ("uuid()", "uuid()"),
            ("(uuid())", "uuid()"),
            ("concat('a', 'b')", "concat(_utf8mb4\\'a\\',_utf8mb4\\'b\\')"),
        ];
        for (spec, live) in pairs {
            let spec_sql = default_to_sql(spec).unwrap();
            assert_eq!(canonical_default(&spec_sql), canonical_default(live), "{spec} vs {live}");
        }
        assert_ne!(canonical_default("'abc'"), canonical_default("'abd'"));
        assert_ne!(canonical_default("'now()'"), canonical_default("now()"));
        assert_eq!(canonical_default("NULL"), None);
    }

    #[test]
    fn on_update_is_split_off() {
        assert_eq!(
            split_on_update("CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP"),
            ("CURRENT_TIMESTAMP".into(), Some("CURRENT_TIMESTAMP".into()))
        );
        assert_eq!(split_on_update("'x on update y'"), ("'x on update y'".into(), None));
        assert_eq!(split_on_update("draft"), ("draft".into(), None));
    }

    #[test]
    fn generate_unquotes_plain_literals_only() {
        assert_eq!(default_for_spec("'draft'"), "draft");
        assert_eq!(default_for_spec("'now()'"), "'now()'");
        assert_eq!(default_for_spec("'1'"), "'1'");
        assert_eq!(default_for_spec("current_timestamp"), "current_timestamp");
    }

    #[test]
    fn charsets_and_collations_fold_utf8() {
        assert_eq!(canonical_charset("UTF8"), "utf8mb3");
        assert_eq!(canonical_collation("utf8_general_ci"), "utf8mb3_general_ci");
        assert_eq!(canonical_collation("utf8mb4_bin"), "utf8mb4_bin");
    }
}
