//! Connection strings: `mysql://user:pass@host:port/db?…` URLs (also `mariadb://`) and the Go
//! driver DSN SchemaHero users pass today (`user:pass@tcp(host:port)/db?tls=false`).
//!
//! Two query parameters are ours and never reach the server: `defaultCharset` and
//! `defaultCollation`, the database defaults tables without their own are compared against
//! (a Database's `connection.mysql.defaultCharset` / `collation`).

use percent_encoding::percent_decode_str;

/// Where to connect, parsed from either form. `Debug` and every message leave out the password.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct Target {
    pub host: String,
    pub port: u16,
    pub socket: Option<String>,
    pub user: String,
    pub password: Option<String>,
    pub database: String,
    /// `Some(false)`: TLS off (`tls=false`, `ssl-mode=disabled`); `Some(true)`: required.
    pub tls: Option<bool>,
    pub default_charset: Option<String>,
    pub default_collation: Option<String>,
}

impl std::fmt::Debug for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.display())
    }
}

impl Target {
    /// `user@host:port/db`, never the password.
    pub fn display(&self) -> String {
        let at = match &self.socket {
            Some(s) => format!("unix({s})"),
            None => format!("{}:{}", self.host, self.port),
        };
        format!("{}@{at}/{}", self.user, self.database)
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("invalid MySQL connection string {shown}: {reason} (expected mysql://user:pass@host:3306/db or user:pass@tcp(host:3306)/db)")]
pub struct DsnError {
    /// The input with its password replaced by `***`.
    pub shown: String,
    pub reason: String,
}

/// Parses either form. The database name is required: the engine works inside one database.
pub fn parse(input: &str) -> Result<Target, DsnError> {
    let input = input.trim();
    let fail = |reason: &str| DsnError { shown: redact(input), reason: reason.to_string() };
    let target = if is_url(input) { parse_url(input).map_err(|r| fail(&r))? } else { parse_go_dsn(input).map_err(|r| fail(&r))? };
    if target.database.is_empty() {
        return Err(fail("no database name"));
    }
    Ok(target)
}

fn decode(s: &str) -> Result<String, String> {
    percent_decode_str(s).decode_utf8().map(|c| c.into_owned()).map_err(|_| "percent-encoding is not UTF-8".to_string())
}

fn parse_url(input: &str) -> Result<Target, String> {
    let rest = input.split_once("://").map(|(_, r)| r).unwrap_or_default();
    let (rest, query) = match rest.split_once('?') {
        Some((r, q)) => (r, Some(q)),
        None => (rest, None),
    };
    let (authority, path) = rest.split_once('/').unwrap_or((rest, ""));
    // The password may contain '@' only percent-encoded; the last '@' ends the user info.
    let (userinfo, hostport) = match authority.rfind('@') {
        Some(at) => (Some(&authority[..at]), &authority[at + 1..]),
        None => (None, authority),
    };
    let mut t = Target { port: 3306, ..Target::default() };
    if let Some(info) = userinfo {
        match info.split_once(':') {
            Some((u, p)) => {
                t.user = decode(u)?;
                t.password = Some(decode(p)?);
            }
            None => t.user = decode(info)?,
        }
    }
    let (host, port) = split_host_port(hostport)?;
    t.host = if host.is_empty() { "localhost".into() } else { host };
    t.port = port.unwrap_or(3306);
    t.database = decode(path)?;
    apply_params(&mut t, query)?;
    Ok(t)
}

/// `[user[:password]@][net[(addr)]]/dbname[?param=value&…]`, as go-sql-driver/mysql reads it:
/// the last '/' before the parameters starts the database, the last '@' before it ends the
/// user info, and the password is everything after the first ':' (not percent-encoded).
fn parse_go_dsn(input: &str) -> Result<Target, String> {
    let (main, query) = match input.rfind('?') {
        Some(q) if input[..q].contains('/') => (&input[..q], Some(&input[q + 1..])),
        _ => (input, None),
    };
    let slash = main.rfind('/').ok_or("no '/dbname'")?;
    let (before, database) = (&main[..slash], &main[slash + 1..]);
    let (userinfo, net) = match before.rfind('@') {
        Some(at) => (Some(&before[..at]), &before[at + 1..]),
        None => (None, before),
    };
    let mut t = Target { port: 3306, host: "127.0.0.1".into(), ..Target::default() };
    if let Some(info) = userinfo {
        match info.split_once(':') {
            Some((u, p)) => {
                t.user = u.to_string();
                t.password = Some(p.to_string());
            }
            None => t.user = info.to_string(),
        }
    }
    if !net.is_empty() {
        let (proto, addr) = match net.find('(') {
            Some(open) if net.ends_with(')') => (&net[..open], &net[open + 1..net.len() - 1]),
            Some(_) => return Err("unbalanced parentheses in the address".into()),
            None => (net, ""),
        };
        match proto {
            "tcp" | "tcp4" | "tcp6" => {
                if !addr.is_empty() {
                    let (host, port) = split_host_port(addr)?;
                    t.host = host;
                    t.port = port.unwrap_or(3306);
                }
            }
            "unix" => t.socket = Some(if addr.is_empty() { "/tmp/mysql.sock".into() } else { addr.to_string() }),
            other => return Err(format!("unknown network {other:?} (expected tcp or unix)")),
        }
    }
    t.database = decode(database)?;
    apply_params(&mut t, query)?;
    Ok(t)
}

fn split_host_port(s: &str) -> Result<(String, Option<u16>), String> {
    if let Some(rest) = s.strip_prefix('[') {
        // [ipv6]:port
        let (host, after) = rest.split_once(']').ok_or("unbalanced '[' in the host")?;
        let port = after.strip_prefix(':').map(|p| p.parse::<u16>().map_err(|_| format!("bad port {p:?}"))).transpose()?;
        return Ok((host.to_string(), port));
    }
    match s.rsplit_once(':') {
        Some((h, p)) => Ok((h.to_string(), Some(p.parse::<u16>().map_err(|_| format!("bad port {p:?}"))?))),
        None => Ok((s.to_string(), None)),
    }
}

fn apply_params(t: &mut Target, query: Option<&str>) -> Result<(), String> {
    for pair in query.unwrap_or_default().split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        let v = decode(v)?;
        match k {
            "tls" => {
                t.tls = match v.to_ascii_lowercase().as_str() {
                    "false" | "0" => Some(false),
                    "preferred" => None,
                    _ => Some(true), // true, skip-verify, or a registered config name
                }
            }
            "ssl-mode" | "sslmode" => {
                t.tls = match v.to_ascii_lowercase().as_str() {
                    "disabled" | "disable" => Some(false),
                    "preferred" | "prefer" => None,
                    _ => Some(true),
                }
            }
            // Written into DDL unquoted (`DEFAULT CHARSET=…`): plain names only.
            "defaultCharset" | "defaultCollation" => {
                schemahero_schema::sql_safety::check_charset_name(&v).map_err(|e| format!("{k}: {e}"))?;
                if k == "defaultCharset" {
                    t.default_charset = Some(v);
                } else {
                    t.default_collation = Some(v);
                }
            }
            // Go-driver settings that do not change what we plan (parseTime, charset, timeouts…).
            _ => {}
        }
    }
    Ok(())
}

/// Whether `input` (trimmed) is the URL form; otherwise it is read as a Go driver DSN.
fn is_url(input: &str) -> bool {
    let lower = input.to_ascii_lowercase();
    lower.starts_with("mysql://") || lower.starts_with("mariadb://")
}

/// Where the user info of `input` (trimmed) is: its first byte and the '@' ending it, found
/// exactly as [`parse`] finds it in the form `input` is in.
fn userinfo_span(input: &str) -> Option<(usize, usize)> {
    if is_url(input) {
        // mysql://userinfo@host:port/db?params: the authority ends at the first '/' or '?'.
        let start = input.find("://")? + 3;
        let rest = &input[start..];
        let authority = &rest[..rest.find(['/', '?']).unwrap_or(rest.len())];
        Some((start, start + authority.rfind('@')?))
    } else {
        // userinfo@net(addr)/db?params: the last '@' before the last '/' (before the params).
        let main = match input.rfind('?') {
            Some(q) if input[..q].contains('/') => &input[..q],
            _ => input,
        };
        let slash = main.rfind('/')?;
        Some((0, main[..slash].rfind('@')?))
    }
}

/// The input with any password replaced by `***`, in either form. The password is found as
/// [`parse`] finds it, so what parses as the password is what is hidden (a Go DSN's password
/// may hold '/', '@' and even "://").
pub fn redact(input: &str) -> String {
    let lead = input.len() - input.trim_start().len();
    let trimmed = input.trim();
    let Some((start, at)) = userinfo_span(trimmed) else {
        return input.to_string();
    };
    match trimmed[start..at].find(':') {
        Some(colon) => format!("{}:***{}", &input[..lead + start + colon], &trimmed[at..]),
        None => input.to_string(),
    }
}

/// Removes the password from a driver message, should one ever echo it.
pub fn scrub(message: &str, target: &Target) -> String {
    match &target.password {
        Some(p) if !p.is_empty() => message.replace(p.as_str(), "***"),
        _ => message.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_driver_dsns() {
        let t = parse("user:pass@tcp(db.example:3307)/app?tls=false&parseTime=true").unwrap();
        assert_eq!((t.user.as_str(), t.password.as_deref(), t.host.as_str(), t.port), ("user", Some("pass"), "db.example", 3307));
        assert_eq!((t.database.as_str(), t.tls), ("app", Some(false)));
        let t = parse("root@tcp(127.0.0.1)/db").unwrap();
        assert_eq!((t.user.as_str(), t.password, t.port), ("root", None, 3306));
        // The Go driver does not percent-decode passwords and splits user info at the last '@'.
        let t = parse("u:p@ss:w/rd@tcp(h:1)/d").unwrap();
        assert_eq!((t.password.as_deref(), t.host.as_str(), t.database.as_str()), (Some("p@ss:w/rd"), "h", "d"));
        let t = parse("u@unix(/run/mysqld/mysqld.sock)/d").unwrap();
        assert_eq!(t.socket.as_deref(), Some("/run/mysqld/mysqld.sock"));
        let t = parse("u:p@/d").unwrap();
        assert_eq!((t.host.as_str(), t.port), ("127.0.0.1", 3306));
        assert!(parse("u:p@tcp(h:3306)/").is_err(), "a database is required");
        assert!(parse("u:p@bogus(h)/d").is_err());
    }

    #[test]
    fn urls_with_encoded_passwords_and_our_parameters() {
        let t = parse("mysql://u:%21%40%23@h:3306/my%20db?ssl-mode=DISABLED&defaultCharset=latin1&defaultCollation=latin1_bin").unwrap();
        assert_eq!((t.password.as_deref(), t.database.as_str(), t.tls), (Some("!@#"), "my db", Some(false)));
        assert_eq!((t.default_charset.as_deref(), t.default_collation.as_deref()), (Some("latin1"), Some("latin1_bin")));
        let e = parse("mysql://u@h/db?defaultCollation=utf8mb4_bin%3B%20drop").unwrap_err();
        assert!(e.reason.contains("defaultCollation") && e.reason.contains("not a charset or collation name"), "{e}");
        let t = parse("mariadb://root@127.0.0.1/x").unwrap();
        assert_eq!((t.user.as_str(), t.port, t.password), ("root", 3306, None));
        assert!(parse("mysql://root@127.0.0.1:3306").is_err());
        assert!(parse("mysql://root@h:notaport/d").is_err());
    }

    #[test]
    fn passwords_never_show() {
        let err = parse("mysql://u:s3cret@h:bad/d").unwrap_err().to_string();
        assert!(!err.contains("s3cret"), "{err}");
        let err = parse("u:s3cret@tcp(h:x)/d").unwrap_err().to_string();
        assert!(!err.contains("s3cret"), "{err}");
        assert_eq!(redact("u:s3cret@tcp(h:1)/d"), "u:***@tcp(h:1)/d");
        assert_eq!(redact("mysql://u:s3cret@h/d"), "mysql://u:***@h/d");
        let t = parse("u:s3cret@tcp(h:1)/d").unwrap();
        assert!(!format!("{t:?}").contains("s3cret"));
        assert_eq!(scrub("Access denied (s3cret)", &t), "Access denied (***)");
    }

    #[test]
    fn redaction_finds_the_password_where_parsing_does() {
        // Found by fuzzing (fuzz/, target uri_dsn): a Go DSN's password may hold '/' and '@'
        // (the driver splits at the last '/' and the last '@' before it), and "://" (which made
        // the whole DSN read as a URL with the user name as its scheme).
        for (input, password, shown) in [
            ("u:p@ss:w/rd@tcp(h:1)/d", "p@ss:w/rd", "u:***@tcp(h:1)/d"),
            ("u:a://b@tcp(h:1)/d", "a://b", "u:***@tcp(h:1)/d"),
            ("u:x/y@tcp(h:1)/d?tls=false", "x/y", "u:***@tcp(h:1)/d?tls=false"),
            ("mysql://u:p%2Fw@h:1/d?x=a@b", "p/w", "mysql://u:***@h:1/d?x=a@b"),
            ("mysql://u:pw@h?x=/y@z", "pw", "mysql://u:***@h?x=/y@z"),
        ] {
            let parsed = parse(input);
            assert_eq!(redact(input), shown, "{input}");
            if let Ok(t) = parsed {
                assert_eq!(t.password.as_deref(), Some(password), "{input}");
            }
        }
        let err = parse("u:p@ss:w/rd@tcp(h:x)/d").unwrap_err().to_string();
        assert!(!err.contains("ss:w/rd"), "{err}");
        assert_eq!(redact("  u:s3cret@tcp(h:1)/d"), "  u:***@tcp(h:1)/d");
    }
}
