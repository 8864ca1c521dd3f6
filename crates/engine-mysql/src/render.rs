//! Rendering change data as MySQL DDL with hazards, in an order that is safe across tables.
//!
//! MySQL DDL is not transactional: every statement commits on its own, so the order matters
//! twice — each statement must be valid after the ones before it, and a failure part-way must
//! leave something a re-plan can finish.

use crate::Flavor;
use crate::diff::{ColumnModify, TableDiff};
use crate::model::{CheckDef, ColumnDef, ForeignKeyDef, IndexDef, TableDef};
use crate::normalize::{is_literal, is_time_keyword, needs_expression_default, quote_literal};
use schemahero_plan::{HazardKind, PlannedStatement};

/// Backtick-quotes an identifier, doubling embedded backticks.
pub use schemahero_schema::seed::quote_mysql_ident as quote_ident;

pub struct TableWork {
    pub name: String,
    pub diff: TableDiff,
    pub seed: Vec<PlannedStatement>,
}

fn columns_list(columns: &[String]) -> String {
    columns.iter().map(|c| quote_ident(c)).collect::<Vec<_>>().join(", ")
}

/// A default as DDL. MariaDB takes any expression bare; MySQL 8 wants expressions other than
/// literals and CURRENT_TIMESTAMP in parentheses, and literals on TEXT/BLOB/JSON columns too.
pub fn default_sql(default: &str, data_type: &str, flavor: Flavor) -> String {
    let wrapped = default.starts_with('(') && default.ends_with(')');
    match flavor {
        Flavor::Mysql if !wrapped && (!(is_literal(default) || is_time_keyword(default)) || needs_expression_default(data_type)) => {
            format!("({default})")
        }
        _ => default.to_string(),
    }
}

pub fn column_definition(c: &ColumnDef, flavor: Flavor) -> String {
    let mut out = format!("{} {}", quote_ident(&c.name), c.data_type);
    if c.ext.explicit_charset
        && let (Some(cs), Some(co)) = (&c.ext.charset, &c.ext.collation)
    {
        out.push_str(&format!(" CHARACTER SET {cs} COLLATE {co}"));
    }
    if c.not_null {
        out.push_str(" NOT NULL");
    }
    if let Some(default) = &c.default {
        out.push_str(&format!(" DEFAULT {}", default_sql(default, &c.data_type, flavor)));
    }
    if let Some(on_update) = &c.ext.on_update {
        out.push_str(&format!(" ON UPDATE {on_update}"));
    }
    if c.auto_increment {
        out.push_str(" AUTO_INCREMENT");
    }
    if let Some(comment) = c.comment.as_deref().filter(|c| !c.is_empty()) {
        out.push_str(&format!(" COMMENT {}", quote_literal(comment)));
    }
    out
}

/// Renders every table's changes in a safe global order: drop foreign keys → drop tables →
/// create tables (referenced first) → alter tables → add foreign keys → seed data.
pub fn render(mut work: Vec<TableWork>, flavor: Flavor) -> Vec<PlannedStatement> {
    let mut out = Vec::new();
    // Renames first: every later statement names the table and its columns by their new names.
    for w in &work {
        if let Some(old) = &w.diff.rename_from {
            out.push(PlannedStatement::new(&w.name, format!("ALTER TABLE {} RENAME TO {}", quote_ident(old), quote_ident(&w.name))));
        }
        for (old, new) in &w.diff.rename_columns {
            out.push(PlannedStatement::new(
                &w.name,
                format!("ALTER TABLE {} RENAME COLUMN {} TO {}", quote_ident(&w.name), quote_ident(old), quote_ident(new)),
            ));
        }
    }
    for w in &work {
        for fk in &w.diff.drop_foreign_keys {
            out.push(PlannedStatement::new(&w.name, format!("ALTER TABLE {} DROP FOREIGN KEY {}", quote_ident(&w.name), quote_ident(fk))));
        }
    }
    for w in &work {
        if w.diff.drop {
            out.push(
                PlannedStatement::new(&w.name, format!("DROP TABLE {}", quote_ident(&w.name)))
                    .with_hazard(HazardKind::DeletesData, format!("drops table {} and all its rows", w.name)),
            );
        }
    }
    order_creates(&mut work);
    for w in &work {
        if let Some(create) = &w.diff.create {
            out.push(PlannedStatement::new(&w.name, create_table_sql(create, flavor)));
        }
    }
    for w in &work {
        render_alters(w, flavor, &mut out);
    }
    for w in &work {
        for fk in &w.diff.add_foreign_keys {
            let mut s = PlannedStatement::new(&w.name, add_fk_sql(&w.name, fk));
            if w.diff.create.is_none() {
                s = s
                    .with_hazard(HazardKind::LongLock, "checks every existing row; writes to the table block meanwhile")
                    .with_hazard(HazardKind::MayFail, "fails if existing rows reference missing keys");
            }
            out.push(s);
        }
    }
    for w in &mut work {
        out.append(&mut w.seed);
    }
    crate::hints::with_hints(out)
}

/// Referenced tables are created before the tables referencing them.
fn order_creates(work: &mut Vec<TableWork>) {
    let creating: std::collections::HashSet<String> = work.iter().filter(|w| w.diff.create.is_some()).map(|w| w.name.clone()).collect();
    let mut remaining: Vec<Option<TableWork>> = std::mem::take(work).into_iter().map(Some).collect();
    let mut placed: std::collections::HashSet<String> = std::collections::HashSet::new();
    let waits_on = |w: &TableWork, placed: &std::collections::HashSet<String>| {
        w.diff
            .add_foreign_keys
            .iter()
            .any(|fk| fk.ref_table != w.name && creating.contains(&fk.ref_table) && !placed.contains(&fk.ref_table))
    };
    let mut progress = true;
    while progress {
        progress = false;
        for slot in remaining.iter_mut() {
            if slot.as_ref().is_some_and(|w| !waits_on(w, &placed))
                && let Some(w) = slot.take()
            {
                placed.insert(w.name.clone());
                work.push(w);
                progress = true;
            }
        }
    }
    // A cycle: the rest keeps its order (foreign keys are added after all tables exist).
    work.extend(remaining.into_iter().flatten());
}

fn create_table_sql(def: &TableDef, flavor: Flavor) -> String {
    let mut parts: Vec<String> = def.columns.iter().map(|c| column_definition(c, flavor)).collect();
    if let Some(pk) = &def.primary_key {
        parts.push(format!("PRIMARY KEY ({})", columns_list(&pk.columns)));
    }
    parts.extend(def.checks.iter().map(check_clause));
    let mut sql = format!("CREATE TABLE {} (\n  {}\n)", quote_ident(&def.name), parts.join(",\n  "));
    if def.ext.explicit_charset {
        sql.push_str(&format!(" DEFAULT CHARSET={} COLLATE={}", def.ext.charset, def.ext.collation));
    }
    if let Some(comment) = def.comment.as_deref().filter(|c| !c.is_empty()) {
        sql.push_str(&format!(" COMMENT={}", quote_literal(comment)));
    }
    sql
}

/// `CONSTRAINT name CHECK (expression)`.
fn check_clause(check: &CheckDef) -> String {
    format!("CONSTRAINT {} CHECK ({})", quote_ident(&check.name), check.expression)
}

fn add_fk_sql(table: &str, fk: &ForeignKeyDef) -> String {
    let mut sql = format!(
        "ALTER TABLE {} ADD CONSTRAINT {} FOREIGN KEY ({}) REFERENCES {} ({})",
        quote_ident(table),
        quote_ident(fk.name.as_deref().unwrap_or_default()),
        columns_list(&fk.columns),
        quote_ident(&fk.ref_table),
        columns_list(&fk.ref_columns)
    );
    if fk.on_delete != "NO ACTION" {
        sql.push_str(&format!(" ON DELETE {}", fk.on_delete));
    }
    sql
}

fn create_index_sql(table: &str, ix: &IndexDef) -> String {
    let kind = match (ix.method.as_str(), ix.unique) {
        ("fulltext", _) => "FULLTEXT ",
        ("spatial", _) => "SPATIAL ",
        (_, true) => "UNIQUE ",
        _ => "",
    };
    format!(
        "CREATE {kind}INDEX {} ON {} ({})",
        quote_ident(ix.name.as_deref().unwrap_or_default()),
        quote_ident(table),
        columns_list(&ix.columns)
    )
}

fn render_alters(w: &TableWork, flavor: Flavor, out: &mut Vec<PlannedStatement>) {
    let t = &w.name;
    let table = quote_ident(t);
    let new_table = w.diff.create.is_some();
    if let Some((cs, co)) = &w.diff.table_charset {
        // Only the default for new columns changes; existing columns keep theirs and are
        // modified below where the spec wants them to follow the table.
        out.push(PlannedStatement::new(t, format!("ALTER TABLE {table} DEFAULT CHARACTER SET {cs} COLLATE {co}")));
    }
    if let Some(comment) = &w.diff.table_comment {
        out.push(PlannedStatement::new(
            t,
            format!("ALTER TABLE {table} COMMENT = {}", quote_literal(comment.as_deref().unwrap_or_default())),
        ));
    }
    for ix in &w.diff.drop_indexes {
        out.push(PlannedStatement::new(
            t,
            format!("ALTER TABLE {table} DROP INDEX {}", quote_ident(ix.name.as_deref().unwrap_or_default())),
        ));
    }
    for name in &w.diff.drop_checks {
        out.push(PlannedStatement::new(t, format!("ALTER TABLE {table} DROP CONSTRAINT {}", quote_ident(name))));
    }
    for m in &w.diff.modify_before_key {
        render_modify(t, m, flavor, out);
    }
    if w.diff.drop_primary_key {
        out.push(
            PlannedStatement::new(t, format!("ALTER TABLE {table} DROP PRIMARY KEY"))
                .with_hazard(HazardKind::TableRewrite, "InnoDB rebuilds the table around a new clustered index"),
        );
    }
    for c in &w.diff.drop_columns {
        out.push(
            PlannedStatement::new(t, format!("ALTER TABLE {table} DROP COLUMN {}", quote_ident(c)))
                .with_hazard(HazardKind::DeletesData, format!("drops column {c} and its data")),
        );
    }
    for c in &w.diff.add_columns {
        let mut s = PlannedStatement::new(t, format!("ALTER TABLE {table} ADD COLUMN {}", column_definition(c, flavor)));
        if c.not_null && c.default.is_none() {
            s = s.with_hazard(HazardKind::UpdatesRows, "existing rows get the type's implicit default (0, '' or the zero date)");
        }
        if c.default.as_deref().is_some_and(|d| !is_literal(d) && !is_time_keyword(d)) {
            s = s.with_hazard(HazardKind::TableRewrite, "an expression default is evaluated for every row: the table is rebuilt");
        }
        out.push(s);
    }
    for m in &w.diff.modify {
        render_modify(t, m, flavor, out);
    }
    if let Some(pk) = &w.diff.add_primary_key {
        out.push(
            PlannedStatement::new(t, format!("ALTER TABLE {table} ADD PRIMARY KEY ({})", columns_list(pk)))
                .with_hazard(HazardKind::IndexBuild, "builds the clustered index: InnoDB rebuilds the table")
                .with_hazard(HazardKind::MayFail, "fails on duplicate or NULL keys"),
        );
    }
    for m in &w.diff.modify_after_key {
        render_modify(t, m, flavor, out);
    }
    for check in &w.diff.add_checks {
        out.push(
            PlannedStatement::new(t, format!("ALTER TABLE {table} ADD {}", check_clause(check)))
                .with_hazard(
                    HazardKind::TableRewrite,
                    format!("checks every row against {}: copies the table, blocking writes", check.name),
                )
                .with_hazard(HazardKind::MayFail, format!("fails if existing rows violate check {}", check.name)),
        );
    }
    for (old, new) in &w.diff.rename_indexes {
        out.push(PlannedStatement::new(t, format!("ALTER TABLE {table} RENAME INDEX {} TO {}", quote_ident(old), quote_ident(new))));
    }
    for ix in &w.diff.create_indexes {
        let mut s = PlannedStatement::new(t, create_index_sql(t, ix));
        if !new_table {
            s = s.with_hazard(HazardKind::IndexBuild, "builds an index over every row");
            if ix.unique {
                s = s.with_hazard(HazardKind::MayFail, "fails if existing rows hold duplicates");
            }
        }
        out.push(s);
    }
}

fn render_modify(t: &str, m: &ColumnModify, flavor: Flavor, out: &mut Vec<PlannedStatement>) {
    let table = quote_ident(t);
    let c = &m.desired;
    let col = quote_ident(&c.name);
    if m.only_default() {
        let sql = match &c.default {
            Some(d) => format!("ALTER TABLE {table} ALTER COLUMN {col} SET DEFAULT {}", default_sql(d, &c.data_type, flavor)),
            None => format!("ALTER TABLE {table} ALTER COLUMN {col} DROP DEFAULT"),
        };
        out.push(PlannedStatement::new(t, sql));
        return;
    }
    let setting_not_null = c.not_null && !m.live.not_null;
    let backfill = if setting_not_null { c.default.as_deref() } else { None };
    if let Some(value) = backfill {
        out.push(
            PlannedStatement::new(t, format!("UPDATE {table} SET {col} = {value} WHERE {col} IS NULL"))
                .with_hazard(HazardKind::UpdatesRows, format!("fills NULLs in {} with the default", c.name)),
        );
    }
    let mut s = PlannedStatement::new(t, format!("ALTER TABLE {table} MODIFY COLUMN {}", column_definition(c, flavor)));
    let rebuild = m.type_changed || m.charset_changed || m.null_changed || c.auto_increment != m.live.auto_increment;
    if rebuild {
        let what = if m.type_changed {
            format!("changes {} from {} to {}", c.name, m.live.data_type, c.data_type)
        } else if m.charset_changed {
            format!("converts {} to {}", c.name, c.ext.collation.as_deref().unwrap_or_default())
        } else {
            format!("changes {}", c.name)
        };
        s = s.with_hazard(HazardKind::TableRewrite, format!("{what}: copies the table, blocking writes"));
    }
    if setting_not_null {
        s = s.with_hazard(HazardKind::LongLock, "checks every row for NULLs");
        if backfill.is_none() {
            s = s.with_hazard(HazardKind::MayFail, format!("fails if {} holds NULLs", c.name));
        }
    }
    if (m.type_changed && !is_widening(&m.live.data_type, &c.data_type)) || m.charset_changed {
        s = s.with_hazard(HazardKind::MayFail, "fails (strict mode) if an existing value does not convert");
    }
    if c.auto_increment && !m.live.auto_increment {
        s = s.with_hazard(HazardKind::MayFail, "fails if the column holds duplicates, or zeros that get renumbered");
    }
    out.push(s);
}

/// Conversions that cannot fail on any value.
fn is_widening(from: &str, to: &str) -> bool {
    let rank = |t: &str| match t {
        "tinyint" => Some(1),
        "smallint" => Some(2),
        "mediumint" => Some(3),
        "int" => Some(4),
        "bigint" => Some(5),
        _ => None,
    };
    if let (Some(a), Some(b)) = (rank(from), rank(to)) {
        return b >= a;
    }
    let len = |t: &str, p: &str| t.strip_prefix(p).and_then(|r| r.strip_suffix(')')).and_then(|n| n.parse::<u64>().ok());
    if let (Some(a), Some(b)) = (len(from, "varchar("), len(to, "varchar(")) {
        return b >= a;
    }
    let text_rank = |t: &str| match t {
        "tinytext" => Some(1),
        "text" => Some(2),
        "mediumtext" => Some(3),
        "longtext" => Some(4),
        _ => None,
    };
    if let (Some(a), Some(b)) = (text_rank(from), text_rank(to)) {
        return b >= a;
    }
    // Values appended to an enum or set keep every existing value valid.
    for kind in ["enum(", "set("] {
        if let (Some(a), Some(b)) = (from.strip_prefix(kind), to.strip_prefix(kind)) {
            let a = a.strip_suffix(')').unwrap_or(a);
            if b.strip_prefix(a).is_some_and(|rest| rest.starts_with(',') || rest == ")") {
                return true;
            }
        }
    }
    (from.starts_with("varchar(") || from.starts_with("char(")) && matches!(to, "text" | "mediumtext" | "longtext")
        || (from == "float" && to == "double")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backticks_are_doubled() {
        assert_eq!(quote_ident("a`b"), "`a``b`");
        assert_eq!(quote_ident("order"), "`order`");
    }

    #[test]
    fn mysql8_defaults_get_parentheses_where_required() {
        assert_eq!(default_sql("uuid()", "char(36)", Flavor::Mysql), "(uuid())");
        assert_eq!(default_sql("uuid()", "char(36)", Flavor::MariaDb), "uuid()");
        assert_eq!(default_sql("CURRENT_TIMESTAMP", "timestamp", Flavor::Mysql), "CURRENT_TIMESTAMP");
        assert_eq!(default_sql("'x'", "text", Flavor::Mysql), "('x')");
        assert_eq!(default_sql("'x'", "varchar(3)", Flavor::Mysql), "'x'");
        assert_eq!(default_sql("'x'", "text", Flavor::MariaDb), "'x'");
    }

    #[test]
    fn widening_conversions() {
        assert!(is_widening("int", "bigint"));
        assert!(!is_widening("bigint", "int"));
        assert!(is_widening("varchar(10)", "varchar(20)"));
        assert!(!is_widening("varchar(20)", "varchar(10)"));
        assert!(is_widening("varchar(20)", "text"));
        assert!(!is_widening("text", "int"));
        assert!(is_widening("enum('a','b')", "enum('a','b','c')"));
        assert!(!is_widening("enum('a','b')", "enum('b','a')"));
        assert!(!is_widening("enum('a','b')", "enum('a','bc')"));
    }
}
