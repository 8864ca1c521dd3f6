//! Matching desired foreign keys and indexes with live ones, the same way for every engine: the
//! part of a diff that decides what is kept, renamed, dropped or created. Engines add their own
//! rules through the predicates (e.g. MySQL's implicit foreign-key indexes).

use crate::model::{ForeignKeyDef, IndexDef};

/// What foreign-key matching decided.
#[derive(Debug)]
pub struct ForeignKeyMatch<'a> {
    /// Desired keys no live key matches (to add).
    pub add: Vec<ForeignKeyDef>,
    /// Live keys no desired key claimed (to drop).
    pub drop: Vec<&'a ForeignKeyDef>,
}

/// A named desired key matches a live key of the same name and shape; an unnamed one, any live
/// key of the same shape. Each live key is claimed at most once.
pub fn match_foreign_keys<'a>(desired: &[ForeignKeyDef], live: &'a [ForeignKeyDef]) -> ForeignKeyMatch<'a> {
    let mut unclaimed: Vec<Option<&ForeignKeyDef>> = live.iter().map(Some).collect();
    let mut add = Vec::new();
    for fk in desired {
        match unclaimed.iter_mut().find(|l| l.is_some_and(|l| l.same_shape(fk) && (fk.name.is_none() || fk.name == l.name))) {
            Some(slot) => *slot = None,
            None => add.push(fk.clone()),
        }
    }
    ForeignKeyMatch { add, drop: unclaimed.into_iter().flatten().collect() }
}

/// What a named desired index may do with a live index of the same shape under another name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TakeOver {
    /// Rename the live index (Postgres, MySQL).
    Rename,
    /// Keep the live index under its own name (SQLite's indexes behind UNIQUE constraints,
    /// which cannot be renamed and already do the job).
    Keep,
    /// Leave it alone: the desired index is created (MySQL's implicit foreign-key indexes).
    No,
}

/// What index matching decided.
#[derive(Debug)]
pub struct IndexMatch<'a> {
    /// A live index to rename to the desired name (same shape, the name free).
    pub rename: Vec<(&'a IndexDef, String)>,
    /// Desired indexes to create (unnamed ones still unnamed).
    pub create: Vec<IndexDef>,
    /// Live indexes nothing claimed (candidates to drop).
    pub unclaimed: Vec<&'a IndexDef>,
}

/// Three passes: a named desired index keeps a live one of the same name and shape; then a named
/// one takes over a same-shape live index under another name, as `take_over` says (a rename
/// only when the name is free); then an unnamed one keeps any same-shape live index. Each live
/// index is claimed at most once.
pub fn match_indexes<'a>(desired: &[IndexDef], live: &'a [IndexDef], take_over: impl Fn(&IndexDef) -> TakeOver) -> IndexMatch<'a> {
    let mut unclaimed: Vec<Option<&IndexDef>> = live.iter().map(Some).collect();
    let mut pending: Vec<&IndexDef> = Vec::new();
    for ix in desired.iter().filter(|i| i.name.is_some()) {
        match unclaimed.iter_mut().find(|l| l.is_some_and(|l| l.name == ix.name && l.same_shape(ix))) {
            Some(slot) => *slot = None,
            None => pending.push(ix),
        }
    }
    let mut rename = Vec::new();
    let mut create = Vec::new();
    for ix in pending {
        let name_taken = unclaimed.iter().flatten().any(|l| l.name == ix.name);
        let candidate = unclaimed.iter_mut().find(|l| {
            l.is_some_and(|l| {
                l.same_shape(ix)
                    && match take_over(l) {
                        TakeOver::Rename => !name_taken,
                        TakeOver::Keep => true,
                        TakeOver::No => false,
                    }
            })
        });
        match candidate.and_then(|slot| slot.take()) {
            Some(l) if take_over(l) == TakeOver::Rename => {
                if let Some(new_name) = &ix.name {
                    rename.push((l, new_name.clone()));
                }
            }
            Some(_) => {}
            None => create.push(ix.clone()),
        }
    }
    for ix in desired.iter().filter(|i| i.name.is_none()) {
        match unclaimed.iter_mut().find(|l| l.is_some_and(|l| l.same_shape(ix))) {
            Some(slot) => *slot = None,
            None => create.push(ix.clone()),
        }
    }
    IndexMatch { rename, create, unclaimed: unclaimed.into_iter().flatten().collect() }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn index(name: Option<&str>, columns: &[&str]) -> IndexDef {
        IndexDef {
            name: name.map(String::from),
            columns: columns.iter().map(|c| c.to_string()).collect(),
            method: "btree".into(),
            ..IndexDef::default()
        }
    }

    fn fk(name: Option<&str>, column: &str) -> ForeignKeyDef {
        ForeignKeyDef {
            name: name.map(String::from),
            columns: vec![column.into()],
            ref_table: "orgs".into(),
            ref_columns: vec!["id".into()],
            on_delete: "NO ACTION".into(),
            ..ForeignKeyDef::default()
        }
    }

    #[test]
    fn indexes_are_kept_renamed_created_and_left_over() {
        let live = [index(Some("a_idx"), &["a"]), index(Some("old_b"), &["b"]), index(Some("c_idx"), &["c"]), index(Some("gone"), &["z"])];
        let desired = [index(Some("a_idx"), &["a"]), index(Some("new_b"), &["b"]), index(None, &["c"]), index(None, &["d"])];
        let m = match_indexes(&desired, &live, |_| TakeOver::Rename);
        assert_eq!(m.rename.iter().map(|(l, n)| (l.name.as_deref(), n.as_str())).collect::<Vec<_>>(), vec![(Some("old_b"), "new_b")]);
        assert_eq!(m.create, vec![index(None, &["d"])]);
        assert_eq!(m.unclaimed.iter().map(|l| l.name.as_deref()).collect::<Vec<_>>(), vec![Some("gone")]);
        // A live index the engine will not rename is not taken over: the desired one is created.
        let m = match_indexes(&desired, &live, |l| if l.name.as_deref() == Some("old_b") { TakeOver::No } else { TakeOver::Rename });
        assert!(m.rename.is_empty() && m.create.contains(&index(Some("new_b"), &["b"])));
        // A live index the engine keeps as it is is claimed without a rename and not created.
        let m = match_indexes(&desired, &live, |_| TakeOver::Keep);
        assert!(m.rename.is_empty() && !m.create.contains(&index(Some("new_b"), &["b"])));
        assert!(!m.unclaimed.iter().any(|l| l.name.as_deref() == Some("old_b")));
        // A name in use by another live index blocks the rename.
        let live = [index(Some("x"), &["b"]), index(Some("new_b"), &["q"])];
        let m = match_indexes(&[index(Some("new_b"), &["b"])], &live, |_| TakeOver::Rename);
        assert!(m.rename.is_empty() && m.create.len() == 1 && m.unclaimed.len() == 2);
    }

    #[test]
    fn foreign_keys_match_by_name_and_shape_or_by_shape_when_unnamed() {
        let live = [fk(Some("fk_a"), "a"), fk(Some("fk_b"), "b")];
        let m = match_foreign_keys(&[fk(Some("fk_a"), "a"), fk(None, "b")], &live);
        assert!(m.add.is_empty() && m.drop.is_empty());
        let m = match_foreign_keys(&[fk(Some("renamed"), "a")], &live);
        assert_eq!(m.add, vec![fk(Some("renamed"), "a")]);
        assert_eq!(m.drop.iter().map(|l| l.name.as_deref()).collect::<Vec<_>>(), vec![Some("fk_a"), Some("fk_b")]);
    }
}
