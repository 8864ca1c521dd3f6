//! The engine-neutral part of every engine's diff: whether a table is created, dropped or
//! altered; which columns are added, dropped or kept; whether the primary key changes; which
//! foreign keys, indexes and triggers are added, renamed or dropped, and what the names are
//! that a spec leaves to the engine. Each engine's `diff.rs` turns these [`Changes`] into its
//! own change data (Postgres' column changes, MySQL's MODIFY order, SQLite's rebuild), with its
//! rules given through [`DiffRules`].

use crate::matching::{TakeOver, match_foreign_keys, match_indexes};
use crate::model::{ColumnDef, ForeignKeyDef, IndexDef, TableDef};
use crate::sql_safety::{Dialect, truncate_identifier};

/// Where engines differ in the shared part of the diff.
pub trait DiffRules {
    /// Whose identifier rules generated names follow (how long names are cut).
    fn dialect(&self) -> Dialect;

    /// Whether foreign keys have names the database keeps. SQLite's do not come back from
    /// introspection, so its keys match by shape alone and stay unnamed.
    fn named_foreign_keys(&self) -> bool {
        true
    }

    /// What a named desired index may do with a same-shape live index under another name;
    /// `kept_foreign_keys` are the live keys the plan keeps.
    fn take_over(&self, _live: &IndexDef, _kept_foreign_keys: &[&ForeignKeyDef]) -> TakeOver {
        TakeOver::Rename
    }
}

/// The name SchemaHero gives an index the spec leaves unnamed.
pub fn generated_index_name(dialect: Dialect, table: &str, columns: &[String]) -> String {
    truncate_identifier(dialect, &format!("idx_{}_{}", table, columns.join("_")))
}

/// The name SchemaHero gives a foreign key the spec leaves unnamed.
pub fn generated_fk_name(dialect: Dialect, table: &str, columns: &[String]) -> String {
    truncate_identifier(dialect, &format!("{}_{}_fkey", table, columns.join("_")))
}

/// What happens to one table.
#[derive(Debug, PartialEq)]
pub enum Changes<'a, T, C> {
    /// Deleted in the spec and absent from the database.
    Nothing,
    Create(Creation<'a, T, C>),
    Drop,
    Alter(Alteration<'a, T, C>),
}

/// A table to create: the desired table, and what is created with it under its final names.
#[derive(Debug, PartialEq)]
pub struct Creation<'a, T, C> {
    pub table: &'a TableDef<T, C>,
    pub indexes: Vec<IndexDef>,
    pub foreign_keys: Vec<ForeignKeyDef>,
    pub triggers: Vec<String>,
}

/// One column of an altered table.
#[derive(Debug, PartialEq)]
pub enum ColumnPair<'a, C> {
    /// Live only.
    Dropped(&'a ColumnDef<C>),
    /// Desired only.
    Added(&'a ColumnDef<C>),
    /// In both: (desired, live). Whether they differ is the engine's question.
    Kept(&'a ColumnDef<C>, &'a ColumnDef<C>),
}

/// How an existing table changes. Columns come dropped first (in live order), then added and
/// kept ones in the spec's order.
#[derive(Debug, PartialEq)]
pub struct Alteration<'a, T, C> {
    /// The table as it is.
    pub live: &'a TableDef<T, C>,
    pub columns: Vec<ColumnPair<'a, C>>,
    /// The key's columns differ, or the spec names it and the live key has another name.
    pub primary_key_changed: bool,
    pub drop_foreign_keys: Vec<&'a ForeignKeyDef>,
    /// The live keys the plan keeps.
    pub kept_foreign_keys: Vec<&'a ForeignKeyDef>,
    /// Under their final names (unnamed where the engine does not name keys).
    pub add_foreign_keys: Vec<ForeignKeyDef>,
    pub rename_indexes: Vec<(&'a IndexDef, String)>,
    /// Live indexes nothing claimed; engines filter out those that go anyway.
    pub drop_indexes: Vec<&'a IndexDef>,
    /// Under their final names.
    pub create_indexes: Vec<IndexDef>,
    pub create_triggers: Vec<String>,
}

impl<T, C> Alteration<'_, T, C> {
    pub fn dropped_columns(&self) -> impl Iterator<Item = &ColumnDef<C>> {
        self.columns.iter().filter_map(|c| if let ColumnPair::Dropped(l) = c { Some(*l) } else { None })
    }

    pub fn is_dropped(&self, column: &str) -> bool {
        self.dropped_columns().any(|c| c.name == column)
    }
}

/// Compares one desired table with its live counterpart (`None`: it does not exist).
pub fn compare<'a, T, C>(
    desired: &'a TableDef<T, C>,
    live: Option<&'a TableDef<T, C>>,
    is_deleted: bool,
    rules: &impl DiffRules,
) -> Changes<'a, T, C> {
    let name_fks = |fks: Vec<ForeignKeyDef>| -> Vec<ForeignKeyDef> {
        if !rules.named_foreign_keys() {
            return fks;
        }
        fks.into_iter()
            .map(|f| ForeignKeyDef {
                name: Some(f.name.clone().unwrap_or_else(|| generated_fk_name(rules.dialect(), &desired.name, &f.columns))),
                ..f
            })
            .collect()
    };
    let name_indexes = |indexes: Vec<IndexDef>| -> Vec<IndexDef> {
        indexes
            .into_iter()
            .map(|i| IndexDef {
                name: Some(i.name.clone().unwrap_or_else(|| generated_index_name(rules.dialect(), &desired.name, &i.columns))),
                ..i
            })
            .collect()
    };
    let new_triggers = |live: Option<&TableDef<T, C>>| -> Vec<String> {
        let exists = |name: &str| live.is_some_and(|l| l.triggers.iter().any(|t| t.name == name));
        desired.triggers.iter().filter(|t| !exists(&t.name)).map(|t| t.name.clone()).collect()
    };

    let live = match (live, is_deleted) {
        (None, true) => return Changes::Nothing,
        (Some(_), true) => return Changes::Drop,
        (None, false) => {
            return Changes::Create(Creation {
                table: desired,
                indexes: name_indexes(desired.indexes.clone()),
                foreign_keys: name_fks(desired.foreign_keys.clone()),
                triggers: new_triggers(None),
            });
        }
        (Some(live), false) => live,
    };

    let mut columns: Vec<ColumnPair<C>> =
        live.columns.iter().filter(|l| desired.column(&l.name).is_none()).map(ColumnPair::Dropped).collect();
    columns.extend(desired.columns.iter().map(|d| match live.column(&d.name) {
        Some(l) => ColumnPair::Kept(d, l),
        None => ColumnPair::Added(d),
    }));

    let primary_key_changed = match (&desired.primary_key, &live.primary_key) {
        (None, None) => false,
        (Some(d), Some(l)) => d.columns != l.columns || d.name.as_ref().is_some_and(|n| Some(n) != l.name.as_ref()),
        _ => true,
    };

    let unnamed: Vec<ForeignKeyDef>;
    let desired_fks = if rules.named_foreign_keys() {
        &desired.foreign_keys
    } else {
        unnamed = desired.foreign_keys.iter().map(|f| ForeignKeyDef { name: None, ..f.clone() }).collect();
        &unnamed
    };
    let fks = match_foreign_keys(desired_fks, &live.foreign_keys);
    let kept_fks: Vec<&ForeignKeyDef> = live.foreign_keys.iter().filter(|f| !fks.drop.iter().any(|d| std::ptr::eq(*d, *f))).collect();
    let indexes = match_indexes(&desired.indexes, &live.indexes, |l| rules.take_over(l, &kept_fks));

    Changes::Alter(Alteration {
        columns,
        live,
        primary_key_changed,
        drop_foreign_keys: fks.drop,
        kept_foreign_keys: kept_fks,
        add_foreign_keys: name_fks(fks.add),
        rename_indexes: indexes.rename,
        drop_indexes: indexes.unclaimed,
        create_indexes: name_indexes(indexes.create),
        create_triggers: new_triggers(Some(live)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{KeyDef, TriggerDef};

    struct Pg;
    impl DiffRules for Pg {
        fn dialect(&self) -> Dialect {
            Dialect::Postgres
        }
    }

    struct Unnamed;
    impl DiffRules for Unnamed {
        fn dialect(&self) -> Dialect {
            Dialect::Sqlite
        }
        fn named_foreign_keys(&self) -> bool {
            false
        }
    }

    fn column(name: &str) -> ColumnDef {
        ColumnDef { name: name.into(), data_type: "integer".into(), ..ColumnDef::default() }
    }

    fn table(columns: &[&str]) -> TableDef {
        TableDef {
            name: "t".into(),
            columns: columns.iter().map(|c| column(c)).collect(),
            primary_key: Some(KeyDef { name: None, columns: vec!["id".into()] }),
            ..TableDef::default()
        }
    }

    fn fk(name: Option<&str>) -> ForeignKeyDef {
        ForeignKeyDef {
            name: name.map(String::from),
            columns: vec!["org".into()],
            ref_table: "orgs".into(),
            ref_columns: vec!["id".into()],
            on_delete: "NO ACTION".into(),
            ..ForeignKeyDef::default()
        }
    }

    #[test]
    fn a_missing_table_is_created_with_named_indexes_and_keys_and_a_deleted_one_dropped() {
        let mut desired = table(&["id", "org"]);
        desired.indexes = vec![IndexDef { columns: vec!["org".into()], method: "btree".into(), ..IndexDef::default() }];
        desired.foreign_keys = vec![fk(None)];
        desired.triggers = vec![TriggerDef { name: "audit".into(), create_sql: String::new() }];
        let Changes::Create(c) = compare(&desired, None, false, &Pg) else { panic!("expected a creation") };
        assert_eq!(c.indexes[0].name.as_deref(), Some("idx_t_org"));
        assert_eq!(c.foreign_keys[0].name.as_deref(), Some("t_org_fkey"));
        assert_eq!(c.triggers, vec!["audit".to_string()]);
        assert_eq!(compare(&desired, Some(&desired), true, &Pg), Changes::Drop);
        assert_eq!(compare(&desired, None, true, &Pg), Changes::Nothing);
    }

    #[test]
    fn columns_come_dropped_first_then_in_spec_order() {
        let desired = table(&["id", "b", "a"]);
        let live = table(&["id", "gone", "a"]);
        let Changes::Alter(a) = compare(&desired, Some(&live), false, &Pg) else { panic!("expected an alteration") };
        let names: Vec<String> = a
            .columns
            .iter()
            .map(|c| match c {
                ColumnPair::Dropped(l) => format!("-{}", l.name),
                ColumnPair::Added(d) => format!("+{}", d.name),
                ColumnPair::Kept(d, _) => d.name.clone(),
            })
            .collect();
        assert_eq!(names, ["-gone", "id", "+b", "a"]);
        assert!(a.is_dropped("gone") && !a.is_dropped("a"));
        assert!(!a.primary_key_changed);
    }

    #[test]
    fn a_named_key_must_match_the_live_name_an_unnamed_one_any() {
        let mut desired = table(&["id"]);
        let mut live = table(&["id"]);
        live.primary_key = Some(KeyDef { name: Some("t_pkey".into()), columns: vec!["id".into()] });
        let changed = |d: &TableDef, l: &TableDef| match compare(d, Some(l), false, &Pg) {
            Changes::Alter(a) => a.primary_key_changed,
            _ => panic!("expected an alteration"),
        };
        assert!(!changed(&desired, &live));
        desired.primary_key = Some(KeyDef { name: Some("other".into()), columns: vec!["id".into()] });
        assert!(changed(&desired, &live));
        desired.primary_key = None;
        assert!(changed(&desired, &live));
    }

    #[test]
    fn foreign_keys_without_names_match_by_shape_where_the_engine_keeps_no_names() {
        let mut desired = table(&["id", "org"]);
        desired.foreign_keys = vec![fk(Some("named_in_spec"))];
        let mut live = table(&["id", "org"]);
        live.foreign_keys = vec![fk(None)];
        let Changes::Alter(a) = compare(&desired, Some(&live), false, &Unnamed) else { panic!("expected an alteration") };
        assert!(a.add_foreign_keys.is_empty() && a.drop_foreign_keys.is_empty());
        // Where names are kept, the spec's name must be the live one: drop and re-add.
        let Changes::Alter(a) = compare(&desired, Some(&live), false, &Pg) else { panic!("expected an alteration") };
        assert_eq!(a.add_foreign_keys[0].name.as_deref(), Some("named_in_spec"));
        assert_eq!(a.drop_foreign_keys.len(), 1);
    }
}
