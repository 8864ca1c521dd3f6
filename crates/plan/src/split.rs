//! Splitting an SQL script into statements for `apply`.
//!
//! A `;` ends a statement only outside string literals ('…' with '' escapes, E'…' with
//! backslash escapes), quoted identifiers ("…", `…`, […]), comments (`--`, nested `/* */`),
//! dollar-quoted bodies ($$…$$, $tag$…$tag$) and the BEGIN … END body of a SQLite trigger.

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SplitError {
    #[error("unterminated {what} starting at line {line}")]
    Unterminated { what: &'static str, line: usize },
}

/// The server whose reading of `[` a script follows: SQLite's `[` always opens a quoted
/// identifier; Postgres (array subscripts) and MySQL never.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SplitDialect {
    Postgres,
    Mysql,
    Sqlite,
}

/// Splits `script` into statements, each trimmed and without its terminating `;`.
/// Chunks that hold only whitespace and comments are dropped. Without a dialect, `[` opens a
/// SQLite identifier where one may stand and is a subscript elsewhere: see
/// [`split_statements_for`] when the server is known.
pub fn split_statements(script: &str) -> Result<Vec<String>, SplitError> {
    split(script, None)
}

/// [`split_statements`] as `dialect`'s server reads `[`.
pub fn split_statements_for(script: &str, dialect: SplitDialect) -> Result<Vec<String>, SplitError> {
    split(script, Some(dialect))
}

fn split(script: &str, dialect: Option<SplitDialect>) -> Result<Vec<String>, SplitError> {
    let bytes = script.as_bytes();
    let mut statements = Vec::new();
    let mut start = 0;
    let mut i = 0;
    // Depth of BEGIN … END inside a CREATE TRIGGER (SQLite), where `;` does not end the
    // statement.
    let mut trigger_depth = 0usize;
    let line_at = |pos: usize| script[..pos].matches('\n').count() + 1;

    while i < bytes.len() {
        let c = bytes[i];
        match c {
            b'\'' => {
                // E'…' (backslash escapes) is Postgres'; elsewhere `E` is a name before a literal.
                let escapes = matches!(dialect, None | Some(SplitDialect::Postgres))
                    && i > 0
                    && matches!(bytes[i - 1], b'e' | b'E')
                    && !is_word_byte_before(bytes, i - 1);
                i = skip_quoted(bytes, i, b'\'', escapes).ok_or(SplitError::Unterminated { what: "string literal", line: line_at(i) })?;
            }
            b'"' | b'`' => {
                i = skip_quoted(bytes, i, c, false).ok_or(SplitError::Unterminated { what: "quoted identifier", line: line_at(i) })?;
            }
            b'[' if match dialect {
                Some(SplitDialect::Sqlite) => true,
                Some(SplitDialect::Postgres | SplitDialect::Mysql) => false,
                None => trigger_depth == 0 && starts_like_sqlite_bracket(bytes, i),
            } =>
            {
                i = match bytes[i + 1..].iter().position(|&b| b == b']') {
                    Some(p) => i + 1 + p + 1,
                    None => {
                        return Err(SplitError::Unterminated { what: "bracketed identifier", line: line_at(i) });
                    }
                };
            }
            b'-' if bytes.get(i + 1) == Some(&b'-') => {
                i = match bytes[i..].iter().position(|&b| b == b'\n') {
                    Some(p) => i + p + 1,
                    None => bytes.len(),
                };
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                let mut depth = 1;
                let open = i;
                i += 2;
                while depth > 0 {
                    if i + 1 >= bytes.len() {
                        return Err(SplitError::Unterminated { what: "block comment", line: line_at(open) });
                    }
                    if bytes[i] == b'/' && bytes[i + 1] == b'*' {
                        depth += 1;
                        i += 2;
                    } else if bytes[i] == b'*' && bytes[i + 1] == b'/' {
                        depth -= 1;
                        i += 2;
                    } else {
                        i += 1;
                    }
                }
            }
            b'$' => match dollar_tag(bytes, i) {
                Some(tag_len) => {
                    let tag = &script[i..i + tag_len];
                    let body_start = i + tag_len;
                    i = match script[body_start..].find(tag) {
                        Some(p) => body_start + p + tag_len,
                        None => {
                            return Err(SplitError::Unterminated { what: "dollar-quoted string", line: line_at(i) });
                        }
                    };
                }
                None => i += 1,
            },
            b';' if trigger_depth == 0 => {
                push_statement(&mut statements, &script[start..i]);
                i += 1;
                start = i;
            }
            c if is_word_start(c) => {
                // A whole identifier or keyword: `$` inside one is not a dollar quote
                // (`a$$b` is one name in Postgres, MySQL and SQLite).
                let word_end = i + bytes[i..].iter().take_while(|&&b| is_word_byte(b)).count();
                let word = &script[i..word_end];
                if word.eq_ignore_ascii_case("begin") && is_trigger_statement(&script[start..i]) {
                    trigger_depth += 1;
                } else if word.eq_ignore_ascii_case("case") && trigger_depth > 0 {
                    // CASE … END inside a trigger body also closes with END.
                    trigger_depth += 1;
                } else if word.eq_ignore_ascii_case("end") && trigger_depth > 0 {
                    trigger_depth -= 1;
                }
                i = word_end;
            }
            _ => i += 1,
        }
    }
    if trigger_depth > 0 {
        return Err(SplitError::Unterminated { what: "trigger body (BEGIN without END)", line: line_at(start) });
    }
    push_statement(&mut statements, &script[start..]);
    Ok(statements)
}

/// Whitespace as the SQL lexers read it (Postgres, MySQL and SQLite agree on these six).
/// Statements are trimmed of exactly these, so that a statement split again reads the same.
fn is_sql_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\r' | '\x0b' | '\x0c')
}

/// A byte that starts an identifier or keyword: a letter, `_`, or part of a non-ASCII
/// character (which all three dialects allow in names).
fn is_word_start(b: u8) -> bool {
    b.is_ascii_alphabetic() || b == b'_' || b >= 0x80
}

fn is_word_byte(b: u8) -> bool {
    is_word_start(b) || b.is_ascii_digit() || b == b'$'
}

fn push_statement(statements: &mut Vec<String>, chunk: &str) {
    let trimmed = chunk.trim_matches(is_sql_space);
    if !trimmed.is_empty() && !is_only_comments(trimmed) {
        statements.push(trimmed.to_string());
    }
}

fn is_only_comments(chunk: &str) -> bool {
    let mut rest = chunk.trim_start_matches(is_sql_space);
    loop {
        if rest.is_empty() {
            return true;
        }
        if let Some(after) = rest.strip_prefix("--") {
            rest = after.split_once('\n').map(|(_, r)| r).unwrap_or("").trim_start_matches(is_sql_space);
        } else if let Some(after) = rest.strip_prefix("/*") {
            match after.find("*/") {
                Some(p) => rest = after[p + 2..].trim_start_matches(is_sql_space),
                None => return false,
            }
        } else {
            return false;
        }
    }
}

/// Returns the index just past the closing quote. A doubled quote is an escaped quote.
fn skip_quoted(bytes: &[u8], open: usize, quote: u8, backslash_escapes: bool) -> Option<usize> {
    let mut i = open + 1;
    while i < bytes.len() {
        let b = bytes[i];
        if backslash_escapes && b == b'\\' {
            i += 2;
            continue;
        }
        if b == quote {
            if bytes.get(i + 1) == Some(&quote) {
                i += 2;
                continue;
            }
            return Some(i + 1);
        }
        i += 1;
    }
    None
}

/// `$tag$` where tag is empty or an identifier not starting with a digit; not `$1`.
fn dollar_tag(bytes: &[u8], i: usize) -> Option<usize> {
    // Part of a word such as `1$` (identifiers with `$`, like a$b, are skipped whole); after
    // another `$`, as in `$$a$$$$b$$`, a new quote may start.
    if i > 0 && bytes[i - 1] != b'$' && is_word_byte(bytes[i - 1]) {
        return None;
    }
    let mut j = i + 1;
    if j < bytes.len() && bytes[j].is_ascii_digit() {
        return None;
    }
    while j < bytes.len() && (is_word_start(bytes[j]) || bytes[j].is_ascii_digit()) {
        j += 1;
    }
    (j < bytes.len() && bytes[j] == b'$').then_some(j + 1 - i)
}

fn is_word_byte_before(bytes: &[u8], i: usize) -> bool {
    i > 0 && is_word_byte(bytes[i - 1])
}

/// `[` opens a SQLite identifier only where an identifier may stand; in Postgres it is an
/// array subscript (`a[1]`, `int[]`), which always follows a word or `]`/`)`.
fn starts_like_sqlite_bracket(bytes: &[u8], i: usize) -> bool {
    let prev = bytes[..i].iter().rev().find(|&&b| !is_sql_space(char::from(b)));
    let next_is_close = bytes.get(i + 1) == Some(&b']');
    !next_is_close && matches!(prev, None | Some(b'(') | Some(b',') | Some(b'.') | Some(b';')) || is_after_keyword(bytes, i)
}

fn is_after_keyword(bytes: &[u8], i: usize) -> bool {
    let before = String::from_utf8_lossy(&bytes[..i]).trim_end_matches(is_sql_space).to_ascii_lowercase();
    [
        "table", "into", "from", "on", "update", "index", "exists", "join", "column", "view", "trigger", "select", "by", "set", "where",
        "and", "or", "as",
    ]
    .iter()
    .any(|kw| {
        before.ends_with(kw)
            && !before[..before.len() - kw.len()].ends_with(|c: char| !c.is_ascii() || c.is_ascii_alphanumeric() || c == '_' || c == '$')
    })
}

fn is_trigger_statement(prefix: &str) -> bool {
    let words: Vec<String> = prefix
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .filter(|w| !w.is_empty())
        .take(4)
        .map(|w| w.to_ascii_lowercase())
        .collect();
    words.first().map(String::as_str) == Some("create") && words.iter().any(|w| w == "trigger")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(s: &str) -> Vec<String> {
        split_statements(s).unwrap()
    }

    #[test]
    fn splits_plain_statements() {
        assert_eq!(split("create table a (x int); drop table b;\n"), vec!["create table a (x int)", "drop table b"]);
    }

    #[test]
    fn keeps_semicolons_inside_literals_identifiers_and_comments() {
        let script = "insert into \"a;b\" values ('x;''y'); -- c;d\n/* e; /* nested; */ f; */ select 1;";
        assert_eq!(split(script), vec!["insert into \"a;b\" values ('x;''y')", "-- c;d\n/* e; /* nested; */ f; */ select 1"]);
    }

    #[test]
    fn dollar_quoted_function_bodies_stay_whole() {
        let script =
            "create function f() returns trigger as $body$ begin new.a := 1; return new; end; $body$ language plpgsql;\nselect $$a;b$$;";
        let parts = split(script);
        assert_eq!(parts.len(), 2);
        assert!(parts[0].ends_with("language plpgsql"));
        assert_eq!(parts[1], "select $$a;b$$");
    }

    #[test]
    fn positional_parameters_are_not_dollar_quotes() {
        assert_eq!(split("select $1; select 2"), vec!["select $1", "select 2"]);
    }

    #[test]
    fn escape_strings_honour_backslashes() {
        assert_eq!(split("select E'it\\'s;'; select 'a\\'; select 3"), vec!["select E'it\\'s;'", "select 'a\\'", "select 3"]);
    }

    #[test]
    fn sqlite_trigger_bodies_stay_whole() {
        let script =
            "CREATE TRIGGER t AFTER INSERT ON a BEGIN UPDATE a SET x = CASE WHEN 1 THEN 2 END; INSERT INTO b VALUES (1); END; select 1;";
        let parts = split(script);
        assert_eq!(parts.len(), 2, "{parts:?}");
        assert!(parts[0].ends_with("END"));
    }

    #[test]
    fn comment_only_chunks_are_dropped() {
        assert_eq!(split("-- nothing here;\n-- hazard X: y\n"), Vec::<String>::new());
        assert_eq!(split("-- hazard: a\ncreate table t (a int);"), vec!["-- hazard: a\ncreate table t (a int)"]);
    }

    #[test]
    fn arrays_and_brackets() {
        assert_eq!(
            split("create table t (a int[], b text[3]); select [weird;name] from t;"),
            vec!["create table t (a int[], b text[3])", "select [weird;name] from t"]
        );
    }

    #[test]
    fn dollar_signs_inside_names_are_not_dollar_quotes() {
        // Found by fuzzing (fuzz/, target default_classifier): `a$$$$` is one identifier.
        assert_eq!(split("create table t (c a$$$$); select 1"), vec!["create table t (c a$$$$)", "select 1"]);
        assert_eq!(split("select café$$x; select 2"), vec!["select café$$x", "select 2"]);
        // A new dollar quote may follow a closing one; a tag may hold non-ASCII letters.
        assert_eq!(split("select $$a$$$$b;$$; select $é$;$é$"), vec!["select $$a$$$$b;$$", "select $é$;$é$"]);
    }

    #[test]
    fn statements_split_again_read_the_same() {
        // Found by fuzzing (fuzz/, target sql_splitter): a vertical tab before `[` was trimmed
        // from the statement but not counted as whitespace when reading the `[`.
        assert_eq!(split_statements("\x0b["), split_statements("["));
        for script in ["select 1;\x0b[x]", "select\x0b[x] from t", "select 1;\x0b\x0c\r\n[a;b]"] {
            for statement in split(script) {
                assert_eq!(split_statements(&statement), Ok(vec![statement.clone()]), "{script:?}");
            }
        }
        // Only SQL whitespace is trimmed: a no-break space is part of the statement.
        assert_eq!(split("\u{a0}[x]"), vec!["\u{a0}[x]"]);
    }

    #[test]
    fn brackets_as_the_server_reads_them() {
        // Found by fuzzing (fuzz/, target default_classifier): a SQLite trigger condition
        // `a[b;c]` is a name followed by the identifier [b;c], one statement on SQLite; the
        // dialect-free guess reads the `[` after a word as a Postgres subscript.
        let script = "SELECT 1 WHERE (a[b);c]); select 2";
        assert_eq!(split_statements_for(script, SplitDialect::Sqlite), Ok(vec!["SELECT 1 WHERE (a[b);c])".into(), "select 2".into()]));
        assert_eq!(split_statements(script).map(|s| s.len()), Ok(3));
        assert_eq!(split_statements_for(script, SplitDialect::Postgres).map(|s| s.len()), Ok(3));
        let trigger = "CREATE TRIGGER t AFTER INSERT ON a BEGIN UPDATE [end] SET x = 1; END; select 1";
        assert_eq!(split_statements_for(trigger, SplitDialect::Sqlite).map(|s| s.len()), Ok(2));
        assert_eq!(split_statements_for("select [a;b]", SplitDialect::Mysql).map(|s| s.len()), Ok(2));
    }

    #[test]
    fn escape_strings_are_postgres_only() {
        // Found by fuzzing (fuzz/, target default_classifier): on SQLite `E'a\'` is the name E
        // and the literal 'a\', which a trigger condition may hold.
        let script = "SELECT 1 WHERE (x > E'a\\'); select 2";
        assert_eq!(split_statements_for(script, SplitDialect::Sqlite).map(|s| s.len()), Ok(2));
        assert!(split_statements_for(script, SplitDialect::Postgres).is_err());
    }

    #[test]
    fn unterminated_input_is_an_error_with_a_line() {
        assert_eq!(split_statements("select 1;\nselect 'abc"), Err(SplitError::Unterminated { what: "string literal", line: 2 }));
        assert!(split_statements("/* open").is_err());
        assert!(split_statements("select $x$ abc").is_err());
    }
}
