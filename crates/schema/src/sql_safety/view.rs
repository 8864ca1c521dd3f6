//! A View's `query`: written after `CREATE VIEW "name" AS`, so it must be one query and nothing
//! else. The servers themselves accept only a query there (a SELECT, a WITH … SELECT, a
//! VALUES); what is refused here is what could end that statement or hide text from a reader:
//! a `;` (one trailing `;` is dropped), comments, dollar quoting, unbalanced quotes or
//! parentheses, in every reading of backslashes the dialect's servers may apply.

use super::lex::{Tok, lex, readings};
use super::{Dialect, complete, grammar};

/// The query as it is planned: trimmed, one trailing `;` dropped. Every engine renders and
/// compares this form, so `SELECT 1;` and `SELECT 1` are the same view.
pub fn normalize_view_query(raw: &str) -> String {
    let text = raw.trim();
    text.strip_suffix(';').map(str::trim_end).unwrap_or(text).to_string()
}

/// Checks a view query (see the module): a single SELECT or WITH statement, no separators, no
/// comments, balanced quotes and parentheses.
pub fn check_view_query(dialect: Dialect, raw: &str) -> Result<(), String> {
    let text = normalize_view_query(raw);
    if text.is_empty() {
        return Err("missing: the view's query (a SELECT or WITH statement)".into());
    }
    for (i, &reading) in readings(dialect).iter().enumerate() {
        let lexed = lex(&text, dialect, reading);
        complete(&lexed, reading, i > 0)?;
        let first = lexed.toks.first();
        if !first.is_some_and(|t| t.is_word("select") || t.is_word("with")) {
            let found = first.map(Tok::describe).unwrap_or_else(|| "nothing".into());
            return Err(format!("a view's query must be one SELECT or WITH statement; it begins with {found}"));
        }
        grammar::balanced_throughout(&lexed.toks)?;
    }
    Ok(())
}

/// Words that end a FROM item's optional alias (so they are not taken for one).
const NOT_ALIASES: &[&str] = &[
    "where",
    "join",
    "inner",
    "left",
    "right",
    "full",
    "cross",
    "natural",
    "on",
    "using",
    "group",
    "order",
    "limit",
    "offset",
    "having",
    "window",
    "union",
    "except",
    "intersect",
    "minus",
    "fetch",
    "for",
    "lateral",
    "straight_join",
    "outer",
    "qualify",
];

/// The names a view's query reads FROM or JOINs (the last part of a qualified name; unquoted
/// names lower-cased as the servers fold them), for ordering a view after the tables and
/// views it reads. A query that does not lex reads nothing (it is refused by
/// [`check_view_query`] anyway).
pub fn view_query_relations(dialect: Dialect, query: &str) -> Vec<String> {
    let text = normalize_view_query(query);
    let lexed = lex(&text, dialect, readings(dialect)[0]);
    let toks = &lexed.toks;
    let mut out: Vec<String> = Vec::new();
    let mut i = 0;
    while i < toks.len() {
        let starts_list = toks[i].is_word("from") || toks[i].is_word("join") || toks[i].is_word("straight_join");
        i += 1;
        if !starts_list {
            continue;
        }
        loop {
            // A dotted name: keep its last part.
            let mut last = None;
            while let Some(part) = toks.get(i).and_then(name_of) {
                last = Some(part);
                i += 1;
                if !toks.get(i).is_some_and(|t| t.is_sym(".")) {
                    break;
                }
                i += 1;
            }
            let Some(name) = last else { break };
            if !out.contains(&name) {
                out.push(name);
            }
            // An optional alias, then `,` continues the FROM list.
            if toks.get(i).is_some_and(|t| t.is_word("as")) {
                i += 1;
            }
            if let Some(Tok::Word(w)) = toks.get(i)
                && !NOT_ALIASES.iter().any(|k| w.eq_ignore_ascii_case(k))
            {
                i += 1;
            } else if matches!(toks.get(i), Some(Tok::QIdent(_))) {
                i += 1;
            }
            if toks.get(i).is_some_and(|t| t.is_sym(",")) {
                i += 1;
                continue;
            }
            break;
        }
    }
    out
}

fn name_of(t: &Tok) -> Option<String> {
    match t {
        Tok::Word(w) if !NOT_ALIASES.iter().any(|k| w.eq_ignore_ascii_case(k)) && !w.eq_ignore_ascii_case("select") => {
            Some(w.to_lowercase())
        }
        Tok::QIdent(q) => Some(q.clone()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Dialect::{Mysql, Postgres, Sqlite};

    #[test]
    fn queries_users_write_are_accepted() {
        for (dialect, q) in [
            (Postgres, "SELECT id, email FROM users WHERE active"),
            (Postgres, "select u.id, count(o.id) as orders from users u left join orders o on o.user_id = u.id group by u.id;"),
            (Postgres, "WITH recent AS (SELECT * FROM orders WHERE placed_at > now() - interval '7 days') SELECT * FROM recent"),
            (Postgres, "SELECT 'it''s; -- not a comment' AS note, \"Weird;Name\" FROM \"T\""),
            (Mysql, "SELECT `id`, \"text; with separator\" AS s FROM `users`"),
            (Sqlite, "SELECT [id] FROM [users] WHERE name = 'a;b'"),
        ] {
            if let Err(e) = check_view_query(dialect, q) {
                panic!("{q:?} must be accepted on {dialect:?}: {e}");
            }
        }
        assert_eq!(normalize_view_query("  SELECT 1 ;  "), "SELECT 1");
    }

    #[test]
    fn injections_are_refused_with_the_reason() {
        for (dialect, q, why) in [
            (Postgres, "SELECT 1; DROP TABLE users", "';'"),
            (Postgres, "SELECT 1 -- hidden", "comment"),
            (Postgres, "SELECT 1 /* hidden */", "comment"),
            (Mysql, "SELECT 1 # hidden", "comment"),
            (Mysql, "SELECT 1 /*!50000 , (SELECT 1) */", "comment"),
            (Postgres, "SELECT $$x$$", "'$'"),
            (Postgres, "SELECT 'unterminated", "unterminated"),
            (Postgres, "SELECT (1", "unclosed"),
            (Postgres, "SELECT 1) AS x; DROP TABLE users; CREATE VIEW y AS (SELECT 1", "';'"),
            (Postgres, "DROP TABLE users", "SELECT or WITH"),
            (Postgres, "INSERT INTO t VALUES (1)", "SELECT or WITH"),
            (Postgres, "", "missing"),
            (Postgres, "SELECT '\\' || ';DROP TABLE t;' || '\\'", "backslashes"),
            (Mysql, "SELECT '\\' || ';DROP TABLE t;' || '\\'", "backslashes"),
            (Postgres, "SELECT 1) UNION (SELECT 2", "unmatched"),
            (Sqlite, "SELECT 1;; DROP TABLE x", "';'"),
        ] {
            match check_view_query(dialect, q) {
                Ok(()) => panic!("{q:?} must be refused on {dialect:?}"),
                Err(e) => assert!(e.contains(why), "{q:?}: {e:?} should say {why:?}"),
            }
        }
    }

    #[test]
    fn relations_read_are_found() {
        let q = "WITH r AS (SELECT * FROM app.orders o) SELECT u.id FROM \"Users\" AS u, items i JOIN r ON r.uid = u.id, \
                 (SELECT 1 FROM tags) t LEFT JOIN public.notes WHERE 1 = 1";
        assert_eq!(view_query_relations(Postgres, q), vec!["orders", "Users", "items", "r", "tags", "notes"]);
        assert_eq!(view_query_relations(Mysql, "SELECT * FROM `a` STRAIGHT_JOIN b"), vec!["a", "b"]);
    }
}
