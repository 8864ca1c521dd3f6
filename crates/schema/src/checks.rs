//! CHECK constraints, comments and enum types as the engines share them: what a spec may say
//! (the checks `validate` runs besides `sql_safety`'s), and which checks an alteration adds
//! and drops.
//!
//! A database re-prints a check's expression (Postgres adds parentheses and casts and rewrites
//! `IN (…)`; MariaDB quotes names and lower-cases keywords), so comparing the spec's text with
//! the live text would re-plan forever. Two things make them converge: on Postgres the engine
//! keeps the spec's text in the constraint's comment when it creates one, and a live check whose
//! comment holds the desired text is the same check (`CheckDef::source`); otherwise both texts
//! are brought to `sql_safety::normalize_expression`'s form and compared.

use crate::model::{CheckDef, TableDef};
use crate::parse::{SpecError, Warning};
use crate::spec::{Check, TableSchema};
use crate::sql_safety::{Dialect, normalize_expression};
use std::collections::HashSet;

/// Whether the live check is the desired one (same name assumed).
pub fn same_check(dialect: Dialect, desired: &CheckDef, live: &CheckDef) -> bool {
    if live.source.as_deref() == Some(desired.expression.as_str()) {
        return true;
    }
    let loose = dialect == Dialect::Postgres;
    normalize_expression(dialect, &desired.expression, loose) == normalize_expression(dialect, &live.expression, loose)
}

/// The checks to drop (live names) and to add (desired ones): by name, a check whose
/// expression changed is dropped and added again.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct CheckChanges {
    pub drop: Vec<String>,
    pub add: Vec<CheckDef>,
}

pub fn diff_checks(dialect: Dialect, desired: &[CheckDef], live: &[CheckDef]) -> CheckChanges {
    let mut changes = CheckChanges::default();
    for l in live {
        match desired.iter().find(|d| d.name == l.name) {
            Some(d) if same_check(dialect, d, l) => {}
            _ => changes.drop.push(l.name.clone()),
        }
    }
    for d in desired {
        match live.iter().find(|l| l.name == d.name) {
            Some(l) if same_check(dialect, d, l) => {}
            _ => changes.add.push(d.clone()),
        }
    }
    changes
}

/// What a spec leaves to the database: the live checks when it has no `checks` list, and the
/// comments where it sets none (`comment: ""` removes one). What is left alone is adopted into
/// the desired table, so nothing is planned for it; and the live checks and comments are left
/// out of the fingerprint when the spec uses none of these fields, so that a spec written
/// before they existed plans and fingerprints exactly as it did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Unmanaged {
    pub checks: bool,
    /// The spec sets no comment at all (table or column).
    pub comments: bool,
}

impl Unmanaged {
    /// Copies into `desired` what its spec leaves to the live table (`live` as the renames
    /// leave it, so columns match by name).
    pub fn adopt<T, C>(&self, desired: &mut TableDef<T, C>, live: &TableDef<T, C>) {
        if self.checks {
            desired.checks = live.checks.clone();
        }
        if desired.comment.is_none() {
            desired.comment = live.comment.clone();
        }
        for c in &mut desired.columns {
            if c.comment.is_none() {
                c.comment = live.column(&c.name).and_then(|l| l.comment.clone());
            }
        }
    }

    /// The live table as the fingerprint sees it.
    pub fn strip<T: Clone, C: Clone>(&self, live: &TableDef<T, C>) -> TableDef<T, C> {
        let mut t = live.clone();
        if self.checks {
            t.checks.clear();
        }
        if self.comments {
            t.comment = None;
            for c in &mut t.columns {
                c.comment = None;
            }
        }
        t
    }
}

/// The comment to set (`Some(None)`: remove it) when the desired one (`None`: left alone,
/// `""`: none) differs from the live one (`None`: none).
pub fn comment_change(desired: Option<&str>, live: Option<&str>) -> Option<Option<String>> {
    let desired = desired?;
    let wanted = (!desired.is_empty()).then_some(desired);
    (wanted != live.filter(|l| !l.is_empty())).then(|| wanted.map(String::from))
}

/// The comment SchemaHero gives a Postgres check it creates: the spec's text, so that the next
/// plan recognises it (see the module comment).
pub const CHECK_SOURCE_PREFIX: &str = "schemahero check: ";

/// The spec text kept in a check's comment, if the comment is SchemaHero's.
pub fn check_source(comment: Option<&str>) -> Option<String> {
    comment.and_then(|c| c.strip_prefix(CHECK_SOURCE_PREFIX)).map(String::from)
}

/// Spec rules for checks, comments and enum types that `sql_safety` does not cover: names
/// present and unique, enum values, and a warning for comments on SQLite, which has none.
pub(crate) fn validate_sections(
    source: &str,
    schema: &TableSchema,
    warnings: &mut Vec<Warning>,
    err: &dyn Fn(&str, String) -> SpecError,
) -> Result<(), SpecError> {
    let checks = |base: &str, checks: &[Check]| -> Result<(), SpecError> {
        let mut names = HashSet::new();
        for (i, c) in checks.iter().enumerate() {
            if c.name.trim().is_empty() {
                return Err(err(&format!("{base}.checks[{i}].name"), "missing check name".into()));
            }
            if !names.insert(c.name.as_str()) {
                return Err(err(&format!("{base}.checks[{i}].name"), format!("duplicate check {:?}", c.name)));
            }
        }
        Ok(())
    };
    // Comments are quoted as literals; only what no literal can hold is refused.
    let comments = |base: &str, table: Option<&str>, columns: &[Option<&str>]| -> Result<(), SpecError> {
        if table.is_some_and(|c| c.contains('\0')) {
            return Err(err(&format!("{base}.comment"), "contains a NUL character".into()));
        }
        if let Some(i) = columns.iter().position(|c| c.is_some_and(|c| c.contains('\0'))) {
            return Err(err(&format!("{base}.columns[{i}].comment"), "contains a NUL character".into()));
        }
        Ok(())
    };
    for (base, pg) in [("spec.schema.postgres", &schema.postgres), ("spec.schema.cockroachdb", &schema.cockroachdb)] {
        let Some(pg) = pg else { continue };
        if pg.is_deleted {
            continue;
        }
        checks(base, pg.checks.as_deref().unwrap_or_default())?;
        let columns: Vec<Option<&str>> = pg.columns.iter().map(|c| c.comment.as_deref()).collect();
        comments(base, pg.comment.as_deref(), &columns)?;
        let mut names = HashSet::new();
        for (i, e) in pg.enums.iter().enumerate() {
            let field = format!("{base}.enums[{i}]");
            if e.name.trim().is_empty() {
                return Err(err(&format!("{field}.name"), "missing enum type name".into()));
            }
            if !names.insert(e.name.as_str()) {
                return Err(err(&format!("{field}.name"), format!("duplicate enum type {:?}", e.name)));
            }
            crate::sql_safety::check_identifier(Dialect::Postgres, &e.name).map_err(|m| err(&format!("{field}.name"), m))?;
            if e.values.is_empty() {
                return Err(err(&format!("{field}.values"), format!("enum type {:?} needs at least one value", e.name)));
            }
            let mut values = HashSet::new();
            for (j, v) in e.values.iter().enumerate() {
                if v.is_empty() || v.len() > crate::sql_safety::POSTGRES_MAX_IDENTIFIER_BYTES || v.contains('\0') {
                    return Err(err(&format!("{field}.values[{j}]"), format!("{v:?}: an enum value is 1 to 63 bytes, without NUL")));
                }
                if !values.insert(v.as_str()) {
                    return Err(err(&format!("{field}.values[{j}]"), format!("duplicate value {v:?}")));
                }
            }
        }
    }
    for (base, lite) in [("spec.schema.sqlite", &schema.sqlite), ("spec.schema.rqlite", &schema.rqlite)] {
        let Some(lite) = lite else { continue };
        if lite.is_deleted {
            continue;
        }
        checks(base, lite.checks.as_deref().unwrap_or_default())?;
        // SQLite keeps no comments. A warning rather than an error: manifests that carried a
        // `comment` while it was an unknown field keep planning as they did.
        let mut ignored = |field: String| {
            warnings.push(Warning { source: source.to_string(), message: format!("{field}: SQLite has no comments; ignored") })
        };
        if lite.comment.is_some() {
            ignored(format!("{base}.comment"));
        }
        for i in lite.columns.iter().enumerate().filter(|(_, c)| c.comment.is_some()).map(|(i, _)| i) {
            ignored(format!("{base}.columns[{i}].comment"));
        }
    }
    if let Some(my) = &schema.mysql
        && !my.is_deleted
    {
        checks("spec.schema.mysql", my.checks.as_deref().unwrap_or_default())?;
        let columns: Vec<Option<&str>> = my.columns.iter().map(|c| c.comment.as_deref()).collect();
        comments("spec.schema.mysql", my.comment.as_deref(), &columns)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(expression: &str, source: Option<&str>) -> CheckDef {
        CheckDef { name: "c".into(), expression: expression.into(), source: source.map(String::from) }
    }

    #[test]
    fn postgres_reprints_compare_equal_and_real_changes_do_not() {
        let pg = Dialect::Postgres;
        let desired = check("price > 0 AND name <> ''", None);
        assert!(same_check(pg, &desired, &check("((price > 0) AND (name <> ''::text))", None)));
        assert!(!same_check(pg, &desired, &check("((price > 1) AND (name <> ''::text))", None)));
        // What the server cannot be matched with by normalizing is matched by the kept source.
        let desired = check("status IN ('a', 'b')", None);
        let live = "(status = ANY (ARRAY['a'::text, 'b'::text]))";
        assert!(!same_check(pg, &desired, &check(live, None)));
        assert!(same_check(pg, &desired, &check(live, Some("status IN ('a', 'b')"))));
        assert!(!same_check(pg, &check("status IN ('a')", None), &check(live, Some("status IN ('a', 'b')"))));
    }

    #[test]
    fn mariadb_reprints_compare_equal_but_parentheses_count() {
        let my = Dialect::Mysql;
        let desired = check("(a + 1) * 2 > 0 AND s IN ('x','y') AND s != 'z'", None);
        assert!(same_check(my, &desired, &check("(`a` + 1) * 2 > 0 and `s` in ('x','y') and `s` <> 'z'", None)));
        assert!(!same_check(my, &desired, &check("`a` + 1 * 2 > 0 and `s` in ('x','y') and `s` <> 'z'", None)));
        assert!(same_check(my, &check("s = 'x'", None), &check("`s` = _utf8mb4'x'", None)));
    }

    #[test]
    fn comments_change_only_where_the_spec_sets_one() {
        assert_eq!(comment_change(None, Some("x")), None, "left alone");
        assert_eq!(comment_change(Some("x"), Some("x")), None);
        assert_eq!(comment_change(Some(""), None), None);
        assert_eq!(comment_change(Some(""), Some("x")), Some(None), "removed");
        assert_eq!(comment_change(Some("y"), Some("x")), Some(Some("y".to_string())));
        assert_eq!(comment_change(Some("y"), None), Some(Some("y".to_string())));
    }

    #[test]
    fn what_the_spec_leaves_alone_is_adopted_and_kept_out_of_the_fingerprint() {
        use crate::model::ColumnDef;
        let live = TableDef::<(), ()> {
            name: "t".into(),
            columns: vec![ColumnDef { name: "a".into(), comment: Some("live".into()), ..ColumnDef::default() }],
            checks: vec![check("a > 0", None)],
            comment: Some("table".into()),
            ..TableDef::default()
        };
        let mut desired = TableDef::<(), ()> {
            name: "t".into(),
            columns: vec![ColumnDef { name: "a".into(), ..ColumnDef::default() }],
            ..TableDef::default()
        };
        let unmanaged = Unmanaged { checks: true, comments: true };
        unmanaged.adopt(&mut desired, &live);
        assert_eq!((desired.checks.len(), desired.comment.as_deref()), (1, Some("table")));
        assert_eq!(desired.columns[0].comment.as_deref(), Some("live"));
        let seen = unmanaged.strip(&live);
        assert!(seen.checks.is_empty() && seen.comment.is_none() && seen.columns[0].comment.is_none());
        assert_eq!(Unmanaged { checks: false, comments: false }.strip(&live), live);
    }

    #[test]
    fn changed_checks_are_dropped_and_added_by_name() {
        let pg = Dialect::Postgres;
        let named = |n: &str, e: &str| CheckDef { name: n.into(), expression: e.into(), source: None };
        let desired = vec![named("keep", "a > 0"), named("change", "b > 1"), named("new", "c > 0")];
        let live = vec![named("keep", "(a > 0)"), named("change", "(b > 0)"), named("old", "(d > 0)")];
        let changes = diff_checks(pg, &desired, &live);
        assert_eq!(changes.drop, vec!["change".to_string(), "old".to_string()]);
        assert_eq!(changes.add.iter().map(|c| c.name.as_str()).collect::<Vec<_>>(), vec!["change", "new"]);
        assert_eq!(check_source(Some("schemahero check: a > 0")).as_deref(), Some("a > 0"));
        assert_eq!(check_source(Some("someone else's")), None);
    }
}
