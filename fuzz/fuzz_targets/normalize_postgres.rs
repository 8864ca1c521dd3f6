//! The Postgres type normalizer and default canonicaliser. A type the spec may hold (it passes
//! `check_type`) normalizes to a fixed point: normalize(normalize(x)) == normalize(x), since
//! the spec side and the catalog side (already canonical) must compare equal.
#![no_main]

use libfuzzer_sys::fuzz_target;
use schemahero_postgres::normalize::{canonical_default, default_to_sql, normalize_type};
use schemahero_schema::sql_safety::{Dialect, check_type};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let (once, _serial) = normalize_type(text);
    if check_type(Dialect::Postgres, text).is_ok() {
        let (twice, serial_again) = normalize_type(&once);
        assert_eq!(twice, once, "normalize_type is not idempotent on {text:?}");
        assert!(!serial_again, "a canonical type {once:?} still reads as serial");
    }
    if let Some(canonical) = canonical_default(text) {
        let _ = canonical_default(&canonical);
    }
    let _ = default_to_sql(text);
});
