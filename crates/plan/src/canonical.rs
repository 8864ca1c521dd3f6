//! The canonical text a schema fingerprint hashes: written field by field, versioned, and
//! independent of how the model structs print or are laid out.
//!
//! A fingerprint travels with an approved plan and the executor recomputes it before applying;
//! if two releases computed it differently, every approved plan would look stale after an
//! upgrade (or during a rollout that mixes executor versions). So the text is explicit: adding a
//! field to a model struct changes nothing here until it is written here, and a change to what
//! is written must bump [`FINGERPRINT_VERSION`] and the golden values in the tests on purpose.

use schemahero_schema::model::{ColumnDef, ForeignKeyDef, IndexDef, TableDef, TriggerDef, mysql, postgres, sqlite};
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

/// How an engine's table extension appears in the v1 table record. v1 fixed each engine's
/// record layout before the extensions were split out of the shared model, so the hooks say
/// where the engine's fields go rather than letting them move.
pub trait CanonicalTable {
    /// The record's name (`table`; MySQL's `mysql_table`).
    const RECORD: &'static str = "table";
    /// Whether the record and the primary key carry the schema and the key's name (not MySQL's).
    const NAMED: bool = true;
    /// The fields after the table's name.
    fn write_fields(&self, c: &mut Canonical);
}

/// How an engine's column extension appears in the v1 column record.
pub trait CanonicalColumn {
    /// Fields right after the default (MySQL's `on_update`).
    fn write_after_default(&self, _c: &mut Canonical) {}
    /// Fields at the end of the record.
    fn write_last(&self, c: &mut Canonical);
}

/// Writes one table of the shared model with its engine's extensions.
pub fn write_table<T: CanonicalTable, C: CanonicalColumn>(c: &mut Canonical, t: &TableDef<T, C>) {
    c.record(T::RECORD);
    if T::NAMED {
        c.opt("schema", t.schema.as_deref());
    }
    c.str("name", &t.name);
    t.ext.write_fields(c);
    for col in &t.columns {
        write_column(c, col);
    }
    if let Some(pk) = &t.primary_key {
        c.record(" primary_key");
        if T::NAMED {
            c.opt("name", pk.name.as_deref());
        }
        c.list("columns", &pk.columns);
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
    // Written only when present, so that the text of a table without them is v1's.
    for check in &t.checks {
        c.record(" check").str("name", &check.name).str("expression", &check.expression).opt("source", check.source.as_deref());
    }
    if let Some(comment) = &t.comment {
        c.record(" comment").str("text", comment);
    }
}

fn write_column<C: CanonicalColumn>(c: &mut Canonical, col: &ColumnDef<C>) {
    c.record(" column")
        .str("name", &col.name)
        .str("type", &col.data_type)
        .bool("not_null", col.not_null)
        .opt("default", col.default.as_deref());
    col.ext.write_after_default(c);
    c.bool("auto_increment", col.auto_increment);
    col.ext.write_last(c);
    // Only when present: a column without a comment keeps v1's text.
    if let Some(comment) = &col.comment {
        c.str("comment", comment);
    }
}

fn write_foreign_key(c: &mut Canonical, fk: &ForeignKeyDef) {
    c.record(" foreign_key")
        .opt("name", fk.name.as_deref())
        .list("columns", &fk.columns)
        .opt("ref_schema", fk.ref_schema.as_deref())
        .str("ref_table", &fk.ref_table)
        .list("ref_columns", &fk.ref_columns)
        .str("on_delete", &fk.on_delete);
}

fn write_index(c: &mut Canonical, index: &IndexDef) {
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
pub fn fingerprint_tables<'a, T: CanonicalTable + 'a, C: CanonicalColumn + 'a>(
    tables: impl IntoIterator<Item = &'a TableDef<T, C>>,
) -> String {
    let mut c = Canonical::new();
    for t in tables {
        write_table(&mut c, t);
    }
    crate::fingerprint(&c.finish())
}

/// The fingerprint of no tables (a plan that touches none, or of tables that do not exist yet).
pub fn empty_fingerprint() -> String {
    crate::fingerprint(&Canonical::new().finish())
}

// v1 wrote Postgres and SQLite tables in one layout (with SQLite's `strict` and Postgres'
// `serial` for both) and MySQL tables in its own; the extensions keep exactly that text.

impl CanonicalTable for postgres::Table {
    fn write_fields(&self, c: &mut Canonical) {
        c.bool("strict", false);
        // What an interrupted online migration left (see `postgres::Table`), written only when
        // there is some: a table without any keeps its v1 text byte for byte, and one with some
        // fingerprints differently, so that an executor retrying a plan that committed part of
        // itself finds the schema changed and has it re-planned from what is live.
        if !self.invalid_indexes.is_empty() {
            c.list("invalid_indexes", &self.invalid_indexes);
        }
        if !self.unvalidated_foreign_keys.is_empty() {
            c.list("unvalidated_foreign_keys", &self.unvalidated_foreign_keys);
        }
        if !self.not_null_checks.is_empty() {
            let checks: Vec<String> = self
                .not_null_checks
                .iter()
                .map(|k| format!("{}:{}:{}", k.name, k.column, if k.validated { "valid" } else { "not_valid" }))
                .collect();
            c.list("not_null_checks", &checks);
        }
        // `partitioned` is not written: no plan changes it, and v1 texts of partitioned tables
        // stay as they were.
    }
}

impl CanonicalColumn for postgres::Column {
    fn write_last(&self, c: &mut Canonical) {
        c.bool("serial", self.serial);
    }
}

impl CanonicalTable for sqlite::Table {
    fn write_fields(&self, c: &mut Canonical) {
        c.bool("strict", self.strict);
    }
}

impl CanonicalColumn for sqlite::Column {
    fn write_last(&self, c: &mut Canonical) {
        c.bool("serial", false);
    }
}

impl CanonicalTable for mysql::Table {
    const RECORD: &'static str = "mysql_table";
    const NAMED: bool = false;
    fn write_fields(&self, c: &mut Canonical) {
        c.str("charset", &self.charset).str("collation", &self.collation).bool("explicit_charset", self.explicit_charset);
    }
}

impl CanonicalColumn for mysql::Column {
    fn write_after_default(&self, c: &mut Canonical) {
        c.opt("on_update", self.on_update.as_deref());
    }
    fn write_last(&self, c: &mut Canonical) {
        c.opt("charset", self.charset.as_deref())
            .opt("collation", self.collation.as_deref())
            .bool("explicit_charset", self.explicit_charset);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use schemahero_schema::model::KeyDef;

    fn users() -> postgres::TableDef {
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
            foreign_keys: vec![org_fkey()],
            indexes: vec![IndexDef {
                name: Some("users_email".into()),
                columns: vec!["email".into()],
                unique: true,
                method: "btree".into(),
                with: BTreeMap::from([("fillfactor".into(), "70".into())]),
                constraint: false,
            }],
            triggers: Vec::new(),
            checks: Vec::new(),
            comment: None,
            ext: postgres::Table::default(),
        }
    }

    fn org_fkey() -> ForeignKeyDef {
        ForeignKeyDef {
            name: Some("users_org_fkey".into()),
            columns: vec!["org".into()],
            ref_schema: None,
            ref_table: "orgs".into(),
            ref_columns: vec!["id".into()],
            on_delete: "CASCADE".into(),
        }
    }

    fn mysql_users() -> mysql::TableDef {
        let column = |name: &str, data_type: &str, ext: mysql::Column| ColumnDef {
            name: name.into(),
            data_type: data_type.into(),
            ext,
            ..ColumnDef::default()
        };
        let mut email = mysql::Column {
            charset: Some("utf8mb4".into()),
            collation: Some("utf8mb4_bin".into()),
            explicit_charset: true,
            ..Default::default()
        };
        email.on_update = None;
        TableDef {
            name: "users".into(),
            columns: vec![
                ColumnDef { not_null: true, auto_increment: true, ..column("id", "int", mysql::Column::default()) },
                ColumnDef { default: Some("'a\\\\b'".into()), ..column("email", "varchar(255)", email) },
                ColumnDef {
                    default: Some("CURRENT_TIMESTAMP".into()),
                    ..column("updated", "timestamp", mysql::Column { on_update: Some("CURRENT_TIMESTAMP".into()), ..Default::default() })
                },
            ],
            primary_key: Some(KeyDef { name: None, columns: vec!["id".into()] }),
            foreign_keys: vec![org_fkey()],
            indexes: vec![IndexDef { with: BTreeMap::new(), ..users().indexes[0].clone() }],
            ext: mysql::Table { charset: "utf8mb4".into(), collation: "utf8mb4_general_ci".into(), explicit_charset: false },
            ..TableDef::default()
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
        let mut c = Canonical::new();
        write_table(&mut c, &mysql_users());
        let text = c.finish();
        assert!(
            text.contains("mysql_table name=\"users\" charset=\"utf8mb4\" collation=\"utf8mb4_general_ci\" explicit_charset=false\n"),
            "{text}"
        );
        assert!(text.contains(" column name=\"updated\" type=\"timestamp\" not_null=false default=\"CURRENT_TIMESTAMP\" on_update=\"CURRENT_TIMESTAMP\" auto_increment=false charset=- collation=- explicit_charset=false\n"), "{text}");
        assert!(text.contains(" primary_key columns=[\"id\"]\n"), "{text}");
    }

    /// The golden values: if one changes, every approved plan in every cluster looks stale after
    /// the upgrade. Change them only together with FINGERPRINT_VERSION, and say so in the release.
    #[test]
    fn the_fingerprint_of_a_known_table_is_stable() {
        assert_eq!(fingerprint_tables([&users()]), GOLDEN);
        assert_eq!(fingerprint_tables([&mysql_users()]), MYSQL_GOLDEN);
        // SQLite shares the Postgres layout: the same table as SQLite has the same text.
        let u = users();
        let as_sqlite: sqlite::TableDef = TableDef {
            schema: u.schema.clone(),
            name: u.name.clone(),
            columns: u
                .columns
                .iter()
                .map(|c| ColumnDef {
                    name: c.name.clone(),
                    data_type: c.data_type.clone(),
                    not_null: c.not_null,
                    default: c.default.clone(),
                    auto_increment: c.auto_increment,
                    comment: None,
                    renamed_from: None,
                    ext: sqlite::Column,
                })
                .collect(),
            primary_key: u.primary_key.clone(),
            foreign_keys: u.foreign_keys.clone(),
            indexes: u.indexes.clone(),
            triggers: u.triggers.clone(),
            checks: Vec::new(),
            comment: None,
            ext: sqlite::Table { strict: false },
        };
        assert_eq!(fingerprint_tables([&as_sqlite]), GOLDEN);
        assert_eq!(empty_fingerprint(), crate::fingerprint("schemahero.fingerprint/v1\n"));
    }

    /// Half-done online work changes the fingerprint (an executor then re-plans rather than
    /// retrying a plan part of which committed); a table without any keeps the golden value.
    #[test]
    fn half_done_online_work_changes_the_fingerprint() {
        let mut t = users();
        assert_eq!(fingerprint_tables([&t]), GOLDEN);
        let mut seen = vec![GOLDEN.to_string()];
        t.ext.invalid_indexes.push("users_email".into());
        seen.push(fingerprint_tables([&t]));
        t.ext.unvalidated_foreign_keys.push("users_org_fkey".into());
        seen.push(fingerprint_tables([&t]));
        t.ext.not_null_checks.push(postgres::NotNullCheck { name: "c".into(), column: "email".into(), validated: false });
        seen.push(fingerprint_tables([&t]));
        t.ext.not_null_checks[0].validated = true;
        seen.push(fingerprint_tables([&t]));
        let mut unique = seen.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), seen.len(), "each step fingerprints differently: {seen:?}");
    }

    #[test]
    fn checks_and_comments_are_written_only_when_present() {
        let plain = fingerprint_tables([&users()]);
        assert_eq!(plain, GOLDEN);
        let mut t = users();
        t.checks = vec![schemahero_schema::model::CheckDef { name: "c".into(), expression: "id > 0".into(), source: None }];
        assert_ne!(fingerprint_tables([&t]), plain);
        let mut t = users();
        t.comment = Some("people".into());
        assert_ne!(fingerprint_tables([&t]), plain);
        let mut t = users();
        t.columns[0].comment = Some("key".into());
        assert_ne!(fingerprint_tables([&t]), plain);
    }

    const GOLDEN: &str = "71c8ff0164f8d46fc9203e3f0bbde252268cd17c6dff5efe907d78db1a0ff824";
    /// Computed by the MySQL engine's own v1 writer before the model was shared.
    const MYSQL_GOLDEN: &str = "690c289d76a91dd940a8906d7163afcae00a84bf2c070ab6064b72389c5aa258";
}
