//! Specs cannot inject SQL: every spec string that reaches a DDL statement is either quoted by
//! the engines (identifiers, literals) or checked here against the grammar of what may stand in
//! its place. A string that fails is an error naming the file, table and field (see
//! [`check_table`], called by `validate::validate_table` on every path that reads specs), so
//! nothing of that table is planned.
//!
//! Raw SQL by design — a Postgres trigger's `executeProcedure`, an SQLite trigger body — is not
//! checked here; the README lists it as trusted input.

mod grammar;
mod lex;
mod table;
mod view;

pub(crate) use table::check_table;
pub use view::{check_view_query, normalize_view_query, view_query_relations};

use lex::{Backslash, Cursor, Lexed, Stop, lex, readings};

/// The SQL dialect a spec section is rendered in. CockroachDB's section uses the Postgres
/// engine and so the Postgres rules; rqlite's uses SQLite's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    Postgres,
    Mysql,
    Sqlite,
}

/// Postgres keeps the first 63 bytes of a longer name (NAMEDATALEN - 1).
pub const POSTGRES_MAX_IDENTIFIER_BYTES: usize = 63;
/// MySQL and MariaDB refuse names longer than 64 characters.
pub const MYSQL_MAX_IDENTIFIER_CHARS: usize = 64;

/// A name the spec gives (table, column, index, constraint, trigger, schema): quoted by the
/// engines, so only NUL and the dialect's length limit matter. A longer name is an error rather
/// than something Postgres silently cuts (which would make two names collide or a plan never
/// converge) or MySQL refuses at apply time.
pub fn check_identifier(dialect: Dialect, name: &str) -> Result<(), String> {
    if name.contains('\0') {
        return Err(format!("{name:?} contains a NUL character"));
    }
    match dialect {
        Dialect::Postgres if name.len() > POSTGRES_MAX_IDENTIFIER_BYTES => {
            Err(format!("{name:?} is {} bytes long; Postgres names are at most {POSTGRES_MAX_IDENTIFIER_BYTES} bytes", name.len()))
        }
        Dialect::Mysql if name.chars().count() > MYSQL_MAX_IDENTIFIER_CHARS => Err(format!(
            "{name:?} is {} characters long; MySQL names are at most {MYSQL_MAX_IDENTIFIER_CHARS} characters",
            name.chars().count()
        )),
        _ => Ok(()),
    }
}

/// A name cut to the dialect's limit, as the database would store it (Postgres) or as it must
/// be sent (MySQL refuses longer ones). Used for the names SchemaHero generates
/// (`idx_<table>_<columns>`, `<table>_<columns>_fkey`), so that they converge.
pub fn truncate_identifier(dialect: Dialect, name: &str) -> String {
    match dialect {
        Dialect::Postgres => clip_bytes(name, POSTGRES_MAX_IDENTIFIER_BYTES).to_string(),
        Dialect::Mysql => name.chars().take(MYSQL_MAX_IDENTIFIER_CHARS).collect(),
        Dialect::Sqlite => name.to_string(),
    }
}

/// The longest prefix of `name` of at most `max` bytes that ends on a character boundary.
pub fn clip_bytes(name: &str, max: usize) -> &str {
    if name.len() <= max {
        return name;
    }
    let mut end = max;
    while !name.is_char_boundary(end) {
        end -= 1;
    }
    &name[..end]
}

/// Lexes `text` in every reading the dialect's servers may apply and runs `check` on each;
/// the first failure is the answer.
/// The closure gets the lexed text, the reading, and whether an earlier reading passed.
fn in_every_reading(text: &str, dialect: Dialect, check: impl Fn(&Lexed, Backslash, bool) -> Result<(), String>) -> Result<(), String> {
    for (i, &reading) in readings(dialect).iter().enumerate() {
        check(&lex(text, dialect, reading), reading, i > 0)?;
    }
    Ok(())
}

/// Fails when lexing stopped early. `other_reading_ok`: the text lexed fine the other way, so
/// the message says the difference is the reading of backslashes.
fn complete(lexed: &Lexed, reading: Backslash, other_reading_ok: bool) -> Result<(), String> {
    match &lexed.stop {
        None => Ok(()),
        Some(stop) if other_reading_ok && reading == Backslash::Escapes => {
            Err(format!("{} when backslashes escape quotes (a server setting: write a quote inside a literal as '')", stop.message()))
        }
        Some(stop) => Err(stop.message()),
    }
}

/// A column type: see the grammars in `grammar.rs` (a type name of one or more words,
/// optional arguments in parentheses, Postgres array suffixes and time zones, MySQL `enum`/`set`
/// values and `unsigned`/`zerofill`). Nothing else: no `;`, comments, or stray parentheses.
pub fn check_type(dialect: Dialect, raw: &str) -> Result<(), String> {
    let text = raw.trim();
    // MySQL enum/set values are re-quoted by the engine as the MySQL reading of them says.
    let one_reading: &[Backslash] = &[Backslash::Escapes];
    let readings_for_type = if dialect == Dialect::Mysql { one_reading } else { readings(dialect) };
    for (i, &reading) in readings_for_type.iter().enumerate() {
        let lexed = lex(text, dialect, reading);
        complete(&lexed, reading, i > 0)?;
        let mut c = Cursor::new(&lexed.toks);
        grammar::column_type(&mut c, dialect)?;
        if !c.at_end() {
            return Err(format!("unexpected {} after the type", c.found()));
        }
    }
    Ok(())
}

/// A column default. A default the README's rule reads as SQL must be exactly one term (see
/// `grammar::one_term`); one it reads as text is quoted and escaped by the engine, unless it
/// begins like an SQL expression and then ends it (`;`, a comment, an unmatched `)`), which
/// cannot be meant as text. On MySQL, an `ON UPDATE` tail may only name the current time.
pub fn check_default(dialect: Dialect, raw: &str) -> Result<(), String> {
    let (default, on_update) = match dialect {
        Dialect::Mysql => crate::mysql_defaults::split_on_update(raw),
        _ => (raw.trim().to_string(), None),
    };
    if let Some(on_update) = on_update {
        check_on_update(&on_update)?;
        if default.is_empty() {
            return Ok(());
        }
    }
    let is_sql = match dialect {
        Dialect::Mysql => crate::mysql_defaults::is_sql_default(&default),
        _ => crate::defaults::is_sql_default(&default),
    };
    let text = default.trim();
    if is_sql {
        in_every_reading(text, dialect, |lexed, reading, other_ok| {
            complete(lexed, reading, other_ok)
                .and_then(|()| {
                    let mut c = Cursor::new(&lexed.toks);
                    grammar::one_term(&mut c, dialect)?;
                    if c.at_end() { Ok(()) } else { Err(format!("unexpected {} after it", c.found())) }
                })
                .map_err(|e| {
                    format!(
                        "{text:?} is read as an SQL expression but is not exactly one: {e} (write a single function call, \
                         literal or cast, or wrap the whole expression in parentheses)"
                    )
                })
        })
    } else {
        in_every_reading(text, dialect, |lexed, _, _| {
            let mut c = Cursor::new(&lexed.toks);
            if !grammar::begins_with_term(&mut c, dialect) {
                return Ok(());
            }
            let ending = if !c.at_end() {
                c.peek().filter(|t| t.is_sym(")")).map(|_| "an unmatched ')'".to_string())
            } else {
                lexed.stop.as_ref().filter(|s| matches!(s, Stop::Separator | Stop::Comment)).map(Stop::message)
            };
            match ending {
                Some(what) => Err(format!(
                    "{text:?} begins an SQL expression and then has {what}: a default must be exactly one expression \
                     (to store this text, write it as a quoted literal)"
                )),
                None => Ok(()),
            }
        })
    }
}

/// MySQL's `ON UPDATE`: only `CURRENT_TIMESTAMP` and its synonyms, with an optional precision.
fn check_on_update(text: &str) -> Result<(), String> {
    let lexed = lex(text, Dialect::Mysql, Backslash::Escapes);
    let fail = || format!("ON UPDATE {text:?}: only CURRENT_TIMESTAMP, CURRENT_TIMESTAMP(n), NOW(), NOW(n), LOCALTIME or LOCALTIMESTAMP");
    if lexed.stop.is_some() {
        return Err(fail());
    }
    let mut c = Cursor::new(&lexed.toks);
    let keyword = ["current_timestamp", "now", "localtime", "localtimestamp"].iter().any(|k| c.eat_word(k));
    if !keyword {
        return Err(fail());
    }
    if c.eat_sym("(") {
        if matches!(c.peek(), Some(lex::Tok::Num(_))) {
            c.bump();
        }
        if !c.eat_sym(")") {
            return Err(fail());
        }
    }
    if c.at_end() { Ok(()) } else { Err(fail()) }
}

/// A trigger's `condition`, written inside `WHEN (…)`: any expression whose quotes and
/// parentheses balance, with no `;` and no comments.
pub fn check_expression(dialect: Dialect, raw: &str) -> Result<(), String> {
    let text = raw.trim();
    if text.is_empty() {
        return Err("an empty condition".into());
    }
    in_every_reading(text, dialect, |lexed, reading, other_ok| {
        complete(lexed, reading, other_ok)?;
        grammar::balanced_throughout(&lexed.toks)
    })
}

/// A CHECK constraint's `expression`: like a trigger condition, one expression whose quotes and
/// parentheses balance, with no `;` and no comments (it is written inside `CHECK (…)`).
pub fn check_check_expression(dialect: Dialect, raw: &str) -> Result<(), String> {
    if raw.trim().is_empty() {
        return Err("an empty expression".into());
    }
    check_expression(dialect, raw)
}

/// The form in which two CHECK expressions are compared, as far as the database re-prints them
/// without changing their meaning: tokens with single spaces, words lower case, quoted names
/// unquoted, strings re-quoted, `!=` as `<>`, MySQL charset introducers (`_utf8mb4'x'`)
/// dropped. With `loose` (Postgres, which adds parentheses and casts everywhere), parentheses
/// and `::type` casts are dropped too: two expressions that differ only there compare equal.
pub fn normalize_expression(dialect: Dialect, raw: &str, loose: bool) -> String {
    use lex::Tok;
    let lexed = lex(raw.trim(), dialect, Backslash::Literal);
    let toks = &lexed.toks;
    let mut out: Vec<String> = Vec::with_capacity(toks.len());
    let mut i = 0;
    while i < toks.len() {
        let tok = &toks[i];
        let next = toks.get(i + 1);
        match tok {
            Tok::Word(w) if w.starts_with('_') && matches!(next, Some(Tok::Str(_))) && dialect == Dialect::Mysql => {}
            Tok::Word(w) => out.push(w.to_lowercase()),
            Tok::QIdent(q) => out.push(q.to_lowercase()),
            Tok::Str(v) => out.push(format!("'{}'", v.replace('\'', "''"))),
            Tok::Num(n) => out.push(n.clone()),
            // Operators lex one character at a time: `<>`, `>=`, `!=` are joined again.
            Tok::Sym(s) if is_operator(s) => {
                let mut op = s.clone();
                while let Some(Tok::Sym(n)) = toks.get(i + 1).filter(|t| matches!(t, Tok::Sym(n) if is_operator(n))) {
                    op.push_str(n);
                    i += 1;
                }
                out.push(if op == "!=" { "<>".into() } else { op });
            }
            Tok::Sym(s) if loose && (s == "(" || s == ")") => {}
            Tok::Sym(s) if loose && s == "::" => {
                // The cast's type: words, an optional `(n, m)` and array brackets.
                while matches!(toks.get(i + 1), Some(Tok::Word(_)) | Some(Tok::QIdent(_))) {
                    i += 1;
                }
                if toks.get(i + 1).is_some_and(|t| t.is_sym("(")) {
                    while toks.get(i + 1).is_some_and(|t| !t.is_sym(")")) {
                        i += 1;
                    }
                    i += 1;
                }
                while toks.get(i + 1).is_some_and(|t| t.is_sym("[") || t.is_sym("]")) {
                    i += 1;
                }
            }
            Tok::Sym(s) => out.push(s.clone()),
        }
        i += 1;
    }
    out.join(" ")
}

fn is_operator(sym: &str) -> bool {
    sym.len() == 1 && "<>=!|&+-*/%^~".contains(sym)
}

/// One entry of a trigger's `events`: `[BEFORE|AFTER|INSTEAD OF] INSERT|UPDATE [OF col, …]|
/// DELETE|TRUNCATE` (TRUNCATE on Postgres only).
pub fn check_trigger_event(dialect: Dialect, raw: &str) -> Result<(), String> {
    in_every_reading(raw.trim(), dialect, |lexed, reading, other_ok| {
        complete(lexed, reading, other_ok)?;
        let mut c = Cursor::new(&lexed.toks);
        grammar::trigger_event(&mut c, dialect)?;
        if c.at_end() { Ok(()) } else { Err(format!("unexpected {} after the event", c.found())) }
    })
}

/// A Postgres type written where a function parameter's type goes (trigger `execute.params`).
pub fn check_pg_type(raw: &str) -> Result<(), String> {
    check_type(Dialect::Postgres, raw)
}

/// Index methods per dialect: Postgres' built-in access methods and pgvector's; MySQL's index
/// kinds; SQLite has only B-trees.
pub fn index_methods(dialect: Dialect) -> &'static [&'static str] {
    match dialect {
        Dialect::Postgres => &["btree", "hash", "gist", "spgist", "gin", "brin", "ivfflat", "hnsw"],
        Dialect::Mysql => &["btree", "hash", "fulltext", "spatial"],
        Dialect::Sqlite => &["btree"],
    }
}

pub fn check_index_method(dialect: Dialect, raw: &str) -> Result<(), String> {
    let known = index_methods(dialect);
    if known.contains(&raw.trim().to_ascii_lowercase().as_str()) {
        Ok(())
    } else {
        Err(format!("unknown index type {raw:?} (expected one of {})", known.join(", ")))
    }
}

fn is_simple_name(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_') && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// A Postgres storage parameter (`with` on an index): the key a name (`fillfactor`,
/// `toast.autovacuum_enabled`), the value a number, a name (`on`, `auto`) or a quoted string.
pub fn check_storage_parameter(key: &str, value: &str) -> Result<(), String> {
    if !key.split('.').all(is_simple_name) || key.split('.').count() > 2 {
        return Err(format!("{key:?} is not a storage parameter name"));
    }
    let v = value.trim();
    let number = {
        let digits = v.strip_prefix(['-', '+']).unwrap_or(v);
        !digits.is_empty()
            && digits.chars().all(|c| c.is_ascii_digit() || c == '.')
            && digits.chars().filter(|&c| c == '.').count() <= 1
            && digits.chars().any(|c| c.is_ascii_digit())
    };
    let quoted = v.len() >= 2
        && v.starts_with('\'')
        && v.ends_with('\'')
        && !v.contains(['\\', '\0'])
        && !v[1..v.len() - 1].replace("''", "").contains('\'');
    if number || is_simple_name(v) || quoted {
        Ok(())
    } else {
        Err(format!("{key} = {value:?}: a storage parameter value must be a number, a name or a quoted string"))
    }
}

/// A MySQL charset or collation name (written into DDL unquoted): letters, digits and `_`.
pub fn check_charset_name(raw: &str) -> Result<(), String> {
    if !raw.is_empty() && raw.len() <= MYSQL_MAX_IDENTIFIER_CHARS && raw.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        Ok(())
    } else {
        Err(format!("{raw:?} is not a charset or collation name"))
    }
}

/// A trigger function parameter's mode (`IN`, `OUT`, `INOUT`, `VARIADIC`).
pub fn check_param_mode(raw: &str) -> Result<(), String> {
    if ["in", "out", "inout", "variadic"].contains(&raw.trim().to_ascii_lowercase().as_str()) {
        Ok(())
    } else {
        Err(format!("unknown parameter mode {raw:?} (expected IN, OUT, INOUT or VARIADIC)"))
    }
}

/// A name written unquoted (a trigger function parameter's name).
pub fn check_plain_name(raw: &str) -> Result<(), String> {
    if is_simple_name(raw) { Ok(()) } else { Err(format!("{raw:?} is not a plain name (letters, digits and _)")) }
}

#[cfg(test)]
mod tests;
