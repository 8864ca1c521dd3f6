//! The canonical text a schema fingerprint hashes: written field by field, versioned, and
//! independent of how the model structs print or are laid out.
//!
//! A fingerprint travels with an approved plan and the executor recomputes it before applying;
//! if two releases computed it differently, every approved plan would look stale after an
//! upgrade (or during a rollout that mixes executor versions). So the text is explicit: adding a
//! field to a model struct changes nothing here until it is written here, and a change to what
//! is written must bump [`FINGERPRINT_VERSION`] and the golden values in the tests on purpose.

use schemahero_schema::model::{ColumnDef, ForeignKeyDef, IndexDef, KeyDef, TableDef, TriggerDef};
use std::collections::BTreeMap;
use std::fmt::Write;

/// The first line of every canonical text.
pub const FINGERPRINT_VERSION: &str = "schemahero.fingerprint/v1";

/// A canonical text under construction: one line per record, `name=value` fields in a fixed
/// order, strings quoted with explicit escapes.
pub struct Canonical {
    out: String,
}

impl Default for Canonical {
    fn default() -> Self {
        Self::new()
    }
}

impl Canonical {
    pub fn new() -> Self {
        Self { out: format!("{FINGERPRINT_VERSION}\n") }
    }

    /// Starts a record of `kind` (a new line).
    pub fn record(&mut self, kind: &str) -> &mut Self {
        if !self.out.ends_with('\n') {
            self.out.push('\n');
        }
        self.out.push_str(kind);
        self
    }

    pub fn str(&mut self, name: &str, value: &str) -> &mut Self {
        let _ = write!(self.out, " {name}={}", quote(value));
        self
    }

    pub fn opt(&mut self, name: &str, value: Option<&str>) -> &mut Self {
        match value {
            Some(v) => self.str(name, v),
            None => {
                let _ = write!(self.out, " {name}=-");
                self
            }
        }
    }

    pub fn bool(&mut self, name: &str, value: bool) -> &mut Self {
        let _ = write!(self.out, " {name}={value}");
        self
    }

    pub fn list(&mut self, name: &str, values: &[String]) -> &mut Self {
        let items: Vec<String> = values.iter().map(|v| quote(v)).collect();
        let _ = write!(self.out, " {name}=[{}]", items.join(","));
        self
    }

    pub fn map(&mut self, name: &str, values: &BTreeMap<String, String>) -> &mut Self {
        let items: Vec<String> = values.iter().map(|(k, v)| format!("{}:{}", quote(k), quote(v))).collect();
        let _ = write!(self.out, " {name}={{{}}}", items.join(","));
        self
    }

    pub fn finish(mut self) -> String {
        if !self.out.ends_with('\n') {
            self.out.push('\n');
        }
        self.out
    }
}

/// `"…"` with `\` and `"` escaped and every control character as `\u{…}`: the same for every
/// Rust release, unlike `{:?}`.
fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Writes one table of the shared model (Postgres, SQLite).
pub fn write_table(c: &mut Canonical, t: &TableDef) {
    c.record("table").opt("schema", t.schema.as_deref()).str("name", &t.name).bool("strict", t.strict);
    for col in &t.columns {
        write_column(c, col);
    }
    if let Some(pk) = &t.primary_key {
        write_key(c, pk);
    }
    for fk in &t.foreign_keys {
        write_foreign_key(c, fk);
    }
    for index in &t.indexes {
        write_index(c, index);
    }
    for trigger in &t.triggers {
        write_trigger(c, trigger);
    }
}

fn write_column(c: &mut Canonical, col: &ColumnDef) {
    c.record(" column")
        .str("name", &col.name)
        .str("type", &col.data_type)
        .bool("not_null", col.not_null)
        .opt("default", col.default.as_deref())
        .bool("auto_increment", col.auto_increment)
        .bool("serial", col.serial);
}

fn write_key(c: &mut Canonical, pk: &KeyDef) {
    c.record(" primary_key").opt("name", pk.name.as_deref()).list("columns", &pk.columns);
}

/// Writes a foreign key (shared with the MySQL model).
pub fn write_foreign_key(c: &mut Canonical, fk: &ForeignKeyDef) {
    c.record(" foreign_key")
        .opt("name", fk.name.as_deref())
        .list("columns", &fk.columns)
        .opt("ref_schema", fk.ref_schema.as_deref())
        .str("ref_table", &fk.ref_table)
        .list("ref_columns", &fk.ref_columns)
        .str("on_delete", &fk.on_delete);
}

/// Writes an index (shared with the MySQL model).
pub fn write_index(c: &mut Canonical, index: &IndexDef) {
    c.record(" index")
        .opt("name", index.name.as_deref())
        .list("columns", &index.columns)
        .bool("unique", index.unique)
        .str("method", &index.method)
        .map("with", &index.with)
        .bool("constraint", index.constraint);
}

fn write_trigger(c: &mut Canonical, trigger: &TriggerDef) {
    c.record(" trigger").str("name", &trigger.name).str("create_sql", &trigger.create_sql);
}

/// The fingerprint of `tables` (in the order given: callers sort them).
pub fn fingerprint_tables<'a>(tables: impl IntoIterator<Item = &'a TableDef>) -> String {
    let mut c = Canonical::new();
    for t in tables {
        write_table(&mut c, t);
    }
    crate::fingerprint(&c.finish())
}

/// The fingerprint of no tables (a plan that touches none, or of tables that do not exist yet).
pub fn empty_fingerprint() -> String {
    fingerprint_tables(std::iter::empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn users() -> TableDef {
        TableDef {
            schema: Some("public".into()),
            name: "users".into(),
            columns: vec![
                ColumnDef { name: "id".into(), data_type: "integer".into(), not_null: true, ..ColumnDef::default() },
                ColumnDef {
                    name: "email".into(),
                    data_type: "character varying(255)".into(),
                    default: Some("'a\"b\\\\c\n'::character varying".into()),
                    ..ColumnDef::default()
                },
            ],
            primary_key: Some(KeyDef { name: None, columns: vec!["id".into()] }),
            foreign_keys: vec![ForeignKeyDef {
                name: Some("users_org_fkey".into()),
                columns: vec!["org".into()],
                ref_schema: None,
                ref_table: "orgs".into(),
                ref_columns: vec!["id".into()],
                on_delete: "CASCADE".into(),
            }],
            indexes: vec![IndexDef {
                name: Some("users_email".into()),
                columns: vec!["email".into()],
                unique: true,
                method: "btree".into(),
                with: BTreeMap::from([("fillfactor".into(), "70".into())]),
                constraint: false,
            }],
            triggers: Vec::new(),
            strict: false,
        }
    }

    #[test]
    fn the_canonical_text_is_the_one_of_version_1() {
        let mut c = Canonical::new();
        write_table(&mut c, &users());
        assert_eq!(
            c.finish(),
            "schemahero.fingerprint/v1\n\
             table schema=\"public\" name=\"users\" strict=false\n \
             column name=\"id\" type=\"integer\" not_null=true default=- auto_increment=false serial=false\n \
             column name=\"email\" type=\"character varying(255)\" not_null=false default=\"'a\\\"b\\\\\\\\c\\u{a}'::character varying\" auto_increment=false serial=false\n \
             primary_key name=- columns=[\"id\"]\n \
             foreign_key name=\"users_org_fkey\" columns=[\"org\"] ref_schema=- ref_table=\"orgs\" ref_columns=[\"id\"] on_delete=\"CASCADE\"\n \
             index name=\"users_email\" columns=[\"email\"] unique=true method=\"btree\" with={\"fillfactor\":\"70\"} constraint=false\n"
        );
    }

    /// The golden value: if this changes, every approved plan in every cluster looks stale after
    /// the upgrade. Change it only together with FINGERPRINT_VERSION, and say so in the release.
    #[test]
    fn the_fingerprint_of_a_known_table_is_stable() {
        assert_eq!(fingerprint_tables([&users()]), GOLDEN);
        assert_eq!(fingerprint_tables([]), crate::fingerprint("schemahero.fingerprint/v1\n"));
    }

    const GOLDEN: &str = "71c8ff0164f8d46fc9203e3f0bbde252268cd17c6dff5efe907d78db1a0ff824";
}
