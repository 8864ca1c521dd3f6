//! The MySQL table model: the shared model's keys and indexes plus what only MySQL has —
//! charsets and collations of tables and columns, and `ON UPDATE` clauses.

pub use schemahero_schema::model::{ForeignKeyDef, IndexDef};
use std::collections::HashMap;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MyTable {
    pub name: String,
    pub columns: Vec<MyColumn>,
    pub primary_key: Option<Vec<String>>,
    pub foreign_keys: Vec<ForeignKeyDef>,
    pub indexes: Vec<IndexDef>,
    /// Table default charset and collation (canonical names).
    pub charset: String,
    pub collation: String,
    /// The spec names the table's charset or collation (render them in CREATE TABLE).
    pub explicit_charset: bool,
}

impl MyTable {
    pub fn column(&self, name: &str) -> Option<&MyColumn> {
        self.columns.iter().find(|c| c.name == name)
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MyColumn {
    pub name: String,
    /// Canonical type (`normalize::normalize_type`).
    pub data_type: String,
    pub not_null: bool,
    /// Default as SQL (spec: as it is rendered; live: as reported, brought to SQL).
    pub default: Option<String>,
    pub on_update: Option<String>,
    pub auto_increment: bool,
    /// Charset and collation for string types; `None` for the others.
    pub charset: Option<String>,
    pub collation: Option<String>,
    /// The spec names this column's charset or collation (render them).
    pub explicit_charset: bool,
}

/// What the server knows about charsets: each charset's default collation and each
/// collation's charset.
#[derive(Debug, Clone, Default)]
pub struct Charsets {
    pub default_collation: HashMap<String, String>,
    pub charset_of: HashMap<String, String>,
}

impl Charsets {
    /// (charset, collation) from what a spec gives, falling back to `inherit`.
    pub fn resolve(&self, charset: Option<&str>, collation: Option<&str>, inherit: (&str, &str)) -> (String, String) {
        use crate::normalize::{canonical_charset, canonical_collation};
        match (charset.map(canonical_charset), collation.map(canonical_collation)) {
            (Some(cs), Some(co)) => (cs, co),
            (None, Some(co)) => {
                let cs = self.charset_of.get(&co).cloned().unwrap_or_else(|| co.split('_').next().unwrap_or_default().to_string());
                (cs, co)
            }
            (Some(cs), None) => {
                let co = self.default_collation.get(&cs).cloned().unwrap_or_else(|| format!("{cs}_general_ci"));
                (cs, co)
            }
            (None, None) => (inherit.0.to_string(), inherit.1.to_string()),
        }
    }
}
