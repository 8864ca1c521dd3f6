//! Connection URIs as SchemaHero users pass them today.

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum UriError {
    #[error("invalid URI: {0}")]
    Invalid(String),
}

/// Accepts `postgres://` and `postgresql://` URLs (percent-encoded passwords included). The
/// message never contains the password.
pub fn check_postgres_uri(uri: &str) -> Result<(), UriError> {
    let lower = uri.to_ascii_lowercase();
    if !(lower.starts_with("postgres://") || lower.starts_with("postgresql://")) {
        return Err(UriError::Invalid(format!("{} (expected postgres://user:password@host:port/dbname)", redact(uri))));
    }
    url::Url::parse(uri).map_err(|e| UriError::Invalid(format!("{}: {e}", redact(uri))))?;
    Ok(())
}

/// Checks a MySQL connection string: a `mysql://` (or `mariadb://`) URL or the Go driver DSN
/// (`user:pass@tcp(host:port)/db?tls=false`). The message never contains the password.
pub fn check_mysql_uri(uri: &str) -> Result<(), UriError> {
    schemahero_mysql::dsn::parse(uri).map(|_| ()).map_err(|e| UriError::Invalid(e.to_string()))
}

/// The file behind a SQLite URI: a plain path, `sqlite:path`, `sqlite://path` or
/// `sqlite:///abs/path`, with any `?query` dropped. `:memory:` is kept as is.
pub fn sqlite_path(uri: &str) -> Result<String, UriError> {
    let trimmed = uri.trim();
    if trimmed.is_empty() {
        return Err(UriError::Invalid("empty SQLite path".into()));
    }
    let without_scheme = if let Some(rest) = trimmed.strip_prefix("sqlite://") {
        rest
    } else if let Some(rest) = trimmed.strip_prefix("sqlite:") {
        rest
    } else if let Some(rest) = trimmed.strip_prefix("file:") {
        rest
    } else {
        trimmed
    };
    let path = without_scheme.split('?').next().unwrap_or_default();
    if path.is_empty() {
        return Err(UriError::Invalid(format!("no file in SQLite URI {trimmed:?}")));
    }
    let decoded = percent_encoding::percent_decode_str(path)
        .decode_utf8()
        .map_err(|_| UriError::Invalid(format!("SQLite path is not UTF-8: {trimmed:?}")))?;
    Ok(decoded.into_owned())
}

/// The URI with any password replaced by `***`.
pub fn redact(uri: &str) -> String {
    let Some((scheme, rest)) = uri.split_once("://") else {
        return uri.to_string();
    };
    let Some(at) = rest.rfind('@') else {
        return uri.to_string();
    };
    let (userinfo, host) = rest.split_at(at);
    match userinfo.split_once(':') {
        Some((user, _)) => format!("{scheme}://{user}:***{host}"),
        None => uri.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_uris_and_paths() {
        assert_eq!(sqlite_path("/tmp/a.db").unwrap(), "/tmp/a.db");
        assert_eq!(sqlite_path("a.db").unwrap(), "a.db");
        assert_eq!(sqlite_path("sqlite:a.db").unwrap(), "a.db");
        assert_eq!(sqlite_path("sqlite://a.db?mode=rwc").unwrap(), "a.db");
        assert_eq!(sqlite_path("sqlite:///tmp/my%20db.sqlite").unwrap(), "/tmp/my db.sqlite");
        assert!(sqlite_path("").is_err());
        assert!(sqlite_path("sqlite://").is_err());
    }

    #[test]
    fn postgres_uris_with_encoded_passwords() {
        // SchemaHero's own tests use the password !@#$%^&*(){}'";
        let uri = "postgres://user:%21%40%23%24%25%5E%26%2A%28%29%7B%7D%27%22%3B@127.0.0.1:5432/db?sslmode=disable";
        assert!(check_postgres_uri(uri).is_ok());
        assert!(check_postgres_uri("postgresql://u@h/db").is_ok());
        let err = check_postgres_uri("mysql://u:secret@h/db").unwrap_err().to_string();
        assert!(!err.contains("secret"), "{err}");
    }

    #[test]
    fn mysql_urls_and_go_dsns() {
        assert!(check_mysql_uri("mysql://root:pw@127.0.0.1:3306/db").is_ok());
        assert!(check_mysql_uri("root:pw@tcp(127.0.0.1:3306)/db?tls=false").is_ok());
        let err = check_mysql_uri("root:s3cret@tcp(127.0.0.1:x)/db").unwrap_err().to_string();
        assert!(!err.contains("s3cret"), "{err}");
        assert!(check_mysql_uri("mysql://root@127.0.0.1:3306").is_err());
    }

    #[test]
    fn redacts_passwords() {
        assert_eq!(redact("postgres://u:p%40ss@h:5432/db"), "postgres://u:***@h:5432/db");
        assert_eq!(redact("postgres://u@h/db"), "postgres://u@h/db");
    }
}
