//! SchemaHero Table specs (the user's input) and the normalized table model engines diff.
//! No I/O happens here: callers read files and hand over their text.

pub mod checks;
pub mod database;
pub mod defaults;
pub mod diff;
pub mod extension;
pub mod function;
pub mod matching;
pub mod model;
pub mod mysql_defaults;
pub mod object;
mod parse;
pub mod renames;
pub mod seed;
pub mod spec;
pub mod sql_safety;
pub mod validate;
pub mod view;

pub use parse::{Document, OtherDocument, Parsed, SpecError, TableManifest, Warning, parse_documents};
pub use validate::normalize_fk_action;

#[cfg(test)]
mod feature_tests;
#[cfg(test)]
mod tests;
