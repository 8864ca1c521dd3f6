//! The Database resource (`databases.schemahero.io/v1alpha4`) as SchemaHero users write it, and
//! how its connection becomes a driver and URI outside Kubernetes.

use crate::parse::{OtherDocument, SpecError};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DatabaseSpec {
    #[serde(default, deserialize_with = "crate::spec::null_as_default")]
    pub connection: DatabaseConnection,
    #[serde(default, deserialize_with = "crate::spec::null_as_default")]
    pub immediate_deploy: bool,
    /// Plan the Tables' `seedData` (SchemaHero's operator plans seed rows only with this set).
    #[serde(default, deserialize_with = "crate::spec::null_as_default")]
    pub deploy_seed_data: bool,
    /// Per hazard kind (`DELETES_DATA`, …, or `default`): `allow`, `review` or `deny`. Checked
    /// by `schemahero_plan::policy::HazardPolicy::from_entries`; absent: everything allowed, as
    /// SchemaHero behaves.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty", deserialize_with = "crate::spec::string_map")]
    pub hazard_policy: std::collections::BTreeMap<String, String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DatabaseConnection {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub postgres: Option<PostgresConnection>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cockroachdb: Option<PostgresConnection>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sqlite: Option<SqliteConnection>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mysql: Option<MysqlConnection>,
}

/// SchemaHero's MySQL connection (also for MariaDB). `uri` is a `mysql://` URL or the Go
/// driver DSN (`user:pass@tcp(host:port)/db`). `defaultCharset` / `collation` are the database
/// defaults that tables without their own are compared against.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MysqlConnection {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uri: Option<ValueOrValueFrom>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host: Option<ValueOrValueFrom>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port: Option<ValueOrValueFrom>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<ValueOrValueFrom>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password: Option<ValueOrValueFrom>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dbname: Option<ValueOrValueFrom>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_charset: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub collation: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PostgresConnection {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uri: Option<ValueOrValueFrom>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host: Option<ValueOrValueFrom>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port: Option<ValueOrValueFrom>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<ValueOrValueFrom>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password: Option<ValueOrValueFrom>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dbname: Option<ValueOrValueFrom>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sslmode: Option<ValueOrValueFrom>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SqliteConnection {
    /// SchemaHero calls the SQLite location `dsn`; `uri` is accepted too.
    #[serde(default, alias = "uri", skip_serializing_if = "Option::is_none")]
    pub dsn: Option<ValueOrValueFrom>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ValueOrValueFrom {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value_from: Option<ValueFrom>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ValueFrom {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret_key_ref: Option<SecretKeyRef>,
    /// Outside Kubernetes: the name of an environment variable holding the value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub env: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SecretKeyRef {
    #[serde(default, deserialize_with = "crate::spec::null_as_default")]
    pub name: String,
    #[serde(default, deserialize_with = "crate::spec::null_as_default")]
    pub key: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct DatabaseManifest {
    pub source: String,
    pub name: String,
    pub namespace: Option<String>,
    pub spec: DatabaseSpec,
}

impl DatabaseManifest {
    /// Reads a `kind: Database` document; `None` for other kinds.
    pub fn from_document(doc: &OtherDocument) -> Option<Result<Self, SpecError>> {
        let spec: Result<DatabaseSpec, SpecError> = doc.spec_of("databases.schemahero.io", "Database")?;
        let err = |field: &str, message: String| doc.field_error(field, message);
        let Some(name) = doc.name.clone().filter(|n| !n.is_empty()) else {
            return Some(Err(err("metadata.name", "missing".into())));
        };
        let spec = match spec {
            Ok(spec) => spec,
            Err(e) => return Some(Err(e)),
        };
        if let Some(my) = &spec.connection.mysql {
            // Written into DDL unquoted (`DEFAULT CHARSET=…`): plain names only.
            for (field, value) in [("defaultCharset", &my.default_charset), ("collation", &my.collation)] {
                if let Some(Err(message)) = value.as_deref().map(crate::sql_safety::check_charset_name) {
                    return Some(Err(err(&format!("spec.connection.mysql.{field}"), message)));
                }
            }
        }
        Some(Ok(DatabaseManifest { source: doc.source.clone(), name, namespace: doc.namespace(), spec }))
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ConnectionError {
    #[error(
        "database {database}: no supported connection (expected connection.postgres, connection.cockroachdb, connection.mysql or connection.sqlite)"
    )]
    NoConnection { database: String },
    #[error("database {database}: {field} is missing")]
    Missing { database: String, field: String },
    #[error("database {database}: {field} reads environment variable {variable}, which is not set")]
    EnvUnset { database: String, field: String, variable: String },
    #[error("database {database}: {field} uses a secretKeyRef ({secret}/{key}), which needs Kubernetes; use value or valueFrom.env")]
    NeedsKubernetes { database: String, field: String, secret: String, key: String },
}

impl DatabaseSpec {
    /// The driver and connection URI, resolving `value`, `valueFrom.env` (via `env`) and, when
    /// `secret` can, `valueFrom.secretKeyRef`. Host/port/user/password/dbname/sslmode are
    /// assembled into a URI with the user and password percent-encoded.
    pub fn resolve(
        &self,
        database: &str,
        env: &dyn Fn(&str) -> Option<String>,
        secret: &dyn Fn(&str, &str) -> Option<String>,
    ) -> Result<(String, String), ConnectionError> {
        let get = |field: &str, v: &Option<ValueOrValueFrom>| -> Result<Option<String>, ConnectionError> {
            let Some(v) = v else { return Ok(None) };
            if let Some(value) = &v.value {
                return Ok(Some(value.clone()));
            }
            match &v.value_from {
                Some(ValueFrom { env: Some(variable), .. }) => env(variable).map(Some).ok_or_else(|| ConnectionError::EnvUnset {
                    database: database.into(),
                    field: field.into(),
                    variable: variable.clone(),
                }),
                Some(ValueFrom { secret_key_ref: Some(r), .. }) => {
                    secret(&r.name, &r.key).map(Some).ok_or_else(|| ConnectionError::NeedsKubernetes {
                        database: database.into(),
                        field: field.into(),
                        secret: r.name.clone(),
                        key: r.key.clone(),
                    })
                }
                _ => Ok(None),
            }
        };
        let c = &self.connection;
        if let Some(lite) = &c.sqlite {
            let dsn = get("connection.sqlite.dsn", &lite.dsn)?
                .ok_or_else(|| ConnectionError::Missing { database: database.into(), field: "connection.sqlite.dsn".into() })?;
            return Ok(("sqlite".into(), dsn));
        }
        if let Some(my) = &c.mysql {
            return resolve_mysql(database, my, &get);
        }
        let (driver, pg) = match (&c.postgres, &c.cockroachdb) {
            (Some(pg), _) => ("postgres", pg),
            (None, Some(pg)) => ("cockroachdb", pg),
            (None, None) => return Err(ConnectionError::NoConnection { database: database.into() }),
        };
        let base = format!("connection.{driver}");
        if let Some(uri) = get(&format!("{base}.uri"), &pg.uri)? {
            return Ok((driver.into(), uri));
        }
        let host = get(&format!("{base}.host"), &pg.host)?
            .ok_or_else(|| ConnectionError::Missing { database: database.into(), field: format!("{base}.uri or {base}.host") })?;
        let port = get(&format!("{base}.port"), &pg.port)?.unwrap_or_else(|| "5432".into());
        let user = get(&format!("{base}.user"), &pg.user)?.unwrap_or_default();
        let password = get(&format!("{base}.password"), &pg.password)?;
        let dbname = get(&format!("{base}.dbname"), &pg.dbname)?.unwrap_or_default();
        let sslmode = get(&format!("{base}.sslmode"), &pg.sslmode)?;
        let enc = |s: &str| -> String {
            s.bytes()
                .map(|b| if b.is_ascii_alphanumeric() || b"-._~".contains(&b) { (b as char).to_string() } else { format!("%{b:02X}") })
                .collect()
        };
        let auth = match (&user[..], &password) {
            ("", _) => String::new(),
            (u, Some(p)) => format!("{}:{}@", enc(u), enc(p)),
            (u, None) => format!("{}@", enc(u)),
        };
        let mut uri = format!("postgres://{auth}{host}:{port}/{}", enc(&dbname));
        if let Some(mode) = sslmode {
            uri.push_str(&format!("?sslmode={}", enc(&mode)));
        }
        Ok((driver.into(), uri))
    }
}

fn percent_encode(s: &str) -> String {
    s.bytes()
        .map(|b| if b.is_ascii_alphanumeric() || b"-._~".contains(&b) { (b as char).to_string() } else { format!("%{b:02X}") })
        .collect()
}

type Getter<'a> = dyn Fn(&str, &Option<ValueOrValueFrom>) -> Result<Option<String>, ConnectionError> + 'a;

/// A `mysql://` URI from the connection; the database defaults travel as the query parameters
/// `defaultCharset` / `defaultCollation`, which the MySQL engine reads (and the server never sees).
fn resolve_mysql(database: &str, my: &MysqlConnection, get: &Getter<'_>) -> Result<(String, String), ConnectionError> {
    let mut uri = match get("connection.mysql.uri", &my.uri)? {
        Some(uri) => uri,
        None => {
            let host = get("connection.mysql.host", &my.host)?.ok_or_else(|| ConnectionError::Missing {
                database: database.into(),
                field: "connection.mysql.uri or connection.mysql.host".into(),
            })?;
            let port = get("connection.mysql.port", &my.port)?.unwrap_or_else(|| "3306".into());
            let user = get("connection.mysql.user", &my.user)?.unwrap_or_default();
            let password = get("connection.mysql.password", &my.password)?;
            let dbname = get("connection.mysql.dbname", &my.dbname)?.unwrap_or_default();
            let auth = match (&user[..], &password) {
                ("", _) => String::new(),
                (u, Some(p)) => format!("{}:{}@", percent_encode(u), percent_encode(p)),
                (u, None) => format!("{}@", percent_encode(u)),
            };
            format!("mysql://{auth}{host}:{port}/{}", percent_encode(&dbname))
        }
    };
    let mut params = Vec::new();
    if let Some(cs) = &my.default_charset {
        params.push(format!("defaultCharset={}", percent_encode(cs)));
    }
    if let Some(co) = &my.collation {
        params.push(format!("defaultCollation={}", percent_encode(co)));
    }
    if !params.is_empty() {
        uri.push(if uri.contains('?') { '&' } else { '?' });
        uri.push_str(&params.join("&"));
    }
    Ok(("mysql".into(), uri))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Document, parse_documents};

    fn database(text: &str) -> DatabaseManifest {
        let parsed = parse_documents("db.yaml", text).unwrap();
        match &parsed.documents[0] {
            Document::Other(o) => DatabaseManifest::from_document(o).unwrap().unwrap(),
            other => panic!("{other:?}"),
        }
    }

    const GUIDE: &str = "apiVersion: databases.schemahero.io/v1alpha4\nkind: Database\nmetadata:\n  name: my-database\n  namespace: default\nspec:\n  immediateDeploy: true\n  connection:\n    postgres:\n      uri:\n        valueFrom:\n          secretKeyRef:\n            name: postgres-secret\n            key: uri\n";

    #[test]
    fn reads_the_operator_guide_database() {
        let db = database(GUIDE);
        assert_eq!((db.name.as_str(), db.namespace.as_deref()), ("my-database", Some("default")));
        assert!(db.spec.immediate_deploy);
        let no_env = |_: &str| None;
        let err = db.spec.resolve("my-database", &no_env, &|_, _| None).unwrap_err().to_string();
        assert!(err.contains("secretKeyRef (postgres-secret/uri)"), "{err}");
        let secret = |name: &str, key: &str| (name == "postgres-secret" && key == "uri").then(|| "postgres://u@h/db".to_string());
        assert_eq!(db.spec.resolve("my-database", &no_env, &secret).unwrap(), ("postgres".into(), "postgres://u@h/db".into()));
    }

    #[test]
    fn env_values_and_assembled_uris() {
        let db = database(&GUIDE.replace("secretKeyRef:\n            name: postgres-secret\n            key: uri\n", "env: PG_URI\n"));
        let env = |v: &str| (v == "PG_URI").then(|| "postgres://x@y/z".to_string());
        assert_eq!(db.spec.resolve("d", &env, &|_, _| None).unwrap().1, "postgres://x@y/z");
        let err = db.spec.resolve("d", &|_| None, &|_, _| None).unwrap_err();
        assert!(matches!(err, ConnectionError::EnvUnset { .. }));

        let parts = "apiVersion: databases.schemahero.io/v1alpha4\nkind: Database\nmetadata:\n  name: p\nspec:\n  connection:\n    postgres:\n      host: {value: 127.0.0.1}\n      user: {value: app}\n      password: {value: \"p@ss:word\"}\n      dbname: {value: main}\n      sslmode: {value: disable}\n";
        let db = database(parts);
        assert_eq!(
            db.spec.resolve("p", &|_| None, &|_, _| None).unwrap().1,
            "postgres://app:p%40ss%3Aword@127.0.0.1:5432/main?sslmode=disable"
        );

        let lite = database(
            "apiVersion: databases.schemahero.io/v1alpha4\nkind: Database\nmetadata:\n  name: l\nspec:\n  connection:\n    sqlite:\n      dsn: {value: /tmp/x.db}\n",
        );
        assert_eq!(lite.spec.resolve("l", &|_| None, &|_, _| None).unwrap(), ("sqlite".into(), "/tmp/x.db".into()));
    }

    #[test]
    fn mysql_connections_from_parts_and_uris() {
        let parts = "apiVersion: databases.schemahero.io/v1alpha4\nkind: Database\nmetadata:\n  name: m\nspec:\n  connection:\n    mysql:\n      host: {value: db}\n      user: {value: root}\n      password: {value: \"p@ss\"}\n      dbname: {value: app}\n      defaultCharset: utf8mb4\n      collation: utf8mb4_bin\n";
        let db = database(parts);
        assert_eq!(
            db.spec.resolve("m", &|_| None, &|_, _| None).unwrap(),
            ("mysql".into(), "mysql://root:p%40ss@db:3306/app?defaultCharset=utf8mb4&defaultCollation=utf8mb4_bin".into())
        );
        let dsn = "apiVersion: databases.schemahero.io/v1alpha4\nkind: Database\nmetadata:\n  name: m\nspec:\n  connection:\n    mysql:\n      uri: {value: \"u:p@tcp(h:3306)/d?tls=false\"}\n";
        assert_eq!(database(dsn).spec.resolve("m", &|_| None, &|_, _| None).unwrap().1, "u:p@tcp(h:3306)/d?tls=false");

        let hostile = parts.replace("collation: utf8mb4_bin", "collation: \"utf8mb4_bin; drop table z\"");
        let doc = match parse_documents("db.yaml", &hostile).unwrap().documents.pop() {
            Some(Document::Other(o)) => o,
            other => panic!("not a database: {other:?}"),
        };
        let err = DatabaseManifest::from_document(&doc).unwrap().unwrap_err().to_string();
        assert!(err.contains("spec.connection.mysql.collation") && err.contains("not a charset or collation name"), "{err}");
    }
}
