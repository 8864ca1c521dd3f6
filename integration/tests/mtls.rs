//! mTLS and roles against the real planner process: each role allowed and refused on each
//! service, clients without a (trusted) certificate refused, certificates rotated without a
//! restart, plaintext refused off loopback, and a whole review cycle (watcher → planner → CLI
//! approval → executor) over mTLS that records who approved.

use schemahero_integration::services::*;
use schemahero_proto::v1 as pb;
use schemahero_proto::v1::executor_service_client::ExecutorServiceClient;
use schemahero_proto::v1::migration_service_client::MigrationServiceClient;
use schemahero_proto::v1::resource_service_client::ResourceServiceClient;
use schemahero_tls::pki::{CertificateAuthority, Issued};
use schemahero_tls::{ClientTls, roles};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
use tonic::Code;
use tonic::transport::{Channel, Endpoint};

const WAIT: Duration = Duration::from_secs(30);

/// Writes a file the way a Kubernetes Secret volume changes: a new file renamed over the old.
fn replace(path: &Path, contents: &str) {
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, contents).unwrap();
    std::fs::rename(&tmp, path).unwrap();
}

/// Writes `issued` as `<name>.crt` / `<name>.key` in `dir`.
fn write_pair(dir: &Path, name: &str, issued: &Issued) -> (PathBuf, PathBuf) {
    let (cert, key) = (dir.join(format!("{name}.crt")), dir.join(format!("{name}.key")));
    replace(&cert, &issued.cert_pem);
    replace(&key, &issued.key_pem);
    (cert, key)
}

struct Pki {
    dir: PathBuf,
    ca: CertificateAuthority,
    ca_path: PathBuf,
}

impl Pki {
    fn new(dir: &Path, name: &str) -> Self {
        let ca = CertificateAuthority::generate(&format!("{name} CA"), 30).unwrap();
        let ca_path = dir.join(format!("{name}-ca.crt"));
        replace(&ca_path, &ca.cert_pem);
        Pki { dir: dir.to_path_buf(), ca, ca_path }
    }

    fn client(&self, name: &str, user: &str, groups: &[&str]) -> (PathBuf, PathBuf) {
        write_pair(&self.dir, name, &self.ca.issue(user, groups, &[], 30).unwrap())
    }

    fn tls(&self, name: &str, user: &str, groups: &[&str]) -> Arc<ClientTls> {
        let (cert, key) = self.client(name, user, groups);
        Arc::new(ClientTls::load(self.ca_path.clone(), cert, key, None).unwrap())
    }
}

async fn tls_channel(address: &str, tls: &Arc<ClientTls>) -> Result<Channel, tonic::transport::Error> {
    let endpoint = Endpoint::from_shared(format!("https://{address}")).unwrap().connect_timeout(Duration::from_secs(5));
    schemahero_tls::client::connect(&endpoint, Some(tls)).await
}

/// The code of one call to each service (Ok for a call that was let through, whatever it did).
async fn codes(channel: Channel) -> [Code; 3] {
    let code = |r: Result<(), tonic::Status>| r.err().map(|s| s.code()).unwrap_or(Code::Ok);
    let resources = ResourceServiceClient::new(channel.clone())
        .stream_resources(tokio_stream::iter(Vec::<pb::StreamResourcesRequest>::new()))
        .await
        .map(|_| ());
    let migrations = MigrationServiceClient::new(channel.clone()).list_migrations(pb::ListMigrationsRequest::default()).await.map(|_| ());
    let executors = ExecutorServiceClient::new(channel)
        .claim_migration(pb::ClaimMigrationRequest { executor_id: "probe".into(), lease_seconds: 5 })
        .await
        .map(|_| ());
    [code(resources), code(migrations), code(executors)]
}

fn start_tls_planner(dir: &Path, server: &(PathBuf, PathBuf), client_ca: &Path) -> (Proc, String) {
    spawn_planner(
        dir,
        &[
            "--listen",
            "127.0.0.1:0",
            "--store",
            dir.join("planner.db").to_str().unwrap(),
            "--drift-interval-secs",
            "3600",
            "--debounce-ms",
            "50",
            "--tls-cert",
            server.0.to_str().unwrap(),
            "--tls-key",
            server.1.to_str().unwrap(),
            "--tls-client-ca",
            client_ca.to_str().unwrap(),
        ],
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_role_is_allowed_its_service_and_refused_the_others() {
    let dir = scratch("mtls-roles");
    let pki = Pki::new(&dir, "main");
    let server = write_pair(&dir, "planner", &pki.ca.issue("schemahero-planner", &[], &["localhost", "127.0.0.1"], 30).unwrap());
    let (_planner, address) = start_tls_planner(&dir, &server, &pki.ca_path);

    let allowed = |i: usize| {
        let mut codes = [Code::PermissionDenied; 3];
        codes[i] = Code::Ok;
        codes
    };
    for (name, groups, expected) in [
        ("watcher", vec![roles::WATCHER], allowed(0)),
        ("reviewer", vec![roles::REVIEWER], allowed(1)),
        ("executor", vec![roles::EXECUTOR], allowed(2)),
        ("nobody", vec![], [Code::PermissionDenied; 3]),
        ("other-group", vec!["system:masters"], [Code::PermissionDenied; 3]),
        ("two-roles", vec![roles::WATCHER, roles::REVIEWER], [Code::Ok, Code::Ok, Code::PermissionDenied]),
    ] {
        let tls = pki.tls(name, name, &groups);
        let channel = tls_channel(&address, &tls).await.unwrap_or_else(|e| panic!("{name} connects: {e:?}"));
        assert_eq!(codes(channel).await, expected, "{name} with groups {groups:?}");
    }

    // The refusal names the role and the caller.
    let channel = tls_channel(&address, &pki.tls("mallory", "mallory", &[roles::WATCHER])).await.unwrap();
    let refused = MigrationServiceClient::new(channel)
        .approve_migration(pb::ApproveMigrationRequest { id: "anything".into(), ..Default::default() })
        .await
        .expect_err("a watcher cannot approve");
    assert_eq!(refused.code(), Code::PermissionDenied);
    assert!(
        refused.message().contains(roles::REVIEWER) && refused.message().contains("mallory"),
        "names the missing role and the caller: {}",
        refused.message()
    );

    // WatchMigrations and PlanPreview are MigrationService: reviewers only (a preview reads the
    // live schema of a database, which is what reviewers see in migrations anyway).
    for (name, groups, allowed) in [("watcher-2", vec![roles::WATCHER], false), ("reviewer-2", vec![roles::REVIEWER], true)] {
        let channel = tls_channel(&address, &pki.tls(name, name, &groups)).await.unwrap();
        let mut client = MigrationServiceClient::new(channel);
        let watch = client.watch_migrations(pb::WatchMigrationsRequest::default()).await.map(|_| ()).map_err(|s| s.code());
        assert_eq!(watch, if allowed { Ok(()) } else { Err(Code::PermissionDenied) }, "{name}: WatchMigrations");
        let preview = client
            .plan_preview(pb::PlanPreviewRequest { namespace: "default".into(), database: "none".into(), table_spec: "name: t".into() })
            .await
            .expect_err("no such Database");
        let expected = if allowed { Code::FailedPrecondition } else { Code::PermissionDenied };
        assert_eq!(preview.code(), expected, "{name}: PlanPreview: {}", preview.message());
    }

    // A service nobody granted is refused to every certificate, whatever the path spells.
    let channel = tls_channel(&address, &pki.tls("all-roles", "root", &[roles::WATCHER, roles::REVIEWER])).await.unwrap();
    for path in ["/schemahero.v1.Bogus/Call", "/schemahero.v1.migrationservice/ListMigrations", "/x/y"] {
        let mut grpc = tonic::client::Grpc::new(channel.clone());
        grpc.ready().await.unwrap();
        let codec = tonic_prost::ProstCodec::<pb::ListMigrationsRequest, pb::ListMigrationsResponse>::default();
        let status = grpc
            .unary(tonic::Request::new(pb::ListMigrationsRequest::default()), http::uri::PathAndQuery::from_static(path), codec)
            .await
            .expect_err("not granted");
        assert_eq!(status.code(), Code::PermissionDenied, "{path}: {status:?}");
    }

    // A certificate must name its user: no CN, or the reserved "anonymous", is refused at the
    // handshake.
    for (name, user) in [("no-cn", ""), ("anon", "anonymous")] {
        let tls = pki.tls(name, user, &[roles::REVIEWER]);
        let result = match tls_channel(&address, &tls).await {
            Err(e) => Err(format!("{e:?}")),
            Ok(channel) => {
                MigrationServiceClient::new(channel).list_migrations(pb::ListMigrationsRequest::default()).await.map_err(|s| s.to_string())
            }
        };
        assert!(result.is_err(), "a certificate with CN {user:?} must be refused");
    }

    // Health stays open to any certificate (probes), and SERVING.
    let channel = tls_channel(&address, &pki.tls("prober", "prober", &[])).await.unwrap();
    let health = tonic_health::pb::health_client::HealthClient::new(channel)
        .check(tonic_health::pb::HealthCheckRequest { service: String::new() })
        .await
        .expect("health check over mTLS");
    assert_eq!(health.into_inner().status, tonic_health::pb::health_check_response::ServingStatus::Serving as i32);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clients_without_a_trusted_certificate_are_refused() {
    let dir = scratch("mtls-refused");
    let pki = Pki::new(&dir, "main");
    let rogue = Pki::new(&dir, "rogue");
    let server = write_pair(&dir, "planner", &pki.ca.issue("schemahero-planner", &[], &["localhost", "127.0.0.1"], 30).unwrap());
    let (mut planner, address) = start_tls_planner(&dir, &server, &pki.ca_path);

    // A certificate from another CA (trusting the right server CA) is refused at the handshake.
    let (cert, key) = rogue.client("rogue-reviewer", "eve", &[roles::REVIEWER]);
    let tls = Arc::new(ClientTls::load(pki.ca_path.clone(), cert, key, None).unwrap());
    let result = match tls_channel(&address, &tls).await {
        Err(e) => Err(format!("{e:?}")),
        Ok(channel) => {
            MigrationServiceClient::new(channel).list_migrations(pb::ListMigrationsRequest::default()).await.map_err(|s| s.to_string())
        }
    };
    assert!(result.is_err(), "a certificate from an untrusted CA must not get through");

    // No certificate at all: the handshake completes on the client's side (TLS 1.3) and the
    // server's refusal arrives as the first thing read.
    let mut roots = rustls::RootCertStore::empty();
    use rustls_pki_types::pem::PemObject;
    for der in rustls_pki_types::CertificateDer::pem_file_iter(&pki.ca_path).unwrap() {
        roots.add(der.unwrap()).unwrap();
    }
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    let tcp = tokio::net::TcpStream::connect(&address).await.unwrap();
    let name = rustls_pki_types::ServerName::try_from("127.0.0.1").unwrap();
    let refused = match tokio_rustls::TlsConnector::from(Arc::new(config)).connect(name, tcp).await {
        Err(_) => true,
        Ok(mut stream) => {
            use tokio::io::{AsyncReadExt, AsyncWriteExt};
            let _ = stream.write_all(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n").await;
            let mut buf = [0u8; 64];
            matches!(tokio::time::timeout(Duration::from_secs(5), stream.read(&mut buf)).await, Ok(Err(_)) | Ok(Ok(0)))
        }
    };
    assert!(refused, "a client without a certificate must be refused");

    // Plaintext to a TLS planner gets nowhere.
    let plain = Channel::from_shared(format!("http://{address}")).unwrap().connect().await;
    if let Ok(channel) = plain {
        let r = MigrationServiceClient::new(channel).list_migrations(pb::ListMigrationsRequest::default()).await;
        assert!(r.is_err(), "plaintext must not reach a TLS planner");
    }

    // A connection that never says anything holds up no one.
    let _silent = tokio::net::TcpStream::connect(&address).await.unwrap();
    let channel = tls_channel(&address, &pki.tls("reviewer", "alice", &[roles::REVIEWER])).await.unwrap();
    MigrationServiceClient::new(channel).list_migrations(pb::ListMigrationsRequest::default()).await.expect("a reviewer gets through");

    let log = planner.log_text();
    assert!(log.contains("TLS handshake refused"), "refusals are logged: {log}");
    assert!(planner.is_running(), "the planner is still up");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn certificates_are_rotated_without_a_restart() {
    let dir = scratch("mtls-rotation");
    let old = Pki::new(&dir, "old");
    let new = Pki::new(&dir, "new");
    let server_old = old.ca.issue("schemahero-planner", &[], &["localhost", "127.0.0.1"], 30).unwrap();
    let server = write_pair(&dir, "planner", &server_old);
    let client_ca = dir.join("client-ca.crt");
    replace(&client_ca, &old.ca.cert_pem);
    let (mut planner, address) = start_tls_planner(&dir, &server, &client_ca);

    let old_reviewer = old.tls("old-reviewer", "alice", &[roles::REVIEWER]);
    let list = |channel: Channel| async move {
        MigrationServiceClient::new(channel).list_migrations(pb::ListMigrationsRequest::default()).await.map(|_| ())
    };
    list(tls_channel(&address, &old_reviewer).await.unwrap()).await.expect("the old certificates work");
    // A client of the new CA is not trusted yet, and does not trust the old server certificate.
    let new_reviewer = new.tls("new-reviewer", "bob", &[roles::REVIEWER]);
    assert!(tls_channel(&address, &new_reviewer).await.is_err(), "the new CA is not in use yet");

    // Rotate: the server certificate now comes from the new CA and clients of either CA are
    // accepted (the overlap a real rotation needs).
    write_pair(&dir, "planner", &new.ca.issue("schemahero-planner", &[], &["localhost", "127.0.0.1"], 30).unwrap());
    replace(&client_ca, &format!("{}{}", old.ca.cert_pem, new.ca.cert_pem));
    list(tls_channel(&address, &new_reviewer).await.expect("the rotated server certificate is served"))
        .await
        .expect("new client CA accepted");
    assert!(tls_channel(&address, &old_reviewer).await.is_err(), "the old server certificate is no longer served");

    // A client's own files are re-read too: the same ClientTls, pointed at files that now hold
    // the new CA and a new certificate, connects on its next connection.
    let (cert, key) = old.client("rotating", "carol", &[roles::REVIEWER]);
    let ca = dir.join("rotating-ca.crt");
    replace(&ca, &old.ca.cert_pem);
    let rotating = Arc::new(ClientTls::load(ca.clone(), cert, key, None).unwrap());
    assert!(tls_channel(&address, &rotating).await.is_err(), "trusts only the old CA");
    replace(&ca, &new.ca.cert_pem);
    new.client("rotating", "carol", &[roles::REVIEWER]);
    // The planner now trusts only the new CA: being accepted proves the client presents its
    // new certificate, not only that it re-read the CA it trusts.
    replace(&client_ca, &new.ca.cert_pem);
    list(tls_channel(&address, &rotating).await.expect("the client re-read its files")).await.expect("and is accepted");

    // A broken rotation (a key that does not fit) keeps the working certificates and says why.
    replace(&dir.join("planner.key"), &old.ca.issue("x", &[], &[], 1).unwrap().key_pem);
    list(tls_channel(&address, &new_reviewer).await.expect("still served")).await.expect("still accepted");
    let log = planner.log_text();
    assert!(log.contains("TLS certificates reloaded"), "{log}");
    assert!(log.contains("cannot be loaded; keeping the previous ones"), "{log}");
    assert!(planner.is_running());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plaintext_is_refused_off_loopback_unless_insecure() {
    let dir = scratch("mtls-insecure");
    let store = dir.join("planner.db");
    let out = std::process::Command::new(bin_dir().join("schemahero-planner"))
        .args(["--listen", "0.0.0.0:0", "--store", store.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(!out.status.success(), "must refuse to start");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("refusing to listen on 0.0.0.0") && stderr.contains("--insecure"), "{stderr}");

    // Only some of the three files: a clear error, not a half-configured server.
    let out = std::process::Command::new(bin_dir().join("schemahero-planner"))
        .args(["--listen", "127.0.0.1:0", "--store", store.to_str().unwrap(), "--tls-cert", "/nonexistent.crt"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--tls-client-ca"), "{}", String::from_utf8_lossy(&out.stderr));

    // A missing file is named.
    let out = std::process::Command::new(bin_dir().join("schemahero-planner"))
        .args([
            "--listen",
            "127.0.0.1:0",
            "--store",
            store.to_str().unwrap(),
            "--tls-cert",
            "/nonexistent.crt",
            "--tls-key",
            "/nonexistent.key",
            "--tls-client-ca",
            "/nonexistent-ca.crt",
        ])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--tls-cert /nonexistent.crt"), "{}", String::from_utf8_lossy(&out.stderr));

    // --insecure with the TLS files: TLS stays on; plaintext gets nowhere.
    let pki = Pki::new(&dir, "insecure");
    let server = write_pair(&dir, "planner", &pki.ca.issue("schemahero-planner", &[], &["127.0.0.1"], 30).unwrap());
    let (_tls_planner, tls_address) = spawn_planner(
        &dir,
        &[
            "--listen",
            "127.0.0.1:0",
            "--insecure",
            "--store",
            dir.join("tls.db").to_str().unwrap(),
            "--tls-cert",
            server.0.to_str().unwrap(),
            "--tls-key",
            server.1.to_str().unwrap(),
            "--tls-client-ca",
            pki.ca_path.to_str().unwrap(),
        ],
    );
    if let Ok(channel) = Channel::from_shared(format!("http://{tls_address}")).unwrap().connect().await {
        let r = MigrationServiceClient::new(channel).list_migrations(pb::ListMigrationsRequest::default()).await;
        assert!(r.is_err(), "--insecure must not turn TLS off");
    }

    // --insecure: it starts, and anyone may call.
    let (mut planner, address) =
        spawn_planner(&dir, &["--listen", "0.0.0.0:0", "--insecure", "--store", store.to_str().unwrap(), "--drift-interval-secs", "3600"]);
    let port = address.rsplit(':').next().unwrap();
    let mut client = client(&format!("http://127.0.0.1:{port}")).await;
    client.list_migrations(pb::ListMigrationsRequest::default()).await.expect("plaintext call");
    assert!(planner.is_running());

    // A client given TLS files for an http:// planner is told what is wrong.
    let out =
        cli(&["get", "migrations", "--planner", "http://127.0.0.1:1", "--tls-ca", "/x.crt", "--tls-cert", "/y.crt", "--tls-key", "/z.key"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("not https://"), "{}", String::from_utf8_lossy(&out.stderr));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_review_cycle_over_mtls_records_who_approved() {
    let dir = scratch("mtls-cycle");
    let pki = Pki::new(&dir, "main");
    let server = write_pair(&dir, "planner", &pki.ca.issue("schemahero-planner", &[], &["localhost", "127.0.0.1"], 30).unwrap());
    let (_planner, address) = start_tls_planner(&dir, &server, &pki.ca_path);
    let url = format!("https://{address}");
    let ca = pki.ca_path.to_str().unwrap().to_string();

    let specs = dir.join("specs");
    std::fs::create_dir_all(&specs).unwrap();
    let app_db = dir.join("app.db");
    std::fs::write(
        specs.join("db.yaml"),
        format!(
            "apiVersion: databases.schemahero.io/v1alpha4\nkind: Database\nmetadata:\n  name: app\nspec:\n  connection:\n    sqlite:\n      dsn:\n        value: {}\n",
            app_db.display()
        ),
    )
    .unwrap();
    std::fs::write(
        specs.join("users.yaml"),
        "apiVersion: schemas.schemahero.io/v1alpha4\nkind: Table\nmetadata:\n  name: users\nspec:\n  database: app\n  name: users\n  schema:\n    sqlite:\n      primaryKey: [id]\n      columns:\n        - name: id\n          type: integer\n",
    )
    .unwrap();

    let (wc, wk) = pki.client("watcher", "schemahero-watcher", &[roles::WATCHER]);
    let (ec, ek) = pki.client("executor", "schemahero-executor", &[roles::EXECUTOR]);
    let (rc, rk) = pki.client("reviewer", "alice", &[roles::REVIEWER]);
    // The services take their files from the environment, as the deployments give them.
    let (wc, wk, ec, ek) = (wc.to_str().unwrap(), wk.to_str().unwrap(), ec.to_str().unwrap(), ek.to_str().unwrap());
    let _watcher = spawn_with_env(
        "watcher",
        "schemahero-watcher",
        &["--planner", &url, "--spec-dir", specs.to_str().unwrap(), "--poll-interval-ms", "100"],
        &[("SCHEMAHERO_TLS_CA", ca.as_str()), ("SCHEMAHERO_TLS_CERT", wc), ("SCHEMAHERO_TLS_KEY", wk)],
        &dir,
    );
    let _executor = spawn_with_env(
        "executor",
        "schemahero-executor",
        &["--planner", &url, "--id", "ex-1", "--poll-interval-ms", "100"],
        &[("SCHEMAHERO_TLS_CA", ca.as_str()), ("SCHEMAHERO_TLS_CERT", ec), ("SCHEMAHERO_TLS_KEY", ek)],
        &dir,
    );

    let reviewer = |args: &[&str]| {
        let mut all: Vec<&str> = args.to_vec();
        all.extend(["--planner", &url, "--tls-ca", &ca, "--tls-cert", rc.to_str().unwrap(), "--tls-key", rk.to_str().unwrap()]);
        cli(&all)
    };
    let id = wait_for("a Planned migration listed through mTLS", WAIT, || async {
        let out = reviewer(&["get", "migrations", "-o", "json"]);
        let list: serde_json::Value = serde_json::from_slice(&out.stdout).ok()?;
        list.as_array()?.iter().find(|m| m["phase"] == "Planned").map(|m| m["name"].as_str().unwrap_or_default().to_string())
    })
    .await;
    let out = reviewer(&["approve", "migration", &id]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    wait_for("the executor applies it over mTLS", WAIT, || async {
        let out = reviewer(&["describe", "migration", &id]);
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        text.contains("Executed").then_some(text)
    })
    .await;
    let text = String::from_utf8_lossy(&reviewer(&["describe", "migration", &id]).stdout).into_owned();
    assert!(text.lines().any(|l| l.starts_with("Approved by:") && l.trim_end().ends_with("alice")), "{text}");
    assert!(app_db.exists(), "the table was created in the target database");

    // The CLI without its certificate cannot reach the API.
    let out = cli(&["get", "migrations", "--planner", &url]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--tls-ca"), "{}", String::from_utf8_lossy(&out.stderr));
}
