//! SQLite keeps no catalog of CHECK constraints, only the CREATE TABLE text as it was written:
//! the named ones (`CONSTRAINT name CHECK (…)`, which is how SchemaHero writes them) are read
//! back from it. Unnamed checks cannot be told apart in a spec and are not read.

use schemahero_schema::model::CheckDef;

#[derive(Debug, PartialEq)]
enum Tok {
    /// A word or a quoted name, with its text (unquoted).
    Name(String, bool),
    Open,
    Close,
    Other,
}

/// The tokens of `sql` with the byte offset each starts and ends at.
fn tokens(sql: &str) -> Vec<(Tok, usize, usize)> {
    let bytes: Vec<(usize, char)> = sql.char_indices().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let (start, c) = bytes[i];
        let close = match c {
            '\'' | '"' | '`' => Some(c),
            '[' => Some(']'),
            _ => None,
        };
        if let Some(q) = close {
            let mut text = String::new();
            let mut j = i + 1;
            while j < bytes.len() {
                if bytes[j].1 == q {
                    // A doubled quote is one quote character inside the quotes.
                    if q != ']' && bytes.get(j + 1).is_some_and(|b| b.1 == q) {
                        text.push(q);
                        j += 2;
                        continue;
                    }
                    break;
                }
                text.push(bytes[j].1);
                j += 1;
            }
            let end = bytes.get(j).map(|b| b.0 + b.1.len_utf8()).unwrap_or(sql.len());
            out.push((if c == '\'' { Tok::Other } else { Tok::Name(text, true) }, start, end));
            i = j + 1;
        } else if c.is_alphanumeric() || c == '_' {
            let mut j = i;
            while j < bytes.len() && (bytes[j].1.is_alphanumeric() || bytes[j].1 == '_' || bytes[j].1 == '$') {
                j += 1;
            }
            let end = bytes.get(j).map(|b| b.0).unwrap_or(sql.len());
            out.push((Tok::Name(sql[start..end].to_string(), false), start, end));
            i = j;
        } else {
            let tok = match c {
                '(' => Tok::Open,
                ')' => Tok::Close,
                c if c.is_whitespace() => {
                    i += 1;
                    continue;
                }
                _ => Tok::Other,
            };
            out.push((tok, start, start + c.len_utf8()));
            i += 1;
        }
    }
    out
}

fn is_word(tok: &Tok, word: &str) -> bool {
    matches!(tok, Tok::Name(w, false) if w.eq_ignore_ascii_case(word))
}

/// The named CHECK constraints of a CREATE TABLE statement, expressions as written.
pub fn named_checks(sql: &str) -> Vec<CheckDef> {
    let toks = tokens(sql);
    let mut checks = Vec::new();
    let mut i = 0;
    while i + 3 < toks.len() {
        let named = is_word(&toks[i].0, "constraint") && is_word(&toks[i + 2].0, "check") && toks[i + 3].0 == Tok::Open;
        let Tok::Name(name, _) = &toks[i + 1].0 else {
            i += 1;
            continue;
        };
        if !named {
            i += 1;
            continue;
        }
        let open = i + 3;
        let mut depth = 0;
        let mut close = None;
        for (j, (tok, _, _)) in toks.iter().enumerate().skip(open) {
            match tok {
                Tok::Open => depth += 1,
                Tok::Close => {
                    depth -= 1;
                    if depth == 0 {
                        close = Some(j);
                        break;
                    }
                }
                _ => {}
            }
        }
        let Some(close) = close else { break };
        let expression = sql[toks[open].2..toks[close].1].trim().to_string();
        checks.push(CheckDef { name: name.clone(), expression, source: None });
        i = close + 1;
    }
    checks
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_named_checks_with_nested_parentheses_and_quotes() {
        let sql = "CREATE TABLE \"t\" (\n  \"a\" integer CONSTRAINT a_pos CHECK (a > 0),\n  \"b\" text,\n  CHECK (b <> 'x'),\n  \
                   CONSTRAINT \"b ok\" CHECK (length(b) < 3 OR b IN (')', 'it''s'))\n)";
        let checks = named_checks(sql);
        let got: Vec<(&str, &str)> = checks.iter().map(|c| (c.name.as_str(), c.expression.as_str())).collect();
        assert_eq!(got, vec![("a_pos", "a > 0"), ("b ok", "length(b) < 3 OR b IN (')', 'it''s')")]);
        assert!(named_checks("CREATE TABLE t (a int)").is_empty());
    }
}
