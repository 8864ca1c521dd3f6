//! One span per applied statement: see `schemahero_observe::statement`.

pub use schemahero_observe::statement::*;
