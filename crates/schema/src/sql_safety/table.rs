//! Applies the checks of this module to every spec field that reaches SQL, section by section,
//! so that an error names the field (`spec.schema.postgres.columns[2].type`).

use super::{
    Dialect, check_charset_name, check_check_expression, check_default, check_expression, check_identifier, check_index_method,
    check_param_mode, check_pg_type, check_plain_name, check_storage_parameter, check_trigger_event, check_type, truncate_identifier,
};
use crate::parse::SpecError;
use crate::spec::{Check, Column, ForeignKey, Index, MysqlTableSchema, TableSpec, Trigger};
use std::collections::HashMap;

type ErrFn<'a> = &'a dyn Fn(&str, String) -> SpecError;

/// One engine section, seen the same way whatever its engine.
struct Section<'a> {
    base: &'static str,
    dialect: Dialect,
    schema: Option<&'a str>,
    columns: Vec<Column>,
    indexes: &'a [Index],
    foreign_keys: &'a [ForeignKey],
    triggers: &'a [Trigger],
    checks: &'a [Check],
    is_deleted: bool,
}

pub(crate) fn check_table(spec: &TableSpec, err: ErrFn<'_>) -> Result<(), SpecError> {
    let Some(schema) = &spec.schema else {
        return Ok(());
    };
    let mut sections = Vec::new();
    for (base, pg) in [("spec.schema.postgres", &schema.postgres), ("spec.schema.cockroachdb", &schema.cockroachdb)] {
        if let Some(pg) = pg {
            sections.push(Section {
                base,
                dialect: Dialect::Postgres,
                schema: pg.schema.as_deref(),
                columns: pg.columns.clone(),
                indexes: &pg.indexes,
                foreign_keys: &pg.foreign_keys,
                triggers: &pg.triggers,
                checks: pg.checks.as_deref().unwrap_or_default(),
                is_deleted: pg.is_deleted,
            });
        }
    }
    for (base, lite) in [("spec.schema.sqlite", &schema.sqlite), ("spec.schema.rqlite", &schema.rqlite)] {
        if let Some(lite) = lite {
            sections.push(Section {
                base,
                dialect: Dialect::Sqlite,
                schema: None,
                columns: lite.columns.clone(),
                indexes: &lite.indexes,
                foreign_keys: &lite.foreign_keys,
                triggers: &lite.triggers,
                checks: lite.checks.as_deref().unwrap_or_default(),
                is_deleted: lite.is_deleted,
            });
        }
    }
    if let Some(my) = &schema.mysql {
        sections.push(Section {
            base: "spec.schema.mysql",
            dialect: Dialect::Mysql,
            schema: None,
            columns: my.columns.iter().map(|c| c.as_column()).collect(),
            indexes: &my.indexes,
            foreign_keys: &my.foreign_keys,
            triggers: &[],
            checks: my.checks.as_deref().unwrap_or_default(),
            is_deleted: my.is_deleted,
        });
    }
    for section in &sections {
        check_section(spec, section, err)?;
    }
    if let Some(my) = &schema.mysql {
        check_mysql_charsets(my, err)?;
    }
    check_seed_columns(spec, &sections, err)
}

fn check_section(spec: &TableSpec, s: &Section<'_>, err: ErrFn<'_>) -> Result<(), SpecError> {
    let base = s.base;
    let name = |field: String, value: &str| check_identifier(s.dialect, value).map_err(|m| err(&field, m));
    name("spec.name".into(), &spec.name)?;
    if let Some(from) = &spec.renamed_from {
        name("spec.renamedFrom".into(), from)?;
    }
    if let Some(schema) = s.schema {
        name(format!("{base}.schema"), schema)?;
    }
    if s.is_deleted {
        return Ok(()); // only the table is dropped; the rest of its spec is not used
    }
    for (i, c) in s.columns.iter().enumerate() {
        let field = format!("{base}.columns[{i}]");
        name(format!("{field}.name"), &c.name)?;
        if let Some(from) = &c.renamed_from {
            name(format!("{field}.renamedFrom"), from)?;
        }
        let column = |m: String| format!("column {:?}: {m}", c.name);
        check_type(s.dialect, &c.data_type).map_err(|m| err(&format!("{field}.type"), column(format!("type {:?}: {m}", c.data_type))))?;
        if let Some(default) = &c.default {
            check_default(s.dialect, default).map_err(|m| err(&format!("{field}.default"), column(m)))?;
        }
    }
    check_indexes(spec, s, err)?;
    check_foreign_keys(spec, s, err)?;
    for (i, t) in s.triggers.iter().enumerate() {
        check_trigger(s, &format!("{base}.triggers[{i}]"), t, err)?;
    }
    for (i, c) in s.checks.iter().enumerate() {
        let field = format!("{base}.checks[{i}]");
        name(format!("{field}.name"), &c.name)?;
        check_check_expression(s.dialect, &c.expression)
            .map_err(|m| err(&format!("{field}.expression"), format!("check {:?}: {:?}: {m}", c.name, c.expression)))?;
    }
    Ok(())
}

/// Names SchemaHero generates are cut to the limit as the database would (Postgres) or must
/// (MySQL); two different names that become one after the cut are an error.
fn generated_collision(s: &Section<'_>, seen: &mut HashMap<String, (String, String)>, field: String, full: String) -> Result<(), String> {
    let cut = truncate_identifier(s.dialect, &full);
    match seen.get(&cut) {
        Some((other_field, other_full)) if *other_full != full => Err(format!(
            "its generated name {full:?} and that of {other_field} ({other_full:?}) are the same once cut to the name length \
             limit ({cut:?}); give one of them a name"
        )),
        _ => {
            seen.insert(cut, (field, full));
            Ok(())
        }
    }
}

fn check_indexes(spec: &TableSpec, s: &Section<'_>, err: ErrFn<'_>) -> Result<(), SpecError> {
    let mut seen = HashMap::new();
    for (i, ix) in s.indexes.iter().enumerate() {
        let field = format!("{}.indexes[{i}]", s.base);
        match &ix.name {
            Some(n) => check_identifier(s.dialect, n).map_err(|m| err(&format!("{field}.name"), m))?,
            None if s.dialect != Dialect::Sqlite => {
                let full = format!("idx_{}_{}", spec.name, ix.columns.join("_"));
                generated_collision(s, &mut seen, field.clone(), full).map_err(|m| err(&field, m))?;
            }
            None => {}
        }
        if let Some(method) = &ix.index_type {
            check_index_method(s.dialect, method).map_err(|m| err(&format!("{field}.type"), m))?;
        }
        if s.dialect == Dialect::Postgres {
            for (key, value) in &ix.with {
                check_storage_parameter(key, value).map_err(|m| err(&format!("{field}.with.{key}"), m))?;
            }
        }
    }
    Ok(())
}

fn check_foreign_keys(spec: &TableSpec, s: &Section<'_>, err: ErrFn<'_>) -> Result<(), SpecError> {
    let mut seen = HashMap::new();
    for (i, fk) in s.foreign_keys.iter().enumerate() {
        let field = format!("{}.foreignKeys[{i}]", s.base);
        match &fk.name {
            Some(n) => check_identifier(s.dialect, n).map_err(|m| err(&format!("{field}.name"), m))?,
            None if s.dialect != Dialect::Sqlite => {
                let full = format!("{}_{}_fkey", spec.name, fk.columns.join("_"));
                generated_collision(s, &mut seen, field.clone(), full).map_err(|m| err(&field, m))?;
            }
            None => {}
        }
        check_identifier(s.dialect, &fk.references.table).map_err(|m| err(&format!("{field}.references.table"), m))?;
        for (j, c) in fk.references.columns.iter().enumerate() {
            check_identifier(s.dialect, c).map_err(|m| err(&format!("{field}.references.columns[{j}]"), m))?;
        }
        // onDelete is checked against the known actions by `validate` (and written canonically).
    }
    Ok(())
}

fn check_trigger(s: &Section<'_>, field: &str, t: &Trigger, err: ErrFn<'_>) -> Result<(), SpecError> {
    check_identifier(s.dialect, &t.name).map_err(|m| err(&format!("{field}.name"), m))?;
    for (j, event) in t.events.iter().enumerate() {
        check_trigger_event(s.dialect, event).map_err(|m| err(&format!("{field}.events[{j}]"), format!("{event:?}: {m}")))?;
    }
    if let Some(condition) = &t.condition {
        check_expression(s.dialect, condition).map_err(|m| err(&format!("{field}.condition"), format!("{condition:?}: {m}")))?;
    }
    // SQLite takes `execute.name` as the trigger body, like `executeProcedure`: trusted SQL.
    if s.dialect == Dialect::Postgres
        && let Some(exec) = &t.execute
    {
        check_identifier(s.dialect, &exec.name).map_err(|m| err(&format!("{field}.execute.name"), m))?;
        if let Some(schema) = &exec.schema {
            check_identifier(s.dialect, schema).map_err(|m| err(&format!("{field}.execute.schema"), m))?;
        }
        for (k, p) in exec.params.iter().enumerate() {
            let pf = format!("{field}.execute.params[{k}]");
            if let Some(mode) = p.mode.as_deref().filter(|m| !m.is_empty()) {
                check_param_mode(mode).map_err(|m| err(&format!("{pf}.mode"), m))?;
            }
            if let Some(name) = p.name.as_deref().filter(|n| !n.is_empty()) {
                check_plain_name(name).map_err(|m| err(&format!("{pf}.name"), m))?;
            }
            check_pg_type(&p.param_type).map_err(|m| err(&format!("{pf}.type"), format!("type {:?}: {m}", p.param_type)))?;
        }
    }
    Ok(())
}

/// Charset and collation names are written into MySQL DDL unquoted.
fn check_mysql_charsets(my: &MysqlTableSchema, err: ErrFn<'_>) -> Result<(), SpecError> {
    if my.is_deleted {
        return Ok(());
    }
    let base = "spec.schema.mysql";
    let word = |field: String, v: &Option<String>| match v {
        Some(s) => check_charset_name(s).map_err(|m| err(&field, m)),
        None => Ok(()),
    };
    word(format!("{base}.defaultCharset"), &my.default_charset)?;
    word(format!("{base}.collation"), &my.collation)?;
    for (i, c) in my.columns.iter().enumerate() {
        word(format!("{base}.columns[{i}].charset"), &c.charset)?;
        word(format!("{base}.columns[{i}].collation"), &c.collation)?;
    }
    Ok(())
}

/// Seed rows name columns of the table: the same length limits apply.
fn check_seed_columns(spec: &TableSpec, sections: &[Section<'_>], err: ErrFn<'_>) -> Result<(), SpecError> {
    let Some(seed) = &spec.seed_data else {
        return Ok(());
    };
    for s in sections {
        for (r, row) in seed.rows.iter().enumerate() {
            for (c, col) in row.columns.iter().enumerate() {
                check_identifier(s.dialect, &col.column).map_err(|m| err(&format!("spec.seedData.rows[{r}].columns[{c}].column"), m))?;
            }
        }
    }
    Ok(())
}
