//! The MySQL table model: the shared model with MySQL's extension (charsets and collations of
//! tables and columns, `ON UPDATE` clauses), and what the server knows about charsets.

pub use schemahero_schema::model::mysql::{self, ColumnDef, TableDef};
pub use schemahero_schema::model::{CheckDef, ForeignKeyDef, IndexDef, KeyDef};
use std::collections::HashMap;

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
