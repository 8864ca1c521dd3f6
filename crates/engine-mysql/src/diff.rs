//! What the spec asks for, and how it differs from what is live, as plain change data.

use crate::introspect::{canonical_action, index_method};
use crate::model::{Charsets, ForeignKeyDef, IndexDef, MyColumn, MyTable};
use crate::normalize::{canonical_default, default_to_sql, has_charset, mbmaxlen, normalize_type, split_on_update};
use schemahero_schema::matching::{match_foreign_keys, match_indexes};
use schemahero_schema::spec::MysqlTableSchema;

/// MySQL identifiers are at most 64 characters. Names a spec gives are checked against that
/// limit when the spec is read (`schemahero_schema::sql_safety`); the names SchemaHero generates
/// are cut to fit (MySQL would refuse them) and compared after the same cut, so they never
/// re-plan.
pub const MAX_IDENTIFIER_CHARS: usize = schemahero_schema::sql_safety::MYSQL_MAX_IDENTIFIER_CHARS;

pub fn truncate_identifier(name: &str) -> String {
    schemahero_schema::sql_safety::truncate_identifier(schemahero_schema::sql_safety::Dialect::Mysql, name)
}

pub fn generated_index_name(table: &str, columns: &[String]) -> String {
    truncate_identifier(&format!("idx_{}_{}", table, columns.join("_")))
}

pub fn generated_fk_name(table: &str, columns: &[String]) -> String {
    truncate_identifier(&format!("{}_{}_fkey", table, columns.join("_")))
}

/// The table the spec describes, in canonical form; `database_default` is the (charset,
/// collation) a table without its own inherits.
pub fn desired_table(name: &str, spec: &MysqlTableSchema, charsets: &Charsets, database_default: (&str, &str)) -> MyTable {
    let (charset, collation) = charsets.resolve(spec.default_charset.as_deref(), spec.collation.as_deref(), database_default);
    let columns = spec
        .columns
        .iter()
        .map(|c| {
            let explicit = c.charset.is_some() || c.collation.is_some();
            let (col_cs, col_co) = charsets.resolve(c.charset.as_deref(), c.collation.as_deref(), (&charset, &collation));
            let data_type = normalize_type(&c.data_type, mbmaxlen(&col_cs));
            let string = has_charset(&data_type);
            let in_pk = spec.primary_key.contains(&c.name);
            let (default, on_update) = match c.default.as_deref() {
                Some(raw) => match split_on_update(raw) {
                    // `ON UPDATE …` alone: no default. An empty default otherwise is ''.
                    (d, Some(u)) if d.is_empty() => (None, Some(u)),
                    (d, u) => (default_to_sql(&d), u),
                },
                None => (None, None),
            };
            MyColumn {
                name: c.name.clone(),
                not_null: c.not_null() || in_pk || c.auto_increment(),
                default: if c.auto_increment() { None } else { default },
                on_update,
                auto_increment: c.auto_increment(),
                charset: string.then_some(col_cs),
                collation: string.then_some(col_co),
                explicit_charset: explicit && string,
                data_type,
            }
        })
        .collect();
    let foreign_keys = spec
        .foreign_keys
        .iter()
        .map(|fk| ForeignKeyDef {
            name: fk.name.as_deref().map(truncate_identifier),
            columns: fk.columns.clone(),
            ref_schema: None,
            ref_table: fk.references.table.clone(),
            ref_columns: fk.references.columns.clone(),
            on_delete: canonical_action(fk.on_delete.as_deref().unwrap_or("NO ACTION")),
        })
        .collect();
    let indexes = spec
        .indexes
        .iter()
        .map(|i| IndexDef {
            name: i.name.as_deref().map(truncate_identifier),
            columns: i.columns.clone(),
            unique: i.is_unique,
            method: index_method(i.index_type.as_deref().unwrap_or("btree")),
            with: Default::default(),
            constraint: false,
        })
        .collect();
    MyTable {
        name: name.to_string(),
        columns,
        primary_key: (!spec.primary_key.is_empty()).then(|| spec.primary_key.clone()),
        foreign_keys,
        indexes,
        charset,
        collation,
        explicit_charset: spec.default_charset.is_some() || spec.collation.is_some(),
    }
}

/// One column to change, with everything that differs.
#[derive(Debug, Clone, PartialEq)]
pub struct ColumnModify {
    pub desired: MyColumn,
    pub live: MyColumn,
    pub type_changed: bool,
    pub charset_changed: bool,
    pub default_changed: bool,
    pub on_update_changed: bool,
    pub null_changed: bool,
}

impl ColumnModify {
    /// Only the default differs: `ALTER COLUMN … SET/DROP DEFAULT`, a metadata change.
    pub fn only_default(&self) -> bool {
        self.default_changed
            && !self.type_changed
            && !self.charset_changed
            && !self.on_update_changed
            && !self.null_changed
            && self.desired.auto_increment == self.live.auto_increment
    }
}

#[cfg(test)]
mod tests {
    use super::temporal_literal;

    #[test]
    fn datetime_literals_compare_without_zero_time() {
        assert_eq!(temporal_literal("'2020-01-01 00:00:00.000'", "datetime(3)"), "'2020-01-01'");
        assert_eq!(temporal_literal("'2020-01-01'", "datetime"), "'2020-01-01'");
        assert_eq!(temporal_literal("'2020-01-01 10:00:00'", "timestamp"), "'2020-01-01 10:00:00'");
        assert_eq!(temporal_literal("'2020-01-01 00:00:00'", "varchar(30)"), "'2020-01-01 00:00:00'");
    }
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct TableDiff {
    pub create: Option<MyTable>,
    pub drop: bool,
    /// New table default (charset, collation).
    pub table_charset: Option<(String, String)>,
    pub drop_foreign_keys: Vec<String>,
    pub drop_indexes: Vec<IndexDef>,
    pub drop_primary_key: bool,
    pub drop_columns: Vec<String>,
    pub add_columns: Vec<MyColumn>,
    /// Changes that remove AUTO_INCREMENT run before the primary key is dropped (MySQL needs
    /// an auto-increment column to be a key); changes that add it run after the key is added.
    pub modify_before_key: Vec<ColumnModify>,
    pub modify: Vec<ColumnModify>,
    pub modify_after_key: Vec<ColumnModify>,
    pub add_primary_key: Option<Vec<String>>,
    pub rename_indexes: Vec<(String, String)>,
    pub create_indexes: Vec<IndexDef>,
    pub add_foreign_keys: Vec<ForeignKeyDef>,
}

impl TableDiff {
    pub fn is_empty(&self) -> bool {
        *self == TableDiff::default()
    }
}

pub fn diff_table(desired: &MyTable, live: Option<&MyTable>, is_deleted: bool) -> TableDiff {
    let mut diff = TableDiff::default();
    let Some(live) = live else {
        if !is_deleted {
            let mut create = desired.clone();
            diff.create_indexes = name_indexes(desired, &desired.indexes);
            diff.add_foreign_keys = name_fks(desired, &desired.foreign_keys);
            create.indexes.clear();
            create.foreign_keys.clear();
            diff.create = Some(create);
        }
        return diff;
    };
    if is_deleted {
        diff.drop = true;
        return diff;
    }
    if (desired.charset.as_str(), desired.collation.as_str()) != (live.charset.as_str(), live.collation.as_str()) {
        diff.table_charset = Some((desired.charset.clone(), desired.collation.clone()));
    }
    let pk_changes = desired.primary_key != live.primary_key;
    for l in &live.columns {
        if desired.column(&l.name).is_none() {
            diff.drop_columns.push(l.name.clone());
        }
    }
    for d in &desired.columns {
        let Some(l) = live.column(&d.name) else {
            // A new auto-increment column needs its key in the same statement; it is added
            // plain and turned auto-increment once the key exists.
            if d.auto_increment {
                let plain = MyColumn { auto_increment: false, ..d.clone() };
                diff.add_columns.push(plain.clone());
                diff.modify_after_key.push(modify(d, &plain));
            } else {
                diff.add_columns.push(d.clone());
            }
            continue;
        };
        let m = modify(d, l);
        if !(m.type_changed || m.charset_changed || m.default_changed || m.on_update_changed || m.null_changed)
            && d.auto_increment == l.auto_increment
        {
            continue;
        }
        if l.auto_increment && !d.auto_increment {
            diff.modify_before_key.push(m);
        } else if d.auto_increment && !l.auto_increment {
            diff.modify_after_key.push(m);
        } else {
            diff.modify.push(m);
        }
    }
    if pk_changes {
        // Dropping every column of the key drops the key with them.
        let key_columns_dropped = live.primary_key.as_ref().is_some_and(|k| k.iter().all(|c| diff.drop_columns.contains(c)));
        diff.drop_primary_key = live.primary_key.is_some() && !key_columns_dropped;
        diff.add_primary_key = desired.primary_key.clone();
    }

    let fks = match_foreign_keys(&desired.foreign_keys, &live.foreign_keys);
    let dropped_fks = fks.drop;
    diff.drop_foreign_keys = dropped_fks.iter().filter_map(|l| l.name.clone()).collect();
    diff.add_foreign_keys = name_fks(desired, &fks.add);

    // Indexes. MySQL creates an index named after a foreign key when none covers its columns;
    // it belongs to the key (and goes when another index takes over), so it is not compared —
    // unless its key is dropped here, when it is dropped too, or the plan would not converge.
    let kept_fk_names: Vec<&str> =
        live.foreign_keys.iter().filter(|f| !dropped_fks.iter().any(|d| d.name == f.name)).filter_map(|f| f.name.as_deref()).collect();
    let implicit = |ix: &IndexDef| !ix.unique && ix.name.as_deref().is_some_and(|n| kept_fk_names.contains(&n));
    let indexes = match_indexes(&desired.indexes, &live.indexes, |l| !implicit(l));
    diff.rename_indexes = indexes.rename.into_iter().map(|(l, name)| (l.name.clone().unwrap_or_default(), name)).collect();
    let to_create = indexes.create;
    diff.drop_indexes = indexes
        .unclaimed
        .into_iter()
        .filter(|ix| !implicit(ix))
        // The index of a foreign key re-created under the same name (to change its action)
        // stays: MySQL would only build it again.
        .filter(|ix| ix.unique || !diff.add_foreign_keys.iter().any(|f| f.name == ix.name && f.columns.starts_with(&ix.columns)))
        // Indexes on dropped columns go with them.
        .filter(|ix| !ix.columns.iter().all(|c| diff.drop_columns.contains(c)))
        .cloned()
        .collect();
    diff.create_indexes = name_indexes(desired, &to_create);
    diff
}

fn modify(d: &MyColumn, l: &MyColumn) -> ColumnModify {
    let canon = |v: &Option<String>| v.as_deref().and_then(canonical_default).map(|c| temporal_literal(&c, &d.data_type));
    ColumnModify {
        desired: d.clone(),
        live: l.clone(),
        type_changed: d.data_type != l.data_type,
        charset_changed: d.charset.is_some() && l.charset.is_some() && (d.charset != l.charset || d.collation != l.collation),
        default_changed: canon(&d.default) != canon(&l.default),
        on_update_changed: canon(&d.on_update) != canon(&l.on_update),
        null_changed: d.not_null != l.not_null,
    }
}

/// Datetime literals as the server stores them are padded (`'2020-01-01'` on a datetime column
/// reads back as `'2020-01-01 00:00:00'`, with `.000` for fractional precision); compare them
/// without the zero time and zero fraction.
fn temporal_literal(canonical: &str, data_type: &str) -> String {
    if !(data_type.starts_with("datetime") || data_type.starts_with("timestamp")) || !canonical.starts_with('\'') {
        return canonical.to_string();
    }
    let inner = canonical.trim_matches('\'');
    let inner = match inner.split_once('.') {
        Some((whole, fraction)) if fraction.chars().all(|c| c == '0') => whole,
        _ => inner,
    };
    let inner = inner.strip_suffix(" 00:00:00").unwrap_or(inner);
    format!("'{inner}'")
}

fn name_indexes(table: &MyTable, indexes: &[IndexDef]) -> Vec<IndexDef> {
    indexes
        .iter()
        .map(|i| IndexDef { name: Some(i.name.clone().unwrap_or_else(|| generated_index_name(&table.name, &i.columns))), ..i.clone() })
        .collect()
}

fn name_fks(table: &MyTable, fks: &[ForeignKeyDef]) -> Vec<ForeignKeyDef> {
    fks.iter()
        .map(|f| ForeignKeyDef { name: Some(f.name.clone().unwrap_or_else(|| generated_fk_name(&table.name, &f.columns))), ..f.clone() })
        .collect()
}
