//! A deliberately strict SQL tokenizer for the pieces of a spec that are pasted into DDL.
//!
//! It knows each dialect's quoting (strings, quoted identifiers, backslash escapes) well enough
//! to tell what is inside quotes, and it stops at anything that could end an expression or hide
//! text from the reader: a `;`, a comment, dollar quoting, a backslash or a control character
//! outside quotes, an unterminated quote. Whether backslashes escape inside strings depends on
//! server settings (`standard_conforming_strings`, `NO_BACKSLASH_ESCAPES`), so callers lex a
//! text both ways where the server could do either and accept it only if both readings agree.

use super::Dialect;

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Tok {
    /// An unquoted word (identifier or keyword), as written.
    Word(String),
    /// A quoted identifier (`"…"`, or `` `…` `` / `[…]` where the dialect has them): its text.
    QIdent(String),
    /// A string literal: its value.
    Str(String),
    Num(String),
    /// Punctuation and operators: `(`, `)`, `[`, `]`, `,`, `.`, `::`, `+`, `-`, …
    Sym(String),
}

impl Tok {
    pub(crate) fn is_sym(&self, s: &str) -> bool {
        matches!(self, Tok::Sym(x) if x == s)
    }

    pub(crate) fn is_word(&self, w: &str) -> bool {
        matches!(self, Tok::Word(x) if x.eq_ignore_ascii_case(w))
    }

    pub(crate) fn describe(&self) -> String {
        match self {
            Tok::Word(w) => format!("{w:?}"),
            Tok::QIdent(q) => format!("the quoted name {q:?}"),
            Tok::Str(_) => "a string literal".into(),
            Tok::Num(n) => format!("the number {n}"),
            Tok::Sym(s) => format!("'{s}'"),
        }
    }
}

/// Why lexing stopped before the end of the text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Stop {
    /// A `;` outside quotes.
    Separator,
    /// `--`, `/*` (or `#` on MySQL) outside quotes.
    Comment,
    /// Anything else that is not allowed (the message says what).
    Refused(String),
}

impl Stop {
    pub(crate) fn message(&self) -> String {
        match self {
            Stop::Separator => "a ';' outside quotes (one statement cannot be ended and another begun here)".into(),
            Stop::Comment => "a comment outside quotes ('--', '/*' or, on MySQL, '#')".into(),
            Stop::Refused(m) => m.clone(),
        }
    }
}

pub(crate) struct Lexed {
    pub toks: Vec<Tok>,
    /// Set when lexing stopped early; `toks` holds what came before.
    pub stop: Option<Stop>,
}

/// Whether backslashes escape inside string literals in this reading of the text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Backslash {
    Escapes,
    Literal,
}

/// The readings a server of this dialect may apply: Postgres (`standard_conforming_strings`,
/// `E''` strings) and MySQL (`NO_BACKSLASH_ESCAPES`) either way, SQLite never escapes.
pub(crate) fn readings(dialect: Dialect) -> &'static [Backslash] {
    match dialect {
        Dialect::Postgres | Dialect::Mysql => &[Backslash::Literal, Backslash::Escapes],
        Dialect::Sqlite => &[Backslash::Literal],
    }
}

fn is_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\r' | '\x0c')
}

fn word_start(c: char) -> bool {
    c.is_ascii_alphabetic() || c == '_' || !c.is_ascii()
}

fn word_char(c: char) -> bool {
    word_start(c) || c.is_ascii_digit() || c == '$'
}

pub(crate) fn lex(text: &str, dialect: Dialect, backslash: Backslash) -> Lexed {
    let chars: Vec<char> = text.chars().collect();
    let mut toks = Vec::new();
    let mut i = 0;
    let stop = |toks: Vec<Tok>, s: Stop| Lexed { toks, stop: Some(s) };
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        if c == '\0' {
            return stop(toks, Stop::Refused("a NUL character".into()));
        }
        if is_space(c) {
            i += 1;
            continue;
        }
        if c.is_control() {
            return stop(toks, Stop::Refused(format!("the control character {c:?}")));
        }
        match c {
            ';' => return stop(toks, Stop::Separator),
            '-' if next == Some('-') => return stop(toks, Stop::Comment),
            '/' if next == Some('*') => return stop(toks, Stop::Comment),
            '#' if dialect == Dialect::Mysql => return stop(toks, Stop::Comment),
            '$' => return stop(toks, Stop::Refused("a '$' outside quotes (dollar quoting is not allowed here)".into())),
            '\\' => return stop(toks, Stop::Refused("a backslash outside quotes".into())),
            '\'' => match quoted(&chars, i, '\'', backslash == Backslash::Escapes) {
                Some((value, end)) => {
                    toks.push(Tok::Str(value));
                    i = end;
                }
                None => return stop(toks, Stop::Refused("an unterminated string literal".into())),
            },
            '"' if dialect == Dialect::Mysql => match quoted(&chars, i, '"', backslash == Backslash::Escapes) {
                Some((value, end)) => {
                    toks.push(Tok::Str(value));
                    i = end;
                }
                None => return stop(toks, Stop::Refused("an unterminated string literal".into())),
            },
            '"' => match quoted(&chars, i, '"', false) {
                Some((value, end)) => {
                    toks.push(Tok::QIdent(value));
                    i = end;
                }
                None => return stop(toks, Stop::Refused("an unterminated quoted name".into())),
            },
            '`' if dialect != Dialect::Postgres => match quoted(&chars, i, '`', false) {
                Some((value, end)) => {
                    toks.push(Tok::QIdent(value));
                    i = end;
                }
                None => return stop(toks, Stop::Refused("an unterminated quoted name".into())),
            },
            '`' => return stop(toks, Stop::Refused("a backtick".into())),
            // SQLite reads `[name]` as a quoted identifier (no escapes inside).
            '[' if dialect == Dialect::Sqlite => match chars[i + 1..].iter().position(|&x| x == ']') {
                Some(len) => {
                    toks.push(Tok::QIdent(chars[i + 1..i + 1 + len].iter().collect()));
                    i += len + 2;
                }
                None => return stop(toks, Stop::Refused("an unterminated quoted name".into())),
            },
            ':' if next == Some(':') => {
                toks.push(Tok::Sym("::".into()));
                i += 2;
            }
            _ if c.is_ascii_digit() || (c == '.' && next.is_some_and(|n| n.is_ascii_digit())) => {
                let start = i;
                while i < chars.len() && (chars[i].is_ascii_alphanumeric() || chars[i] == '_' || chars[i] == '.') {
                    i += 1;
                }
                toks.push(Tok::Num(chars[start..i].iter().collect()));
            }
            _ if word_start(c) => {
                let start = i;
                while i < chars.len() && word_char(chars[i]) {
                    i += 1;
                }
                toks.push(Tok::Word(chars[start..i].iter().collect()));
            }
            _ => {
                toks.push(Tok::Sym(c.to_string()));
                i += 1;
            }
        }
    }
    Lexed { toks, stop: None }
}

/// The value of the quoted text starting at `start` and the index after its closing quote;
/// the quote is escaped by doubling it (and by a backslash when `backslash`).
fn quoted(chars: &[char], start: usize, q: char, backslash: bool) -> Option<(String, usize)> {
    let mut value = String::new();
    let mut i = start + 1;
    while i < chars.len() {
        let c = chars[i];
        if c == '\0' {
            return None;
        }
        if backslash && c == '\\' {
            value.push(*chars.get(i + 1)?);
            i += 2;
            continue;
        }
        if c == q {
            if chars.get(i + 1) == Some(&q) {
                value.push(q);
                i += 2;
                continue;
            }
            return Some((value, i + 1));
        }
        value.push(c);
        i += 1;
    }
    None
}

/// A cursor over tokens with the few moves the grammars need.
pub(crate) struct Cursor<'a> {
    toks: &'a [Tok],
    pos: usize,
}

impl<'a> Cursor<'a> {
    pub(crate) fn new(toks: &'a [Tok]) -> Self {
        Self { toks, pos: 0 }
    }

    pub(crate) fn peek(&self) -> Option<&'a Tok> {
        self.toks.get(self.pos)
    }

    pub(crate) fn peek_at(&self, ahead: usize) -> Option<&'a Tok> {
        self.toks.get(self.pos + ahead)
    }

    pub(crate) fn bump(&mut self) -> Option<&'a Tok> {
        let t = self.toks.get(self.pos);
        if t.is_some() {
            self.pos += 1;
        }
        t
    }

    pub(crate) fn at_end(&self) -> bool {
        self.pos >= self.toks.len()
    }

    pub(crate) fn eat_sym(&mut self, s: &str) -> bool {
        let hit = self.peek().is_some_and(|t| t.is_sym(s));
        if hit {
            self.pos += 1;
        }
        hit
    }

    pub(crate) fn eat_word(&mut self, w: &str) -> bool {
        let hit = self.peek().is_some_and(|t| t.is_word(w));
        if hit {
            self.pos += 1;
        }
        hit
    }

    pub(crate) fn expect_sym(&mut self, s: &str) -> Result<(), String> {
        if self.eat_sym(s) { Ok(()) } else { Err(format!("expected '{s}', found {}", self.found())) }
    }

    pub(crate) fn expect_word(&mut self, w: &str) -> Result<(), String> {
        if self.eat_word(w) { Ok(()) } else { Err(format!("expected {w:?}, found {}", self.found())) }
    }

    /// What is at the cursor, for messages.
    pub(crate) fn found(&self) -> String {
        self.peek().map(Tok::describe).unwrap_or_else(|| "the end".into())
    }

    /// At `(` or `[`: moves past the matching closer, whatever lies between.
    pub(crate) fn balanced(&mut self) -> Result<(), String> {
        if !self.peek().is_some_and(|t| t.is_sym("(") || t.is_sym("[")) {
            return Err(format!("expected '(', found {}", self.found()));
        }
        let mut brackets = Brackets::default();
        loop {
            let Some(t) = self.bump() else {
                return Err(brackets.unclosed().unwrap_or_else(|| "the end".into()));
            };
            brackets.take(t)?;
            if brackets.is_empty() {
                return Ok(());
            }
        }
    }
}

/// The `(` and `[` opened and not yet closed, in order.
#[derive(Default)]
pub(crate) struct Brackets(Vec<&'static str>);

impl Brackets {
    /// Opens or closes on a bracket token; a closer that does not match is an error.
    pub(crate) fn take(&mut self, t: &Tok) -> Result<(), String> {
        if let Tok::Sym(s) = t {
            match s.as_str() {
                "(" => self.0.push("("),
                "[" => self.0.push("["),
                ")" | "]" => {
                    let want = if s == ")" { "(" } else { "[" };
                    if self.0.pop() != Some(want) {
                        return Err(format!("an unmatched '{s}'"));
                    }
                }
                _ => {}
            }
        }
        Ok(())
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The message for what is still open, if anything.
    pub(crate) fn unclosed(&self) -> Option<String> {
        self.0.last().map(|open| format!("an unclosed '{open}'"))
    }
}
