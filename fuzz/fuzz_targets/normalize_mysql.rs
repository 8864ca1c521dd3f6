//! The MySQL / MariaDB type normalizer and default canonicaliser. First byte: the charset's
//! bytes per character (mbmaxlen); the rest is the type or default text.
#![no_main]

use libfuzzer_sys::fuzz_target;
use schemahero_mysql::normalize::{canonical_default, default_for_spec, default_to_sql, normalize_type, split_on_update};
use schemahero_schema::sql_safety::{Dialect, check_type};

fuzz_target!(|data: &[u8]| {
    let Some((&first, rest)) = data.split_first() else { return };
    let Ok(text) = std::str::from_utf8(rest) else { return };
    let mbmaxlen = u32::from(first % 5);
    let once = normalize_type(text, mbmaxlen);
    if check_type(Dialect::Mysql, text).is_ok() {
        let twice = normalize_type(&once, mbmaxlen);
        assert_eq!(twice, once, "normalize_type is not idempotent on {text:?} (mbmaxlen {mbmaxlen})");
    }
    let (default, on_update) = split_on_update(text);
    if let Some(sql) = default_to_sql(&default)
        && let Some(canonical) = canonical_default(&sql)
    {
        let _ = default_for_spec(&canonical);
    }
    if let Some(on_update) = on_update {
        let _ = canonical_default(&on_update);
    }
    let _ = canonical_default(text);
});
