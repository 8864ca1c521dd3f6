//! The SQLite type normalizer and default rendering. Normalized types are a fixed point.
#![no_main]

use libfuzzer_sys::fuzz_target;
use schemahero_sqlite::normalize::{canonical_default, default_sql, normalize_type};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let once = normalize_type(text);
    assert_eq!(normalize_type(&once), once, "normalize_type is not idempotent on {text:?}");
    if let Some(sql) = default_sql(text) {
        let _ = canonical_default(&sql);
    }
    let _ = canonical_default(text);
});
