//! Connection strings: Postgres URIs, MySQL URLs and Go-driver DSNs, SQLite paths. They must
//! not panic, and a password never shows in what is printed: the redacted form and `Debug`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use schemahero_engine::{check_mysql_uri, check_postgres_uri, redact_uri, sqlite_path};
use schemahero_mysql::dsn;

/// Occurrences of `needle` in `hay`, overlapping ones included.
fn occurrences(hay: &str, needle: &str) -> usize {
    (0..hay.len()).filter(|&i| hay.is_char_boundary(i) && hay[i..].starts_with(needle)).count()
}

/// A password worth checking for: long enough not to be part of the `***` replacement or of
/// the rest by chance, and appearing exactly once in the input.
fn distinctive(input: &str, password: &str) -> bool {
    password.len() >= 3 && !password.contains('*') && occurrences(input, password) == 1
}

fuzz_target!(|data: &[u8]| {
    let Ok(input) = std::str::from_utf8(data) else { return };

    let _ = sqlite_path(input);
    let _ = check_mysql_uri(input);

    match dsn::parse(input) {
        Ok(target) => {
            // Read back by the same parser, the redacted form has no password but `***`.
            let shown = dsn::redact(input);
            if target.password.is_some()
                && let Ok(redacted) = dsn::parse(&shown)
            {
                assert!(redacted.password.as_deref().is_none_or(|p| p == "***"), "a password survives in the redacted {shown:?}");
            }
            // Debug does not depend on the password at all.
            let without = dsn::Target { password: None, ..target.clone() };
            assert_eq!(format!("{target:?}"), format!("{without:?}"), "Debug shows the password");
        }
        Err(e) => {
            assert!(!e.reason.is_empty());
        }
    }

    let pg = check_postgres_uri(input);
    if pg.is_ok()
        && let Ok(url) = url::Url::parse(input)
        && let Some(raw) = url.password()
    {
        // The url crate re-encodes the password (':' → %3A…): that spelling may stand in the
        // user name or elsewhere in the input, which is no leak.
        let elsewhere = [url.username(), url.host_str().unwrap_or(""), url.path(), url.query().unwrap_or(""), url.fragment().unwrap_or("")]
            .iter()
            .any(|part| part.contains(raw));
        // Read back by the same parser, the redacted URI has no password but `***`.
        let shown = redact_uri(input);
        if let Ok(redacted) = url::Url::parse(&shown) {
            assert!(redacted.password().is_none_or(|p| p == "***"), "password {raw:?} survives in the redacted {shown:?}");
        }
        let message = schemahero_postgres::redact_error(&format!("connection failed for {raw}"), input);
        // Checked where the input spells the password as the url crate does (it re-encodes
        // some characters and drops tabs and line breaks).
        if distinctive(input, raw) && !elsewhere && input.contains(&format!(":{raw}@")) {
            assert!(!message.contains(raw), "password {raw:?} shows in the scrubbed error {message:?}");
        }
    }
});
