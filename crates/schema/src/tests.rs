use crate::{Document, SpecError, parse_documents};

fn tables(text: &str) -> (Vec<crate::TableManifest>, Vec<crate::Warning>) {
    let parsed = parse_documents("t.yaml", text).unwrap();
    let tables = parsed
        .documents
        .into_iter()
        .filter_map(|d| match d {
            Document::Table(t) => Some(t),
            Document::Other(_) => None,
        })
        .collect();
    (tables, parsed.warnings)
}

const GUIDE: &str = "apiVersion: schemas.schemahero.io/v1alpha4
kind: Table
metadata:
  name: users
  namespace: default
spec:
  database: my-database
  name: users
  schema:
    postgres:
      primaryKey: [id]
      columns:
        - name: id
          type: uuid
          default: gen_random_uuid()
        - name: email
          type: varchar(255)
          constraints:
            notNull: true
";

#[test]
fn reads_the_operator_guide_table() {
    let (t, warnings) = tables(GUIDE);
    assert!(warnings.is_empty(), "{warnings:?}");
    assert_eq!(t.len(), 1);
    let pg = t[0].spec.schema.as_ref().unwrap().postgres.as_ref().unwrap();
    assert_eq!(t[0].metadata_name.as_deref(), Some("users"));
    assert_eq!(t[0].namespace.as_deref(), Some("default"));
    assert_eq!(pg.primary_key, vec!["id"]);
    assert_eq!(pg.columns[0].default.as_deref(), Some("gen_random_uuid()"));
    assert!(pg.columns[1].not_null());
    assert!(!pg.columns[0].not_null());
}

#[test]
fn reads_bare_specs_and_several_documents() {
    let text = "database: db\nname: a\nschema:\n  sqlite:\n    columns:\n      - name: x\n        type: integer\n---\n---\ndatabase: db\nname: b\nschema:\n  sqlite:\n    strict: true\n    columns:\n      - name: y\n        type: text\n        default: 0\n";
    let (t, _) = tables(text);
    assert_eq!(t.iter().map(|t| t.spec.name.as_str()).collect::<Vec<_>>(), vec!["a", "b"]);
    assert_eq!(t[0].source, "t.yaml#1");
    let lite = t[1].spec.schema.as_ref().unwrap().sqlite.as_ref().unwrap();
    assert!(lite.strict);
    assert_eq!(lite.columns[0].default.as_deref(), Some("0"), "numeric defaults keep their text");
}

#[test]
fn unknown_fields_warn_with_file_and_path() {
    let text = GUIDE
        .replace("  database: my-database\n", "  database: my-database\n  frobnicate: 1\n")
        .replace("          type: uuid\n", "          type: uuid\n          remark: hi\n");
    let (t, warnings) = tables(&text);
    assert_eq!(t.len(), 1);
    let messages: Vec<String> = warnings.iter().map(|w| w.to_string()).collect();
    assert!(messages.iter().any(|m| m.starts_with("t.yaml:") && m.contains("spec.frobnicate")), "{messages:?}");
    assert!(messages.iter().any(|m| m.contains("spec.schema.postgres.columns.0.remark")), "{messages:?}");
}

fn error(text: &str) -> String {
    match parse_documents("bad.yaml", text) {
        Err(e) => e.to_string(),
        Ok(p) => panic!("expected an error, got {:?}", p.documents),
    }
}

#[test]
fn wrong_types_name_the_field() {
    let e = error(&GUIDE.replace("primaryKey: [id]", "primaryKey: {a: 1}"));
    assert!(e.contains("bad.yaml") && e.contains("spec.schema.postgres.primaryKey"), "{e}");
}

#[test]
fn invalid_yaml_names_the_file() {
    let e = error("name: [unclosed\n");
    assert!(e.starts_with("bad.yaml: invalid YAML"), "{e}");
}

#[test]
fn structural_mistakes_name_file_table_and_field() {
    let cases = [
        (GUIDE.replace("  name: users\n  schema", "  name: \"\"\n  schema").replace("metadata:\n  name: users\n", "metadata:\n"), "spec.name"),
        (GUIDE.replace("name: email", "name: id"), "spec.schema.postgres.columns[1].name"),
        (GUIDE.replace("primaryKey: [id]", "primaryKey: [nope]"), "spec.schema.postgres.primaryKey[0]"),
        (GUIDE.replace("      primaryKey: [id]\n", "      primaryKey: [id]\n      indexes:\n        - columns: [missing]\n"), "spec.schema.postgres.indexes[0].columns[0]"),
        (
            GUIDE.replace("      primaryKey: [id]\n", "      primaryKey: [id]\n      foreignKeys:\n        - columns: [email]\n          references: {table: t, columns: [a, b]}\n"),
            "spec.schema.postgres.foreignKeys[0].references.columns",
        ),
        (
            GUIDE.replace("      primaryKey: [id]\n", "      primaryKey: [id]\n      foreignKeys:\n        - columns: [email]\n          references: {table: t, columns: [a]}\n          onDelete: EXPLODE\n"),
            "spec.schema.postgres.foreignKeys[0].onDelete",
        ),
        (GUIDE.replace("          type: uuid\n", ""), "spec.schema.postgres.columns[0].type"),
    ];
    for (text, field) in cases {
        let e = error(&text);
        assert!(e.starts_with("bad.yaml: table"), "{e}");
        assert!(e.contains(field), "expected {field} in: {e}");
    }
}

#[test]
fn non_table_documents_are_returned_as_other() {
    let parsed =
        parse_documents("x.yaml", "apiVersion: databases.schemahero.io/v1alpha4\nkind: Database\nmetadata:\n  name: db\n").unwrap();
    match &parsed.documents[0] {
        Document::Other(o) => assert_eq!((o.kind.as_str(), o.name.as_deref()), ("Database", Some("db"))),
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_scalar_document_is_an_error_not_a_panic() {
    assert!(matches!(parse_documents("s.yaml", "just a string"), Err(SpecError::Document { .. })));
}

#[test]
fn triggers_accept_both_for_each_row_spellings() {
    let text = GUIDE.replace(
        "      primaryKey: [id]\n",
        "      primaryKey: [id]\n      triggers:\n        - name: t\n          events: [before insert]\n          forEachRun: true\n          executeProcedure: f()\n",
    );
    let (t, _) = tables(&text);
    let trig = &t[0].spec.schema.as_ref().unwrap().postgres.as_ref().unwrap().triggers[0];
    assert_eq!(trig.for_each_row, Some(true));
}

/// Every spec string that reaches SQL is checked when the spec is read; the error names the
/// file, the table, the column and the field.
#[test]
fn sql_in_spec_strings_is_an_error_naming_file_table_and_field() {
    let email = "        - name: email\n          type: varchar(255)\n";
    let with = |replacement: &str| GUIDE.replace(email, replacement);
    let cases = [
        (with("        - name: email\n          type: \"integer); drop table z; --\"\n"), "spec.schema.postgres.columns[1].type", "\"email\""),
        (with("        - name: email\n          type: text /* x */\n"), "spec.schema.postgres.columns[1].type", "comment"),
        (with("        - name: email\n          type: int, evil int\n"), "spec.schema.postgres.columns[1].type", "','"),
        (with("        - name: email\n          type: text\n          default: \"now()); drop table z; --\"\n"), "spec.schema.postgres.columns[1].default", "\"email\""),
        (with("        - name: email\n          type: text\n          default: \"1; drop table z\"\n"), "spec.schema.postgres.columns[1].default", "';'"),
        (with("        - name: email\n          type: text\n          default: \"'a' -- x\"\n"), "spec.schema.postgres.columns[1].default", "comment"),
        (with(&format!("        - name: {}\n          type: text\n", "e".repeat(64))), "spec.schema.postgres.columns[1].name", "63 bytes"),
        (
            GUIDE.replace("      primaryKey: [id]\n", "      primaryKey: [id]\n      indexes:\n        - columns: [email]\n          type: \"btree (x); drop\"\n"),
            "spec.schema.postgres.indexes[0].type",
            "unknown index type",
        ),
        (
            GUIDE.replace(
                "      primaryKey: [id]\n",
                "      primaryKey: [id]\n      indexes:\n        - columns: [email]\n          with: {fillfactor: \"70); drop table t; --\"}\n",
            ),
            "spec.schema.postgres.indexes[0].with.fillfactor",
            "storage parameter",
        ),
        (
            GUIDE.replace("      primaryKey: [id]\n", "      primaryKey: [id]\n      foreignKeys:\n        - columns: [email]\n          references: {table: t, columns: [a]}\n          onDelete: \"CASCADE; DROP TABLE x\"\n"),
            "spec.schema.postgres.foreignKeys[0].onDelete",
            "unknown action",
        ),
        (
            GUIDE.replace("      primaryKey: [id]\n", "      primaryKey: [id]\n      triggers:\n        - name: t\n          events: [\"before insert; drop table z\"]\n          executeProcedure: f()\n"),
            "spec.schema.postgres.triggers[0].events[0]",
            "';'",
        ),
        (
            GUIDE.replace("      primaryKey: [id]\n", "      primaryKey: [id]\n      triggers:\n        - name: t\n          events: [\"before insert\"]\n          condition: \"true) execute function evil(); --\"\n          executeProcedure: f()\n"),
            "spec.schema.postgres.triggers[0].condition",
            "';'",
        ),
    ];
    for (text, field, detail) in cases {
        let e = error(&text);
        assert!(e.starts_with("bad.yaml: table \"users\": field "), "{e}");
        assert!(e.contains(field) && e.contains(detail), "expected {field} and {detail} in: {e}");
    }
    let mysql = "database: db\nname: t\nschema:\n  mysql:\n    columns:\n      - name: id\n        type: int\n";
    let e = error(&format!("{mysql}        collation: \"utf8mb4_bin; drop\"\n"));
    assert!(e.contains("spec.schema.mysql.columns[0].collation"), "{e}");
    let e = error(&format!("{mysql}      - name: {}\n        type: int\n", "c".repeat(65)));
    assert!(e.contains("spec.schema.mysql.columns[1].name") && e.contains("64 characters"), "{e}");
    let e = error(&mysql.replace("type: int\n", "type: \"enum('a'), evil int\"\n"));
    assert!(e.contains("spec.schema.mysql.columns[0].type"), "{e}");
    let e = error(&format!("{mysql}        default: \"CURRENT_TIMESTAMP ON UPDATE evil()\"\n"));
    assert!(e.contains("spec.schema.mysql.columns[0].default") && e.contains("ON UPDATE"), "{e}");
}

#[test]
fn generated_names_that_collide_once_cut_are_an_error() {
    // Two 60-byte column names are fine, but `idx_t_<column>` is cut to the same 63 bytes.
    let (a, b) = (format!("{}a", "x".repeat(59)), format!("{}b", "x".repeat(59)));
    let text = format!(
        "database: db\nname: t\nschema:\n  postgres:\n    columns:\n      - name: {a}\n        type: int\n      - name: {b}\n        type: int\n    indexes:\n      - columns: [{a}]\n      - columns: [{b}]\n"
    );
    let e = error(&text);
    assert!(e.contains("spec.schema.postgres.indexes[1]") && e.contains("indexes[0]") && e.contains("give one of them a name"), "{e}");
    // Named, they are fine.
    let named = text.replace("      - columns: [", "      - name: i\n        columns: [").replacen("name: i\n", "name: j\n", 1);
    assert!(parse_documents("ok.yaml", &named).is_ok());
}

/// The planner reads specs as JSON and calls `validate_table` directly: the same refusal.
#[test]
fn the_planner_path_refuses_the_same_specs() {
    let json =
        r#"{"database":"db","name":"victims","schema":{"postgres":{"columns":[{"name":"id","type":"integer); drop table z; --"}]}}}"#;
    let spec: crate::spec::TableSpec = serde_json::from_str(json).unwrap();
    let e = crate::validate::validate_table("default/victims", &spec, &mut Vec::new()).unwrap_err();
    assert_eq!(
        e,
        SpecError::Field {
            file: "default/victims".into(),
            table: "victims".into(),
            field: "spec.schema.postgres.columns[0].type".into(),
            message: "column \"id\": type \"integer); drop table z; --\": a ';' outside quotes (one statement cannot be ended and another begun here)".into(),
        }
    );
}

/// YAML reads `indexes:` with nothing after it as null; SchemaHero (Go) takes it as empty, and
/// so does every optional list, map and string here, in every engine section.
#[test]
fn empty_lists_and_maps_read_as_empty_in_every_section() {
    for engine in ["postgres", "mysql", "sqlite", "cockroachdb", "rqlite"] {
        // MySQL sections have no triggers.
        let triggers = if engine == "mysql" { "" } else { "\n      triggers:" };
        let text = format!(
            "apiVersion: schemas.schemahero.io/v1alpha4
kind: Table
metadata:
  name: t
spec:
  database: db
  name: t
  requires:
  schema:
    {engine}:
      primaryKey:
      foreignKeys:
      indexes:
        - columns: [a]
          with:{triggers}
      columns:
        - name: a
          type: integer
  seedData:
    rows:
"
        );
        let (t, warnings) = tables(&text);
        assert!(warnings.is_empty(), "{engine}: {warnings:?}");
        let schema = t[0].spec.schema.as_ref().unwrap_or_else(|| panic!("{engine}: no schema"));
        let (pk, fks, indexes) = match engine {
            "mysql" => schema.mysql.as_ref().map(|s| (s.primary_key.len(), s.foreign_keys.len(), s.indexes.len())),
            "sqlite" | "rqlite" => {
                schema.sqlite.as_ref().or(schema.rqlite.as_ref()).map(|s| (s.primary_key.len(), s.foreign_keys.len(), s.indexes.len()))
            }
            _ => schema
                .postgres
                .as_ref()
                .or(schema.cockroachdb.as_ref())
                .map(|s| (s.primary_key.len(), s.foreign_keys.len(), s.indexes.len())),
        }
        .unwrap_or_else(|| panic!("{engine}: no section"));
        assert_eq!((pk, fks, indexes), (0, 0, 1), "{engine}");
        assert!(t[0].spec.requires.is_empty());
        assert!(t[0].spec.seed_data.as_ref().is_some_and(|s| s.rows.is_empty()), "{engine}");
    }
}

#[test]
fn a_database_with_null_fields_reads_as_empty() {
    let text = "apiVersion: databases.schemahero.io/v1alpha4
kind: Database
metadata:
  name: db
spec:
  immediateDeploy:
  connection:
    postgres:
      uri:
        value: postgres://localhost/db
";
    let parsed = parse_documents("db.yaml", text).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(parsed.documents.len(), 1);
}
