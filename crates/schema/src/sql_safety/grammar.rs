//! The small grammars spec strings must follow to be pasted into DDL: column types per
//! dialect, the one-term shape of SQL defaults, trigger events.

use super::Dialect;
use super::lex::{Cursor, Tok};

/// Characters a quoted type name may not hold: the engines' type normalization splits on them.
fn safe_quoted_type_name(name: &str) -> Result<(), String> {
    if name.is_empty() {
        return Err("an empty quoted type name".into());
    }
    match name.chars().find(|c| matches!(c, '"' | '\'' | '(' | ')' | '[' | ']' | ',') || c.is_control()) {
        Some(bad) => Err(format!("the quoted type name {name:?} contains {bad:?}")),
        None => Ok(()),
    }
}

/// One part of a Postgres type name: a word (lower-cased) or a quoted name (`None`).
fn pg_name_part(c: &mut Cursor<'_>) -> Result<Option<String>, String> {
    match c.peek() {
        Some(Tok::Word(w)) => {
            c.bump();
            Ok(Some(w.to_ascii_lowercase()))
        }
        Some(Tok::QIdent(q)) => {
            safe_quoted_type_name(q)?;
            c.bump();
            Ok(None)
        }
        _ => Err(format!("expected a type name, found {}", c.found())),
    }
}

const INTERVAL_FIELDS: &[&str] = &["year", "month", "day", "hour", "minute", "second"];

/// A Postgres / CockroachDB type: a name (schema-qualified, quoted parts allowed) or one of the
/// SQL multi-word names, optional modifiers in parentheses (numbers or words, as in
/// `numeric(10,2)` or `geometry(Point,4326)`), `with`/`without time zone` on time types,
/// interval fields, and array suffixes (`[]`, `[3]`, `array`).
pub(crate) fn pg_type(c: &mut Cursor<'_>) -> Result<(), String> {
    let first = pg_name_part(c)?;
    let mut modifiers_read = false;
    match first.as_deref() {
        Some("double") => c.expect_word("precision")?,
        Some("character" | "char" | "nchar" | "bit") => {
            c.eat_word("varying");
        }
        Some("national") => {
            if !(c.eat_word("character") || c.eat_word("char")) {
                return Err(format!("expected \"character\" after \"national\", found {}", c.found()));
            }
            c.eat_word("varying");
        }
        Some("time" | "timestamp") => {
            pg_modifiers(c)?;
            modifiers_read = true;
            if c.eat_word("with") || c.eat_word("without") {
                c.expect_word("time")?;
                c.expect_word("zone")?;
            }
        }
        Some("interval") => {
            if c.peek().is_some_and(|t| INTERVAL_FIELDS.iter().any(|f| t.is_word(f))) {
                c.bump();
                if c.eat_word("to") {
                    if !c.peek().is_some_and(|t| INTERVAL_FIELDS.iter().any(|f| t.is_word(f))) {
                        return Err(format!("expected an interval field after \"to\", found {}", c.found()));
                    }
                    c.bump();
                }
            }
        }
        _ => {
            while c.eat_sym(".") {
                pg_name_part(c)?;
            }
        }
    }
    if !modifiers_read {
        pg_modifiers(c)?;
    }
    if c.eat_word("array") {
        if c.eat_sym("[") {
            optional_number(c);
            c.expect_sym("]")?;
        }
    } else {
        while c.eat_sym("[") {
            optional_number(c);
            c.expect_sym("]")?;
        }
    }
    Ok(())
}

fn optional_number(c: &mut Cursor<'_>) {
    if matches!(c.peek(), Some(Tok::Num(_))) {
        c.bump();
    }
}

fn pg_modifiers(c: &mut Cursor<'_>) -> Result<(), String> {
    if !c.eat_sym("(") {
        return Ok(());
    }
    loop {
        let _ = c.eat_sym("-") || c.eat_sym("+");
        match c.bump() {
            Some(Tok::Num(_) | Tok::Word(_)) => {}
            other => {
                return Err(format!("a type modifier must be a number or a name, found {}", describe(other)));
            }
        }
        if c.eat_sym(",") {
            continue;
        }
        return c.expect_sym(")");
    }
}

fn describe(t: Option<&Tok>) -> String {
    t.map(Tok::describe).unwrap_or_else(|| "the end".into())
}

/// A MySQL / MariaDB type: a name (or a multi-word name such as `double precision`), optional
/// numbers in parentheses, or for `enum`/`set` quoted values, then `unsigned`, `signed`,
/// `zerofill`.
pub(crate) fn mysql_type(c: &mut Cursor<'_>) -> Result<(), String> {
    let name = match c.bump() {
        Some(Tok::Word(w)) if w.chars().all(|ch| ch.is_ascii_alphanumeric() || ch == '_') => w.to_ascii_lowercase(),
        other => return Err(format!("expected a type name, found {}", describe(other))),
    };
    match name.as_str() {
        "double" => {
            c.eat_word("precision");
        }
        "character" | "char" | "nchar" => {
            c.eat_word("varying");
        }
        "national" => {
            if !(c.eat_word("character") || c.eat_word("char") || c.eat_word("varchar")) {
                return Err(format!("expected \"char\" or \"varchar\" after \"national\", found {}", c.found()));
            }
            c.eat_word("varying");
        }
        "long" => {
            let _ = c.eat_word("varchar") || c.eat_word("varbinary");
        }
        _ => {}
    }
    let values = matches!(name.as_str(), "enum" | "set");
    if c.eat_sym("(") {
        loop {
            match c.bump() {
                Some(Tok::Str(_)) if values => {}
                Some(Tok::Num(_)) if !values => {}
                other => {
                    let want = if values { "a quoted value" } else { "a number" };
                    return Err(format!("expected {want} in the parentheses of {name}, found {}", describe(other)));
                }
            }
            if c.eat_sym(",") {
                continue;
            }
            c.expect_sym(")")?;
            break;
        }
    } else if values {
        return Err(format!("{name} needs its values in parentheses, e.g. {name}('a','b')"));
    }
    while c.eat_word("unsigned") || c.eat_word("signed") || c.eat_word("zerofill") {}
    Ok(())
}

/// Words that end an SQLite type name and begin a column constraint.
const SQLITE_CONSTRAINT_WORDS: &[&str] =
    &["constraint", "primary", "not", "null", "unique", "check", "default", "collate", "references", "generated", "as", "on"];

/// An SQLite type: one or more words, then at most two signed numbers in parentheses.
pub(crate) fn sqlite_type(c: &mut Cursor<'_>) -> Result<(), String> {
    let mut words = 0;
    while let Some(Tok::Word(w)) = c.peek() {
        if SQLITE_CONSTRAINT_WORDS.iter().any(|k| w.eq_ignore_ascii_case(k)) {
            return Err(format!("{w:?} would begin a column constraint, it cannot be part of a type"));
        }
        c.bump();
        words += 1;
    }
    if words == 0 {
        return Err(format!("expected a type name, found {}", c.found()));
    }
    if c.eat_sym("(") {
        signed_number(c)?;
        if c.eat_sym(",") {
            signed_number(c)?;
        }
        c.expect_sym(")")?;
    }
    Ok(())
}

fn signed_number(c: &mut Cursor<'_>) -> Result<(), String> {
    let _ = c.eat_sym("-") || c.eat_sym("+");
    match c.bump() {
        Some(Tok::Num(_)) => Ok(()),
        other => Err(format!("expected a number, found {}", describe(other))),
    }
}

/// The column type grammar of `dialect`.
pub(crate) fn column_type(c: &mut Cursor<'_>, dialect: Dialect) -> Result<(), String> {
    match dialect {
        Dialect::Postgres => pg_type(c),
        Dialect::Mysql => mysql_type(c),
        Dialect::Sqlite => sqlite_type(c),
    }
}

/// Exactly one term: an optional sign, then a number, a string literal (optionally prefixed:
/// `b'1'`, `E'x'`, `date '2020-01-01'`), a name or keyword (`CURRENT_TIMESTAMP`,
/// `my_schema.x`), a function call (`now()`, `nextval('s'::regclass)`, `CAST(1 AS int)`),
/// `ARRAY[…]` or anything in parentheses; then, outside MySQL, `::type` casts.
pub(crate) fn one_term(c: &mut Cursor<'_>, dialect: Dialect) -> Result<(), String> {
    let _ = c.eat_sym("-") || c.eat_sym("+");
    primary(c)?;
    if dialect != Dialect::Mysql {
        while c.eat_sym("::") {
            pg_type(c)?;
        }
    }
    Ok(())
}

fn primary(c: &mut Cursor<'_>) -> Result<(), String> {
    match c.peek() {
        Some(Tok::Num(_) | Tok::Str(_)) => {
            c.bump();
            Ok(())
        }
        Some(t) if t.is_sym("(") => c.balanced(),
        Some(t) if t.is_word("array") && c.peek_at(1).is_some_and(|n| n.is_sym("[")) => {
            c.bump();
            c.balanced()
        }
        Some(Tok::Word(_)) if matches!(c.peek_at(1), Some(Tok::Str(_))) => {
            c.bump();
            c.bump();
            Ok(())
        }
        Some(Tok::Word(_) | Tok::QIdent(_)) => {
            c.bump();
            while c.eat_sym(".") {
                match c.bump() {
                    Some(Tok::Word(_) | Tok::QIdent(_)) => {}
                    other => return Err(format!("expected a name after '.', found {}", describe(other))),
                }
            }
            if c.peek().is_some_and(|t| t.is_sym("(")) {
                c.balanced()?;
            }
            Ok(())
        }
        _ => Err(format!("{} cannot begin an expression", c.found())),
    }
}

/// Whether the text begins the way an SQL default does (so that a `;`, a comment or a stray
/// `)` right after that beginning reads as an attempt to end the expression): a number, a
/// string, a parenthesised group, a function call or an SQL value keyword — not a bare word,
/// so that text such as `text/html; charset=utf-8` stays a literal.
pub(crate) fn begins_with_term(c: &mut Cursor<'_>, dialect: Dialect) -> bool {
    let bare_keyword = match (c.peek(), c.peek_at(1)) {
        (Some(Tok::Word(w)), next) => {
            let call = next.is_some_and(|n| n.is_sym("("));
            let literal = matches!(next, Some(Tok::Str(_)));
            !call && !literal && !is_value_keyword(w)
        }
        (Some(Tok::QIdent(_)), _) => true,
        _ => false,
    };
    !bare_keyword && one_term(c, dialect).is_ok()
}

fn is_value_keyword(w: &str) -> bool {
    let w = w.to_ascii_lowercase();
    matches!(w.as_str(), "true" | "false" | "null" | "localtime" | "localtimestamp" | "user" | "session_user") || w.starts_with("current_")
}

/// A trigger event: an optional timing (`before`, `after`, `instead of`) and `insert`,
/// `delete`, `truncate` (Postgres) or `update [of col, …]`.
pub(crate) fn trigger_event(c: &mut Cursor<'_>, dialect: Dialect) -> Result<(), String> {
    if c.eat_word("instead") {
        c.expect_word("of")?;
    } else {
        let _ = c.eat_word("before") || c.eat_word("after");
    }
    if c.eat_word("insert") || c.eat_word("delete") || (dialect == Dialect::Postgres && c.eat_word("truncate")) {
        return Ok(());
    }
    if !c.eat_word("update") {
        let truncate = if dialect == Dialect::Postgres { ", TRUNCATE" } else { "" };
        return Err(format!("expected INSERT, UPDATE, DELETE{truncate}, found {}", c.found()));
    }
    if c.eat_word("of") {
        loop {
            match c.bump() {
                Some(Tok::Word(_) | Tok::QIdent(_)) => {}
                other => return Err(format!("expected a column name, found {}", describe(other))),
            }
            if !c.eat_sym(",") {
                break;
            }
        }
    }
    Ok(())
}

/// Every `(` and `[` closed in order, none closed that was not opened.
pub(crate) fn balanced_throughout(toks: &[Tok]) -> Result<(), String> {
    let mut brackets = super::lex::Brackets::default();
    for t in toks {
        brackets.take(t)?;
    }
    match brackets.unclosed() {
        Some(message) => Err(message),
        None => Ok(()),
    }
}
