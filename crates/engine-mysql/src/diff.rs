//! What the spec asks for, and how it differs from what is live, as plain change data.

use crate::introspect::{canonical_action, index_method};
use crate::model::{Charsets, CheckDef, ColumnDef, ForeignKeyDef, IndexDef, KeyDef, TableDef, mysql};
use crate::normalize::{canonical_default, default_to_sql, has_charset, mbmaxlen, normalize_type, same_type, split_on_update};
use schemahero_schema::checks::{Unmanaged, comment_change, diff_checks};
use schemahero_schema::diff::{Changes, ColumnPair, DiffRules, compare};
use schemahero_schema::matching::TakeOver;
use schemahero_schema::spec::MysqlTableSchema;
use schemahero_schema::sql_safety::Dialect;

/// MySQL identifiers are at most 64 characters. Names a spec gives are checked against that
/// limit when the spec is read (`schemahero_schema::sql_safety`); the names SchemaHero generates
/// are cut to fit (MySQL would refuse them) and compared after the same cut, so they never
/// re-plan.
pub const MAX_IDENTIFIER_CHARS: usize = schemahero_schema::sql_safety::MYSQL_MAX_IDENTIFIER_CHARS;

pub fn truncate_identifier(name: &str) -> String {
    schemahero_schema::sql_safety::truncate_identifier(Dialect::Mysql, name)
}

pub fn generated_index_name(table: &str, columns: &[String]) -> String {
    schemahero_schema::diff::generated_index_name(Dialect::Mysql, table, columns)
}

pub fn generated_fk_name(table: &str, columns: &[String]) -> String {
    schemahero_schema::diff::generated_fk_name(Dialect::Mysql, table, columns)
}

/// MySQL creates an index named after a foreign key when none covers its columns; it belongs
/// to the key (and goes when another index takes over), so it is never renamed into a spec's
/// index while its key stays.
struct Rules;

impl DiffRules for Rules {
    fn dialect(&self) -> Dialect {
        Dialect::Mysql
    }

    fn take_over(&self, live: &IndexDef, kept_foreign_keys: &[&ForeignKeyDef]) -> TakeOver {
        if implicit_fk_index(live, kept_foreign_keys) { TakeOver::No } else { TakeOver::Rename }
    }
}

fn implicit_fk_index(index: &IndexDef, kept_foreign_keys: &[&ForeignKeyDef]) -> bool {
    !index.unique && index.name.is_some() && kept_foreign_keys.iter().any(|f| f.name == index.name)
}

/// What of the live table the spec leaves alone (see `Unmanaged`).
pub fn unmanaged(spec: &MysqlTableSchema) -> Unmanaged {
    Unmanaged { checks: spec.checks.is_none(), comments: spec.comment.is_none() && spec.columns.iter().all(|c| c.comment.is_none()) }
}

/// The table the spec describes, in canonical form; `database_default` is the (charset,
/// collation) a table without its own inherits.
pub fn desired_table(name: &str, spec: &MysqlTableSchema, charsets: &Charsets, database_default: (&str, &str)) -> TableDef {
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
            ColumnDef {
                name: c.name.clone(),
                not_null: c.not_null() || in_pk || c.auto_increment(),
                default: if c.auto_increment() { None } else { default },
                auto_increment: c.auto_increment(),
                comment: c.comment.clone(),
                renamed_from: c.renamed_from.clone(),
                ext: mysql::Column {
                    on_update,
                    charset: string.then_some(col_cs),
                    collation: string.then_some(col_co),
                    explicit_charset: explicit && string,
                },
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
    TableDef {
        schema: None,
        name: name.to_string(),
        columns,
        primary_key: (!spec.primary_key.is_empty()).then(|| KeyDef { name: None, columns: spec.primary_key.clone() }),
        foreign_keys,
        indexes,
        triggers: Vec::new(),
        checks: spec
            .checks
            .iter()
            .flatten()
            .map(|c| CheckDef { name: c.name.clone(), expression: c.expression.trim().to_string(), source: None })
            .collect(),
        comment: spec.comment.clone(),
        ext: mysql::Table { charset, collation, explicit_charset: spec.default_charset.is_some() || spec.collation.is_some() },
    }
}

/// One column to change, with everything that differs.
#[derive(Debug, Clone, PartialEq)]
pub struct ColumnModify {
    pub desired: ColumnDef,
    pub live: ColumnDef,
    pub type_changed: bool,
    pub charset_changed: bool,
    pub default_changed: bool,
    pub on_update_changed: bool,
    pub null_changed: bool,
    /// Only the spec's comment differs (a metadata change).
    pub comment_changed: bool,
}

impl ColumnModify {
    /// Only the default differs: `ALTER COLUMN … SET/DROP DEFAULT`, a metadata change.
    pub fn only_default(&self) -> bool {
        self.default_changed
            && !self.type_changed
            && !self.charset_changed
            && !self.on_update_changed
            && !self.null_changed
            && !self.comment_changed
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
    /// `renamedFrom`: the live table's old name, renamed before anything else.
    pub rename_from: Option<String>,
    /// Columns renamed (old, new), right after the table's rename.
    pub rename_columns: Vec<(String, String)>,
    pub create: Option<TableDef>,
    pub drop: bool,
    /// New table default (charset, collation).
    pub table_charset: Option<(String, String)>,
    pub drop_foreign_keys: Vec<String>,
    pub drop_indexes: Vec<IndexDef>,
    pub drop_primary_key: bool,
    pub drop_columns: Vec<String>,
    pub add_columns: Vec<ColumnDef>,
    /// Changes that remove AUTO_INCREMENT run before the primary key is dropped (MySQL needs
    /// an auto-increment column to be a key); changes that add it run after the key is added.
    pub modify_before_key: Vec<ColumnModify>,
    pub modify: Vec<ColumnModify>,
    pub modify_after_key: Vec<ColumnModify>,
    pub add_primary_key: Option<Vec<String>>,
    pub rename_indexes: Vec<(String, String)>,
    pub create_indexes: Vec<IndexDef>,
    pub add_foreign_keys: Vec<ForeignKeyDef>,
    /// Checks to drop (before the columns change) and to add (after).
    pub drop_checks: Vec<String>,
    pub add_checks: Vec<CheckDef>,
    /// The table's new comment (`Some(None)`: remove it).
    pub table_comment: Option<Option<String>>,
}

impl TableDiff {
    pub fn is_empty(&self) -> bool {
        *self == TableDiff::default()
    }
}

pub fn diff_table(desired: &TableDef, live: Option<&TableDef>, is_deleted: bool) -> TableDiff {
    let mut diff = TableDiff::default();
    let changes = match compare(desired, live, is_deleted, &Rules) {
        Changes::Nothing => return diff,
        Changes::Drop => return TableDiff { drop: true, ..diff },
        Changes::Create(c) => {
            let mut create = desired.clone();
            create.indexes.clear();
            create.foreign_keys.clear();
            return TableDiff { create: Some(create), create_indexes: c.indexes, add_foreign_keys: c.foreign_keys, ..diff };
        }
        Changes::Alter(a) => a,
    };
    let live = changes.live;
    if desired.ext.charset != live.ext.charset || desired.ext.collation != live.ext.collation {
        diff.table_charset = Some((desired.ext.charset.clone(), desired.ext.collation.clone()));
    }
    for pair in &changes.columns {
        match *pair {
            ColumnPair::Dropped(l) => diff.drop_columns.push(l.name.clone()),
            // A new auto-increment column needs its key in the same statement; it is added
            // plain and turned auto-increment once the key exists.
            ColumnPair::Added(d) if d.auto_increment => {
                let plain = ColumnDef { auto_increment: false, ..d.clone() };
                diff.add_columns.push(plain.clone());
                diff.modify_after_key.push(modify(d, &plain));
            }
            ColumnPair::Added(d) => diff.add_columns.push(d.clone()),
            ColumnPair::Kept(d, l) => {
                let m = modify(d, l);
                if !(m.type_changed || m.charset_changed || m.default_changed || m.on_update_changed || m.null_changed || m.comment_changed)
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
        }
    }
    if changes.primary_key_changed {
        // Dropping every column of the key drops the key with them.
        let key_columns_dropped = live.primary_key.as_ref().is_some_and(|k| k.columns.iter().all(|c| changes.is_dropped(c)));
        diff.drop_primary_key = live.primary_key.is_some() && !key_columns_dropped;
        diff.add_primary_key = desired.primary_key.as_ref().map(|k| k.columns.clone());
    }

    diff.drop_foreign_keys = changes.drop_foreign_keys.iter().filter_map(|l| l.name.clone()).collect();
    diff.add_foreign_keys = changes.add_foreign_keys.clone();
    diff.rename_indexes = changes.rename_indexes.iter().map(|(l, name)| (l.name.clone().unwrap_or_default(), name.clone())).collect();

    // An implicit foreign-key index is not compared, unless its key is dropped here, when it is
    // dropped too, or the plan would not converge.
    diff.drop_indexes = changes
        .drop_indexes
        .iter()
        .filter(|ix| !implicit_fk_index(ix, &changes.kept_foreign_keys))
        // The index of a foreign key re-created under the same name (to change its action)
        // stays: MySQL would only build it again.
        .filter(|ix| ix.unique || !diff.add_foreign_keys.iter().any(|f| f.name == ix.name && f.columns.starts_with(&ix.columns)))
        // Indexes on dropped columns go with them.
        .filter(|ix| !ix.columns.iter().all(|c| changes.is_dropped(c)))
        .map(|ix| (*ix).clone())
        .collect();
    diff.create_indexes = changes.create_indexes;
    diff.table_comment = comment_change(desired.comment.as_deref(), live.comment.as_deref());
    let checks = diff_checks(Dialect::Mysql, &desired.checks, &live.checks);
    diff.drop_checks = checks.drop;
    diff.add_checks = checks.add;
    diff
}

fn modify(d: &ColumnDef, l: &ColumnDef) -> ColumnModify {
    let canon = |v: &Option<String>| v.as_deref().and_then(canonical_default).map(|c| temporal_literal(&c, &d.data_type));
    ColumnModify {
        desired: d.clone(),
        live: l.clone(),
        type_changed: !same_type(&d.data_type, &l.data_type),
        charset_changed: d.ext.charset.is_some()
            && l.ext.charset.is_some()
            && (d.ext.charset != l.ext.charset || d.ext.collation != l.ext.collation),
        default_changed: canon(&d.default) != canon(&l.default),
        comment_changed: comment_change(d.comment.as_deref(), l.comment.as_deref()).is_some(),
        on_update_changed: canon(&d.ext.on_update) != canon(&l.ext.on_update),
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
