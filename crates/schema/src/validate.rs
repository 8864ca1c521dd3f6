//! Checks a parsed spec for mistakes that would otherwise surface as confusing database errors.

use crate::parse::{SpecError, Warning};
use crate::spec::{Column, ForeignKey, Index, MysqlTableSchema, TableSpec, Trigger};
use std::collections::HashSet;

pub fn validate_table(source: &str, spec: &TableSpec, warnings: &mut Vec<Warning>) -> Result<(), SpecError> {
    let err = |field: &str, message: String| SpecError::Field {
        file: source.to_string(),
        table: spec.name.clone(),
        field: field.to_string(),
        message,
    };
    if spec.name.trim().is_empty() {
        return Err(err("spec.name", "missing table name".into()));
    }
    if spec.name.contains('\0') {
        return Err(err("spec.name", "contains a NUL character".into()));
    }
    if let Some(from) = &spec.renamed_from
        && from.trim().is_empty()
    {
        return Err(err("spec.renamedFrom", "empty previous table name".into()));
    }
    let Some(schema) = &spec.schema else {
        if spec.seed_data.is_none() {
            warnings.push(Warning { source: source.to_string(), message: format!("table {:?} has no schema", spec.name) });
        }
        return Ok(());
    };
    if let Some(pg) = &schema.postgres {
        if let Some(s) = &pg.schema
            && s.trim().is_empty()
        {
            return Err(err("spec.schema.postgres.schema", "empty schema name".into()));
        }
        check_parts(
            "spec.schema.postgres",
            &pg.columns,
            &pg.primary_key,
            &pg.indexes,
            &pg.foreign_keys,
            &pg.triggers,
            pg.is_deleted,
            &err,
        )?;
    }
    if let Some(pg) = &schema.cockroachdb {
        check_parts(
            "spec.schema.cockroachdb",
            &pg.columns,
            &pg.primary_key,
            &pg.indexes,
            &pg.foreign_keys,
            &pg.triggers,
            pg.is_deleted,
            &err,
        )?;
    }
    if let Some(lite) = &schema.sqlite {
        check_parts(
            "spec.schema.sqlite",
            &lite.columns,
            &lite.primary_key,
            &lite.indexes,
            &lite.foreign_keys,
            &lite.triggers,
            lite.is_deleted,
            &err,
        )?;
    }
    if let Some(lite) = &schema.rqlite {
        check_parts(
            "spec.schema.rqlite",
            &lite.columns,
            &lite.primary_key,
            &lite.indexes,
            &lite.foreign_keys,
            &lite.triggers,
            lite.is_deleted,
            &err,
        )?;
    }
    if let Some(my) = &schema.mysql {
        let columns: Vec<Column> = my.columns.iter().map(|c| c.as_column()).collect();
        check_parts("spec.schema.mysql", &columns, &my.primary_key, &my.indexes, &my.foreign_keys, &[], my.is_deleted, &err)?;
    }
    crate::checks::validate_sections(source, schema, warnings, &err)?;
    // Everything that reaches SQL: quoted, or valid in the engine's grammar (`sql_safety`).
    crate::sql_safety::check_table(spec, &err)?;
    if let Some(my) = &schema.mysql {
        check_mysql_names("spec.schema.mysql", my, &err)?;
    }
    if let Some(seed) = &spec.seed_data {
        for (r, row) in seed.rows.iter().enumerate() {
            for (c, col) in row.columns.iter().enumerate() {
                let field = format!("spec.seedData.rows[{r}].columns[{c}]");
                if col.column.trim().is_empty() {
                    return Err(err(&format!("{field}.column"), "missing column name".into()));
                }
                if col.value.int.is_some() && col.value.str.is_some() {
                    return Err(err(&format!("{field}.value"), "set either int or str, not both".into()));
                }
            }
        }
    }
    Ok(())
}

#[allow(clippy::too_many_arguments)]
fn check_parts(
    base: &str,
    columns: &[Column],
    primary_key: &[String],
    indexes: &[Index],
    foreign_keys: &[ForeignKey],
    triggers: &[Trigger],
    is_deleted: bool,
    err: &dyn Fn(&str, String) -> SpecError,
) -> Result<(), SpecError> {
    if is_deleted {
        return Ok(()); // the rest of a deleted table's spec is irrelevant
    }
    if columns.is_empty() {
        return Err(err(&format!("{base}.columns"), "a table needs at least one column".into()));
    }
    let mut names = HashSet::new();
    for (i, column) in columns.iter().enumerate() {
        let field = format!("{base}.columns[{i}]");
        if column.name.is_empty() {
            return Err(err(&format!("{field}.name"), "missing column name".into()));
        }
        if column.name.contains('\0') {
            return Err(err(&format!("{field}.name"), "contains a NUL character".into()));
        }
        if !names.insert(column.name.as_str()) {
            return Err(err(&format!("{field}.name"), format!("duplicate column {:?}", column.name)));
        }
        if column.data_type.trim().is_empty() {
            return Err(err(&format!("{field}.type"), format!("missing type for column {:?}", column.name)));
        }
    }
    let mut renamed = HashSet::new();
    for (i, column) in columns.iter().enumerate() {
        let Some(from) = &column.renamed_from else {
            continue;
        };
        let field = format!("{base}.columns[{i}].renamedFrom");
        if from.trim().is_empty() {
            return Err(err(&field, format!("empty previous name for column {:?}", column.name)));
        }
        // Renaming onto a name the spec also uses (a swap, a chain) cannot be planned one rename
        // at a time without data going to the wrong column.
        if from != &column.name && names.contains(from.as_str()) {
            return Err(err(&field, format!("column {:?} is renamed from {from:?}, which the spec also names as a column", column.name)));
        }
        if !renamed.insert(from.as_str()) {
            return Err(err(&field, format!("two columns are renamed from {from:?}")));
        }
    }
    let known = |list: &[String], field: &str| -> Result<(), SpecError> {
        for (i, c) in list.iter().enumerate() {
            if !names.contains(c.as_str()) {
                return Err(err(&format!("{field}[{i}]"), format!("column {c:?} does not exist in this table")));
            }
        }
        Ok(())
    };
    known(primary_key, &format!("{base}.primaryKey"))?;
    for (i, index) in indexes.iter().enumerate() {
        let field = format!("{base}.indexes[{i}].columns");
        if index.columns.is_empty() {
            return Err(err(&field, "an index needs at least one column".into()));
        }
        known(&index.columns, &field)?;
        if index.name.as_deref().is_some_and(|n| n.trim().is_empty()) {
            return Err(err(&format!("{base}.indexes[{i}].name"), "empty index name".into()));
        }
    }
    for (i, fk) in foreign_keys.iter().enumerate() {
        let field = format!("{base}.foreignKeys[{i}]");
        if fk.columns.is_empty() {
            return Err(err(&format!("{field}.columns"), "a foreign key needs at least one column".into()));
        }
        known(&fk.columns, &format!("{field}.columns"))?;
        if fk.references.table.trim().is_empty() {
            return Err(err(&format!("{field}.references.table"), "missing referenced table".into()));
        }
        if fk.references.columns.len() != fk.columns.len() {
            return Err(err(
                &format!("{field}.references.columns"),
                format!("{} referenced column(s) for {} column(s)", fk.references.columns.len(), fk.columns.len()),
            ));
        }
        if let Some(action) = &fk.on_delete
            && normalize_fk_action(action).is_none()
        {
            return Err(err(
                &format!("{field}.onDelete"),
                format!("unknown action {action:?} (expected CASCADE, SET NULL, SET DEFAULT, RESTRICT or NO ACTION)"),
            ));
        }
    }
    for (i, trigger) in triggers.iter().enumerate() {
        let field = format!("{base}.triggers[{i}]");
        if trigger.name.trim().is_empty() {
            return Err(err(&format!("{field}.name"), "missing trigger name".into()));
        }
        if trigger.events.is_empty() {
            return Err(err(&format!("{field}.events"), "a trigger needs at least one event".into()));
        }
        let procedure = trigger.execute_procedure.as_deref().is_some_and(|p| !p.trim().is_empty());
        let execute = trigger.execute.as_ref().is_some_and(|e| !e.name.trim().is_empty());
        if procedure == execute {
            return Err(err(&format!("{field}.execute"), "set exactly one of execute (with a name) or executeProcedure".into()));
        }
        if let Some(kind) = trigger.execute.as_ref().and_then(|e| e.kind.as_deref())
            && !kind.eq_ignore_ascii_case("procedure")
            && !kind.eq_ignore_ascii_case("function")
        {
            return Err(err(&format!("{field}.execute.type"), format!("unknown type {kind:?} (expected Procedure or Function)")));
        }
        let timing = trigger.events.first().map(|e| e.trim().to_ascii_lowercase()).unwrap_or_default();
        if !(timing.starts_with("before ") || timing.starts_with("after ") || timing.starts_with("instead of ")) {
            return Err(err(&format!("{field}.events[0]"), "must start with BEFORE, AFTER or INSTEAD OF".into()));
        }
    }
    Ok(())
}

/// MySQL-only check: a collation names its charset. (Charset and collation names, and index
/// types, are checked with everything else that reaches SQL in `sql_safety`.)
fn check_mysql_names(base: &str, my: &MysqlTableSchema, err: &dyn Fn(&str, String) -> SpecError) -> Result<(), SpecError> {
    if my.is_deleted {
        return Ok(());
    }
    let matches = |charset: &Option<String>, collation: &Option<String>, field: &str| -> Result<(), SpecError> {
        if let (Some(cs), Some(co)) = (charset, collation) {
            let cs = cs.to_ascii_lowercase();
            let co = co.to_ascii_lowercase();
            let same = co.starts_with(&format!("{cs}_"))
                || (cs == "utf8" && co.starts_with("utf8mb3_"))
                || (cs == "utf8mb3" && co.starts_with("utf8_"));
            if !same {
                return Err(err(field, format!("collation {co:?} does not belong to charset {cs:?}")));
            }
        }
        Ok(())
    };
    matches(&my.default_charset, &my.collation, &format!("{base}.collation"))?;
    for (i, c) in my.columns.iter().enumerate() {
        matches(&c.charset, &c.collation, &format!("{base}.columns[{i}].collation"))?;
    }
    Ok(())
}

/// Canonical spelling of a referential action, or None if it is not one.
pub fn normalize_fk_action(action: &str) -> Option<&'static str> {
    let words: Vec<String> = action.split_whitespace().map(|w| w.to_ascii_uppercase()).collect();
    match words.iter().map(String::as_str).collect::<Vec<_>>().as_slice() {
        ["CASCADE"] => Some("CASCADE"),
        ["SET", "NULL"] => Some("SET NULL"),
        ["SET", "DEFAULT"] => Some("SET DEFAULT"),
        ["RESTRICT"] => Some("RESTRICT"),
        ["NO", "ACTION"] | [] => Some("NO ACTION"),
        _ => None,
    }
}

#[cfg(test)]
mod mysql_tests {
    use crate::{Document, SpecError, parse_documents};

    fn parse(text: &str) -> Result<crate::TableManifest, SpecError> {
        let parsed = parse_documents("t.yaml", text)?;
        match parsed.documents.into_iter().next() {
            Some(Document::Table(t)) => Ok(t),
            other => panic!("not a table: {other:?}"),
        }
    }

    const BASE: &str = "database: db\nname: t\nschema:\n  mysql:\n    defaultCharset: latin1\n    collation: latin1_bin\n    primaryKey: [id]\n    columns:\n      - name: id\n        type: int\n        attributes: {autoIncrement: true}\n      - name: s\n        type: varchar(10)\n        charset: utf8mb4\n        collation: utf8mb4_bin\n        default: x\n";

    #[test]
    fn reads_the_mysql_section_with_its_own_fields() {
        let t = parse(BASE).unwrap();
        let my = t.spec.schema.and_then(|s| s.mysql).unwrap();
        assert_eq!((my.default_charset.as_deref(), my.collation.as_deref()), (Some("latin1"), Some("latin1_bin")));
        assert!(my.columns[0].auto_increment());
        assert_eq!((my.columns[1].charset.as_deref(), my.columns[1].default.as_deref()), (Some("utf8mb4"), Some("x")));
    }

    #[test]
    fn rejects_mismatched_collations_bad_names_and_unknown_index_types() {
        let err = parse(&BASE.replace("collation: utf8mb4_bin", "collation: latin1_bin")).unwrap_err().to_string();
        assert!(err.contains("spec.schema.mysql.columns[1].collation") && err.contains("does not belong"), "{err}");
        let err = parse(&BASE.replace("defaultCharset: latin1", "defaultCharset: \"latin1; DROP\"")).unwrap_err().to_string();
        assert!(err.contains("spec.schema.mysql.defaultCharset"), "{err}");
        let err = parse(&format!("{BASE}    indexes:\n      - columns: [s]\n        type: gin\n")).unwrap_err().to_string();
        assert!(err.contains("spec.schema.mysql.indexes[0].type"), "{err}");
        let err = parse(&format!("{BASE}    indexes:\n      - columns: [nope]\n")).unwrap_err().to_string();
        assert!(err.contains("does not exist"), "{err}");
    }
}
