//! Rendering change data as MySQL DDL with hazards, in an order that is safe across tables.
//!
//! MySQL DDL is not transactional: every statement commits on its own, so the order matters
//! twice — each statement must be valid after the ones before it, and a failure part-way must
//! leave something a re-plan can finish.

use crate::Flavor;
use crate::diff::{ColumnModify, TableDiff};
use crate::model::{CheckDef, ColumnDef, ForeignKeyDef, IndexDef, TableDef};
use crate::normalize::{is_literal, is_time_keyword, needs_expression_default, quote_literal};
use crate::online::{Path, Rules, Server, TableFacts};
use schemahero_plan::rows::RowCount;
use schemahero_plan::{HazardKind, PlannedStatement};

/// Backtick-quotes an identifier, doubling embedded backticks.
pub use schemahero_schema::seed::quote_mysql_ident as quote_ident;

pub struct TableWork {
    pub name: String,
    pub diff: TableDiff,
    pub seed: Vec<PlannedStatement>,
    /// The live table (None when the plan creates it).
    pub live: Option<TableDef>,
    /// What the catalog says about the live table (engine, row format).
    pub facts: TableFacts,
    /// The rows a dropped table or column takes with it (only counted when the plan drops).
    pub rows: Option<RowCount>,
}

impl TableWork {
    /// The online-DDL rules for the existing table.
    fn rules(&self, server: Server) -> Option<Rules<'_>> {
        self.live.as_ref().filter(|_| self.diff.create.is_none()).map(|live| Rules::new(server, &self.facts, live))
    }

    fn rows(&self) -> String {
        self.rows.map(|r| format!(" ({r})")).unwrap_or_default()
    }
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
pub fn render(mut work: Vec<TableWork>, server: Server) -> Vec<PlannedStatement> {
    let flavor = server.flavor;
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
            let clause = w.rules(server).map(|r| r.drop_foreign_key().alter_clause()).unwrap_or_default();
            out.push(PlannedStatement::new(
                &w.name,
                format!("ALTER TABLE {} DROP FOREIGN KEY {}{clause}", quote_ident(&w.name), quote_ident(fk)),
            ));
        }
    }
    for w in &work {
        if w.diff.drop {
            out.push(
                PlannedStatement::new(&w.name, format!("DROP TABLE {}", quote_ident(&w.name)))
                    .with_hazard(HazardKind::DeletesData, format!("drops table {} and all its rows{}", w.name, w.rows())),
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
        render_alters(w, server, &mut out);
    }
    for w in &work {
        for fk in &w.diff.add_foreign_keys {
            let mut s = PlannedStatement::new(&w.name, add_fk_sql(&w.name, fk));
            if let Some(rules) = w.rules(server) {
                // No clause: with foreign_key_checks on, only a copy checks the existing rows.
                let cost = rules.add_foreign_key();
                s = s
                    .with_hazard(HazardKind::LongLock, format!("checks every existing row, {}", cost.describe()))
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

fn create_index_sql(table: &str, ix: &IndexDef, clause: &str) -> String {
    let kind = match (ix.method.as_str(), ix.unique) {
        ("fulltext", _) => "FULLTEXT ",
        ("spatial", _) => "SPATIAL ",
        (_, true) => "UNIQUE ",
        _ => "",
    };
    format!(
        "CREATE {kind}INDEX {} ON {} ({}){clause}",
        quote_ident(ix.name.as_deref().unwrap_or_default()),
        quote_ident(table),
        columns_list(&ix.columns)
    )
}

fn render_alters(w: &TableWork, server: Server, out: &mut Vec<PlannedStatement>) {
    let flavor = server.flavor;
    let t = &w.name;
    let table = quote_ident(t);
    let rules = w.rules(server);
    // New tables are empty: their statements need neither clauses nor hazards.
    let clause = |cost: Option<crate::online::Cost>| cost.map(|c| c.alter_clause()).unwrap_or_default();
    if let Some((cs, co)) = &w.diff.table_charset {
        // Only the default for new columns changes; existing columns keep theirs and are
        // modified below where the spec wants them to follow the table.
        let clause = clause(rules.as_ref().map(|r| r.table_charset()));
        out.push(PlannedStatement::new(t, format!("ALTER TABLE {table} DEFAULT CHARACTER SET {cs} COLLATE {co}{clause}")));
    }
    if let Some(comment) = &w.diff.table_comment {
        out.push(PlannedStatement::new(
            t,
            format!("ALTER TABLE {table} COMMENT = {}", quote_literal(comment.as_deref().unwrap_or_default())),
        ));
    }
    for ix in &w.diff.drop_indexes {
        let clause = clause(rules.as_ref().map(|r| r.drop_index()));
        out.push(PlannedStatement::new(
            t,
            format!("ALTER TABLE {table} DROP INDEX {}{clause}", quote_ident(ix.name.as_deref().unwrap_or_default())),
        ));
    }
    for name in &w.diff.drop_checks {
        out.push(PlannedStatement::new(t, format!("ALTER TABLE {table} DROP CONSTRAINT {}", quote_ident(name))));
    }
    for m in &w.diff.modify_before_key {
        render_modify(t, m, flavor, rules.as_ref(), out);
    }
    // A primary key replaced by another is swapped in one statement, which InnoDB builds in
    // place (a key dropped on its own is copied), unless a column of the old key is dropped
    // first (that would shrink the old key, which may then hold duplicates) or made nullable
    // (while it is in a primary key the server silently keeps it NOT NULL).
    let live_key = w.live.as_ref().map(|l| l.primary_key_columns()).unwrap_or_default();
    let swap_key = rules.is_some()
        && w.diff.drop_primary_key
        && w.diff.add_primary_key.is_some()
        && !w.diff.drop_columns.iter().any(|c| live_key.contains(c))
        && !w.diff.modify.iter().any(|m| live_key.contains(&m.desired.name) && !m.desired.not_null);
    if w.diff.drop_primary_key && !swap_key {
        let cost = rules.as_ref().map(|r| r.drop_primary_key());
        let mut s = PlannedStatement::new(t, format!("ALTER TABLE {table} DROP PRIMARY KEY{}", clause(cost)));
        if let Some(cost) = cost {
            s = s.with_hazard(HazardKind::TableRewrite, format!("drops the clustered index, {}", cost.describe()));
        }
        out.push(s);
    }
    for c in &w.diff.drop_columns {
        let cost = rules.as_ref().map(|r| r.drop_column(c, w.diff.drop_primary_key && !swap_key));
        let mut s = PlannedStatement::new(t, format!("ALTER TABLE {table} DROP COLUMN {}{}", quote_ident(c), clause(cost)));
        let deletes = format!("drops column {c} and its data{}", w.rows());
        s = match cost {
            Some(cost) if cost.rebuild => s
                .with_hazard(HazardKind::DeletesData, deletes)
                .with_hazard(HazardKind::TableRewrite, format!("drops {c}, {}", cost.describe())),
            Some(cost) => s.with_hazard(HazardKind::DeletesData, format!("{deletes}, {}", cost.describe())),
            None => s.with_hazard(HazardKind::DeletesData, deletes),
        };
        out.push(s);
    }
    for c in &w.diff.add_columns {
        let constant = c.default.as_deref().is_none_or(|d| is_literal(d) || is_time_keyword(d));
        let cost = rules.as_ref().map(|r| r.add_column(constant));
        let mut s = PlannedStatement::new(t, format!("ALTER TABLE {table} ADD COLUMN {}{}", column_definition(c, flavor), clause(cost)));
        if let Some(cost) = cost {
            if c.not_null && c.default.is_none() {
                s = s.with_hazard(HazardKind::UpdatesRows, "existing rows get the type's implicit default (0, '' or the zero date)");
            }
            if !constant {
                s = s.with_hazard(
                    HazardKind::TableRewrite,
                    format!("an expression default may be evaluated for every row, {}", cost.describe()),
                );
            } else if cost.rebuild {
                s = s.with_hazard(HazardKind::TableRewrite, format!("adds {}, {}", c.name, cost.describe()));
            }
        }
        out.push(s);
    }
    for m in &w.diff.modify {
        render_modify(t, m, flavor, rules.as_ref(), out);
    }
    if let Some(pk) = &w.diff.add_primary_key {
        let cost = rules.as_ref().map(|r| r.add_primary_key(key_columns_not_null(w, pk)));
        let drop = if swap_key { "DROP PRIMARY KEY, " } else { "" };
        let mut s = PlannedStatement::new(t, format!("ALTER TABLE {table} {drop}ADD PRIMARY KEY ({}){}", columns_list(pk), clause(cost)));
        if let Some(cost) = cost {
            let what = if swap_key { "replaces the clustered index" } else { "builds the clustered index" };
            s = s
                .with_hazard(HazardKind::IndexBuild, format!("{what}, {}", cost.describe()))
                .with_hazard(HazardKind::MayFail, "fails on duplicate or NULL keys");
        }
        out.push(s);
    }
    for m in &w.diff.modify_after_key {
        render_modify(t, m, flavor, rules.as_ref(), out);
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
        let clause = clause(rules.as_ref().map(|r| r.rename_index()));
        out.push(PlannedStatement::new(
            t,
            format!("ALTER TABLE {table} RENAME INDEX {} TO {}{clause}", quote_ident(old), quote_ident(new)),
        ));
    }
    for ix in &w.diff.create_indexes {
        let cost = rules.as_ref().map(|r| r.add_index(ix));
        let mut s = PlannedStatement::new(t, create_index_sql(t, ix, cost.map(|c| c.index_clause()).unwrap_or_default()));
        if let Some(cost) = cost {
            s = s.with_hazard(HazardKind::IndexBuild, format!("builds an index over every row, {}", cost.describe()));
            if ix.unique {
                s = s.with_hazard(HazardKind::MayFail, "fails if existing rows hold duplicates");
            }
        }
        out.push(s);
    }
}

/// Every column of a new primary key is NOT NULL once the statements before the key ran
/// (live, added, or made NOT NULL by an earlier modify).
fn key_columns_not_null(w: &TableWork, pk: &[String]) -> bool {
    pk.iter().all(|name| {
        w.diff
            .add_columns
            .iter()
            .chain(w.diff.modify_before_key.iter().chain(&w.diff.modify).map(|m| &m.desired))
            .any(|c| &c.name == name && c.not_null)
            || w.live.as_ref().and_then(|l| l.column(name)).is_some_and(|c| c.not_null)
    })
}

fn render_modify(t: &str, m: &ColumnModify, flavor: Flavor, rules: Option<&Rules<'_>>, out: &mut Vec<PlannedStatement>) {
    let table = quote_ident(t);
    let c = &m.desired;
    let col = quote_ident(&c.name);
    if m.only_default() {
        let clause = rules.map(|r| r.set_default().alter_clause()).unwrap_or_default();
        let sql = match &c.default {
            Some(d) => format!("ALTER TABLE {table} ALTER COLUMN {col} SET DEFAULT {}{clause}", default_sql(d, &c.data_type, flavor)),
            None => format!("ALTER TABLE {table} ALTER COLUMN {col} DROP DEFAULT{clause}"),
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
    let cost = rules.map(|r| r.modify(m));
    let clause = cost.map(|c| c.alter_clause()).unwrap_or_default();
    let mut s = PlannedStatement::new(t, format!("ALTER TABLE {table} MODIFY COLUMN {}{clause}", column_definition(c, flavor)));
    // A column of a table this plan creates: nothing to rewrite, check or convert.
    let Some(cost) = cost else {
        out.push(s);
        return;
    };
    if cost.rebuild {
        let what = if m.type_changed {
            format!("changes {} from {} to {}", c.name, m.live.data_type, c.data_type)
        } else if m.charset_changed {
            format!("converts {} to {}", c.name, c.ext.collation.as_deref().unwrap_or_default())
        } else if m.null_changed {
            format!("makes {} {}", c.name, if c.not_null { "NOT NULL" } else { "nullable" })
        } else if c.auto_increment != m.live.auto_increment {
            format!("makes {} {}", c.name, if c.auto_increment { "AUTO_INCREMENT" } else { "a plain column" })
        } else {
            format!("changes {}", c.name)
        };
        s = s.with_hazard(HazardKind::TableRewrite, format!("{what}, {}", cost.describe()));
    }
    if setting_not_null {
        if cost.blocks_writes() {
            s = s.with_hazard(HazardKind::LongLock, "checks every row for NULLs");
        }
        // Online, a write may store a NULL while the table is rebuilt: the statement then fails.
        let concurrent = if cost.blocks_writes() { "" } else { ", or if a write stores one while the table is rebuilt" };
        if backfill.is_none() {
            s = s.with_hazard(HazardKind::MayFail, format!("fails if {} holds NULLs{concurrent}", c.name));
        } else if !concurrent.is_empty() {
            s = s.with_hazard(HazardKind::MayFail, format!("fails if a write stores NULL in {} while the table is rebuilt", c.name));
        }
    }
    if (m.type_changed && !is_widening(&m.live.data_type, &c.data_type)) || m.charset_changed && cost.rebuild {
        s = s.with_hazard(HazardKind::MayFail, "fails (strict mode) if an existing value does not convert");
    }
    if m.charset_changed && !cost.rebuild && cost.path == Path::Online {
        s = s.with_hazard(HazardKind::MayFail, "fails if a unique index on it holds values the new collation treats as equal");
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
