//! `renamedFrom`, the same way for every engine: which live table a desired table is (its own
//! name, or the name it was renamed from), and which live columns are renamed, so that the
//! engines plan `RENAME` statements and diff the rest against the table as it will be after
//! them. Nothing here drops and re-adds: the data stays.
//!
//! The rules: when only the old name exists, it is renamed; when only the new one exists, the
//! rename is done (nothing to plan, so a plan converges once applied); when both exist, the
//! spec is ambiguous and planning fails with an error naming the table and column; when
//! neither exists, the table or column is created.

use crate::model::TableDef;

/// Which live table a desired table is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TableSource<'a, L> {
    /// The table exists under its name (or does not exist at all: `None`).
    Current(Option<&'a L>),
    /// Only the old name exists: the table is renamed from it.
    Renamed { from: &'a str, live: &'a L },
}

impl<'a, L> TableSource<'a, L> {
    pub fn live(&self) -> Option<&'a L> {
        match self {
            TableSource::Current(live) => *live,
            TableSource::Renamed { live, .. } => Some(live),
        }
    }

    pub fn renamed_from(&self) -> Option<&'a str> {
        match self {
            TableSource::Renamed { from, .. } => Some(from),
            TableSource::Current(_) => None,
        }
    }
}

/// The live table for `table` (renamed from `renamed_from`), given what exists under each name.
/// A deleted table is only ever looked for under its own name.
pub fn table_source<'a, L>(
    table: &str,
    renamed_from: Option<&'a str>,
    is_deleted: bool,
    current: Option<&'a L>,
    old: Option<&'a L>,
) -> Result<TableSource<'a, L>, String> {
    let from = match renamed_from {
        Some(from) if !is_deleted && from != table => from,
        _ => return Ok(TableSource::Current(current)),
    };
    match (current, old) {
        (Some(_), Some(_)) => {
            Err(format!("table {table:?} is renamed from {from:?}, but both tables exist: drop one of them or remove renamedFrom"))
        }
        (None, Some(live)) => Ok(TableSource::Renamed { from, live }),
        (current, None) => Ok(TableSource::Current(current)),
    }
}

/// The live table after the column renames, and the renames as (old, new) pairs.
pub type Renamed<T, C> = (TableDef<T, C>, Vec<(String, String)>);

/// `live` as the column renames leave it, renamed `name` (the Table's, when the table itself is
/// renamed too), and the renames; `None` without a live table or when renames do not apply
/// (`skip`: a dropped table, or one whose rows only are planned).
pub fn live_after_renames<T: Clone, C: Clone>(
    name: &str,
    desired: &TableDef<T, C>,
    live: Option<&TableDef<T, C>>,
    skip: bool,
) -> Result<Option<Renamed<T, C>>, String> {
    match live {
        Some(l) if !skip => {
            let (mut after, columns) = rename_columns(desired, l)?;
            after.name = name.to_string();
            Ok(Some((after, columns)))
        }
        _ => Ok(None),
    }
}

/// The column renames `desired` asks of `live` as (old, new) pairs, and `live` as it will be
/// once they are done (column names replaced in its columns, keys and indexes, so that these
/// compare with the desired ones by name). `live` keeps its name.
pub fn rename_columns<T: Clone, C: Clone>(desired: &TableDef<T, C>, live: &TableDef<T, C>) -> Result<Renamed<T, C>, String> {
    let mut renames = Vec::new();
    for d in &desired.columns {
        let Some(from) = d.renamed_from.as_deref().filter(|f| *f != d.name) else {
            continue;
        };
        match (live.column(&d.name).is_some(), live.column(from).is_some()) {
            (true, true) => {
                return Err(format!(
                    "table {:?}: column {:?} is renamed from {from:?}, but both columns exist: drop one of them or remove \
                     renamedFrom",
                    desired.name, d.name
                ));
            }
            (false, true) => renames.push((from.to_string(), d.name.clone())),
            _ => {}
        }
    }
    if renames.is_empty() {
        return Ok((live.clone(), renames));
    }
    let map = |name: &String| -> String {
        renames.iter().find(|(old, _)| old == name).map(|(_, new)| new.clone()).unwrap_or_else(|| name.clone())
    };
    let map_all = |names: &[String]| -> Vec<String> { names.iter().map(map).collect() };
    let mut after = live.clone();
    for c in &mut after.columns {
        c.name = map(&c.name);
    }
    if let Some(pk) = &mut after.primary_key {
        pk.columns = map_all(&pk.columns);
    }
    for fk in &mut after.foreign_keys {
        fk.columns = map_all(&fk.columns);
        // A key of the table on itself follows the rename too.
        if fk.ref_table == live.name {
            fk.ref_columns = map_all(&fk.ref_columns);
        }
    }
    for ix in &mut after.indexes {
        ix.columns = map_all(&ix.columns);
    }
    // The database rewrites checks to name the new column; so does the live view, so that a
    // spec naming it there finds its check unchanged.
    for check in &mut after.checks {
        for (old, new) in &renames {
            check.expression = rename_in_expression(&check.expression, old, new);
            check.source = check.source.as_deref().map(|s| rename_in_expression(s, old, new));
        }
    }
    Ok((after, renames))
}

/// `expression` with the name `old` (unquoted, in any case, or quoted with `"` or `` ` ``)
/// replaced by `new`, outside string literals.
pub fn rename_in_expression(expression: &str, old: &str, new: &str) -> String {
    let chars: Vec<char> = expression.chars().collect();
    let mut out = String::with_capacity(expression.len());
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if matches!(c, '\'' | '"' | '`') {
            let mut j = i + 1;
            while j < chars.len() && !(chars[j] == c && chars.get(j + 1) != Some(&c)) {
                j += if chars[j] == c { 2 } else { 1 };
            }
            let inner: String = chars[i + 1..j.min(chars.len())].iter().collect();
            if c != '\'' && inner == old {
                out.push(c);
                out.push_str(new);
                out.push(c);
            } else {
                out.extend(&chars[i..(j + 1).min(chars.len())]);
            }
            i = j + 1;
        } else if c.is_alphanumeric() || c == '_' {
            let start = i;
            while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_' || chars[i] == '$') {
                i += 1;
            }
            let word: String = chars[start..i].iter().collect();
            let preceded_by_dot = start > 0 && chars[start - 1] == '.';
            if !preceded_by_dot && word.eq_ignore_ascii_case(old) {
                out.push_str(new);
            } else {
                out.push_str(&word);
            }
        } else {
            out.push(c);
            i += 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{ColumnDef, IndexDef, KeyDef};

    fn table(columns: &[(&str, Option<&str>)]) -> TableDef {
        TableDef {
            name: "t".into(),
            columns: columns
                .iter()
                .map(|(n, from)| ColumnDef { name: n.to_string(), renamed_from: from.map(String::from), ..ColumnDef::default() })
                .collect(),
            primary_key: Some(KeyDef { name: None, columns: vec!["id".into()] }),
            ..TableDef::default()
        }
    }

    #[test]
    fn a_column_is_renamed_only_when_just_the_old_name_exists() {
        let desired = table(&[("id", None), ("email", Some("mail"))]);
        let mut live = table(&[("id", None), ("mail", None)]);
        live.indexes = vec![IndexDef { name: Some("ix".into()), columns: vec!["mail".into()], ..IndexDef::default() }];
        let (after, renames) = rename_columns(&desired, &live).unwrap();
        assert_eq!(renames, vec![("mail".to_string(), "email".to_string())]);
        assert!(after.column("email").is_some() && after.column("mail").is_none());
        assert_eq!(after.indexes[0].columns, vec!["email".to_string()], "indexes follow the rename");
        // Done already: nothing to rename.
        let (_, renames) = rename_columns(&desired, &table(&[("id", None), ("email", None)])).unwrap();
        assert!(renames.is_empty());
        // Neither: the column is added by the diff.
        let (_, renames) = rename_columns(&desired, &table(&[("id", None)])).unwrap();
        assert!(renames.is_empty());
        // Both: ambiguous, and the error names the table and both columns.
        let err = rename_columns(&desired, &table(&[("id", None), ("email", None), ("mail", None)])).unwrap_err();
        assert!(err.contains("\"t\"") && err.contains("\"email\"") && err.contains("\"mail\"") && err.contains("both"), "{err}");
    }

    #[test]
    fn checks_follow_a_renamed_column_outside_strings() {
        assert_eq!(
            rename_in_expression("qty > 0 AND \"qty\" < 9 AND s <> 'qty' AND qty_x = 1", "qty", "n"),
            "n > 0 AND \"n\" < 9 AND s <> 'qty' AND qty_x = 1"
        );
        assert_eq!(rename_in_expression("(`QTY` > 0)", "QTY", "n"), "(`n` > 0)");
    }

    #[test]
    fn a_table_is_renamed_only_when_just_the_old_name_exists() {
        let (new, old) = (1, 2);
        assert_eq!(table_source("t", Some("o"), false, None, Some(&old)).unwrap(), TableSource::Renamed { from: "o", live: &old });
        assert_eq!(table_source("t", Some("o"), false, Some(&new), None).unwrap(), TableSource::Current(Some(&new)));
        assert_eq!(table_source::<i32>("t", Some("o"), false, None, None).unwrap(), TableSource::Current(None));
        let err = table_source("t", Some("o"), false, Some(&new), Some(&old)).unwrap_err();
        assert!(err.contains("\"t\"") && err.contains("\"o\"") && err.contains("both"), "{err}");
        // A deleted table is dropped under its own name only.
        assert_eq!(table_source("t", Some("o"), true, None, Some(&old)).unwrap(), TableSource::Current(None));
    }
}
