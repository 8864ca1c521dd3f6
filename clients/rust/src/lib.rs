//! A client for the SchemaHero planner's `MigrationService`, for CI jobs, bots and dashboards.
//!
//! ```no_run
//! # async fn example() -> Result<(), schemahero_client::Error> {
//! use schemahero_client::{Client, Filter, Phase, Tls};
//! use std::time::Duration;
//!
//! let tls = Tls::new("ca.crt", "reviewer.crt", "reviewer.key");
//! let client = Client::connect("https://schemahero-planner:7070", Some(tls)).await?;
//! let planned = client.list_all(Filter::new().namespace("default").phase(Phase::Planned)).await?;
//! for m in &planned {
//!     client.approve(&m.id, Some("reviewed in CI")).await?;
//!     client.wait_for(&m.id, Phase::Executed, Duration::from_secs(600)).await?;
//! }
//! # Ok(())
//! # }
//! ```
//!
//! Errors carry the gRPC status ([`Error::code`]); [`Watch`] reconnects by itself with its
//! resume token, so a dropped connection loses no change.

mod watch;

pub use schemahero_proto::prost_types::Timestamp;
pub use schemahero_proto::v1::{Hazard, HazardKind, Migration, Phase, PlanPreviewResponse as PlanPreview, Statement};
pub use watch::Watch;

use futures_util::{Stream, TryStreamExt};
use schemahero_proto::v1 as pb;
use schemahero_proto::v1::migration_service_client::MigrationServiceClient;
use std::collections::VecDeque;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use tonic::transport::{Channel, Endpoint};

/// What can go wrong. RPC failures keep the planner's status: match on [`Error::code`].
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{target:?} is not a planner URL (http://host:port or https://host:port): {reason}")]
    InvalidTarget { target: String, reason: String },
    #[error("TLS: {0}")]
    Tls(#[from] schemahero_tls::TlsError),
    #[error("cannot reach the planner at {target}: {source}")]
    Connect {
        target: String,
        #[source]
        source: tonic::transport::Error,
    },
    /// The planner answered with an error status (NOT_FOUND, PERMISSION_DENIED, ...).
    #[error("{}: {}", .0.code(), .0.message())]
    Rpc(Box<tonic::Status>),
    /// [`Client::wait_for`] ran out of time; `phase` is the last one seen.
    #[error("migration {id} is {phase:?}, not {wanted:?}, after {timeout:?}")]
    Timeout { id: String, wanted: Phase, phase: Phase, timeout: Duration },
    /// [`Client::wait_for`]: the migration reached a final phase other than the one waited for.
    #[error("migration {id} ended {phase:?} and will never be {wanted:?}{}", if .error.is_empty() { String::new() } else { format!(": {}", .error) })]
    Ended { id: String, wanted: Phase, phase: Phase, error: String },
    /// The planner answered something this client cannot use (a response without its migration).
    #[error("unexpected answer from the planner: {0}")]
    Protocol(String),
}

impl From<tonic::Status> for Error {
    fn from(status: tonic::Status) -> Self {
        Error::Rpc(Box::new(status))
    }
}

impl Error {
    /// The gRPC status, when the planner answered with one.
    pub fn status(&self) -> Option<&tonic::Status> {
        match self {
            Error::Rpc(status) => Some(status),
            _ => None,
        }
    }

    /// The gRPC status code, when the planner answered with one.
    pub fn code(&self) -> Option<tonic::Code> {
        self.status().map(tonic::Status::code)
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// The client's mTLS files (PEM): the CA the planner's certificate is signed by, and this
/// client's certificate (CN = user, O = groups; reviewers need `schemahero:reviewer`) and key.
/// They are read again when they change (rotated Secrets keep working).
#[derive(Debug, Clone)]
pub struct Tls {
    pub ca: PathBuf,
    pub cert: PathBuf,
    pub key: PathBuf,
    /// The name the planner's certificate must carry when it differs from the URL's host.
    pub server_name: Option<String>,
}

impl Tls {
    pub fn new(ca: impl Into<PathBuf>, cert: impl Into<PathBuf>, key: impl Into<PathBuf>) -> Self {
        Tls { ca: ca.into(), cert: cert.into(), key: key.into(), server_name: None }
    }

    pub fn server_name(mut self, name: impl Into<String>) -> Self {
        self.server_name = Some(name.into());
        self
    }
}

/// Which migrations: every field set must match (none set: all). `id` is for watches only.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filter {
    pub namespace: Option<String>,
    pub database: Option<String>,
    /// The Table resource's name.
    pub table: Option<String>,
    pub phase: Option<Phase>,
    pub id: Option<String>,
}

impl Filter {
    pub fn new() -> Self {
        Self::default()
    }
    pub fn namespace(mut self, namespace: impl Into<String>) -> Self {
        self.namespace = Some(namespace.into());
        self
    }
    pub fn database(mut self, database: impl Into<String>) -> Self {
        self.database = Some(database.into());
        self
    }
    pub fn table(mut self, table: impl Into<String>) -> Self {
        self.table = Some(table.into());
        self
    }
    pub fn phase(mut self, phase: Phase) -> Self {
        self.phase = Some(phase);
        self
    }
    pub fn id(mut self, id: impl Into<String>) -> Self {
        self.id = Some(id.into());
        self
    }

    fn list_request(&self, page_size: i32) -> pb::ListMigrationsRequest {
        pb::ListMigrationsRequest {
            namespace: self.namespace.clone().unwrap_or_default(),
            database: self.database.clone().unwrap_or_default(),
            table: self.table.clone().unwrap_or_default(),
            phase: self.phase.map(|p| p as i32).unwrap_or_default(),
            page_size,
            page_token: String::new(),
        }
    }

    fn watch_request(&self, resume_token: String) -> pb::WatchMigrationsRequest {
        pb::WatchMigrationsRequest {
            namespace: self.namespace.clone().unwrap_or_default(),
            database: self.database.clone().unwrap_or_default(),
            table: self.table.clone().unwrap_or_default(),
            phase: self.phase.map(|p| p as i32).unwrap_or_default(),
            id: self.id.clone().unwrap_or_default(),
            resume_token,
        }
    }
}

/// Migrations asked for per page by [`Client::list_migrations`].
pub const PAGE_SIZE: i32 = 500;

/// The phase of `m` (Unspecified for a value this build does not know).
pub fn phase_of(m: &Migration) -> Phase {
    Phase::try_from(m.phase).unwrap_or(Phase::Unspecified)
}

/// Whether a migration in `phase` will never change phase again.
pub fn is_final(phase: Phase) -> bool {
    matches!(phase, Phase::Executed | Phase::Rejected | Phase::Failed | Phase::Superseded)
}

/// A connection to the planner's `MigrationService`. Cheap to clone (one HTTP/2 connection).
#[derive(Clone)]
pub struct Client {
    inner: MigrationServiceClient<Channel>,
}

impl Client {
    /// Connects to `target` (`http://host:port`, or `https://host:port` with `tls`).
    pub async fn connect(target: &str, tls: Option<Tls>) -> Result<Client> {
        let invalid = |reason: String| Error::InvalidTarget { target: target.to_string(), reason };
        let endpoint = Endpoint::from_shared(target.to_string())
            .map_err(|e| invalid(e.to_string()))?
            .connect_timeout(Duration::from_secs(10))
            .http2_keep_alive_interval(Duration::from_secs(30))
            .keep_alive_while_idle(true);
        let tls = match (target.starts_with("https://"), tls) {
            (true, Some(t)) => Some(Arc::new(schemahero_tls::ClientTls::load(t.ca, t.cert, t.key, t.server_name)?)),
            (true, None) => return Err(invalid("https:// needs the TLS files (Tls::new(ca, cert, key))".into())),
            (false, Some(_)) => return Err(invalid("TLS files were given: use https://".into())),
            (false, None) => None,
        };
        let channel = schemahero_tls::client::connect(&endpoint, tls.as_ref())
            .await
            .map_err(|source| Error::Connect { target: target.to_string(), source })?;
        Ok(Self::from_channel(channel))
    }

    /// A client over a channel made elsewhere (interceptors, custom TLS).
    pub fn from_channel(channel: Channel) -> Client {
        // Lists of many migrations can exceed tonic's 4 MiB default.
        Client { inner: MigrationServiceClient::new(channel).max_decoding_message_size(64 * 1024 * 1024) }
    }

    /// The generated client, for what this layer does not cover.
    pub fn raw(&self) -> MigrationServiceClient<Channel> {
        self.inner.clone()
    }

    /// Every migration matching `filter`, oldest plan first, fetched a page at a time as the
    /// stream is read.
    pub fn list_migrations(&self, filter: Filter) -> impl Stream<Item = Result<Migration>> + Send + 'static {
        self.list_migrations_paged(filter, PAGE_SIZE)
    }

    /// As [`Client::list_migrations`], `page_size` per request (the planner caps it at 1000).
    pub fn list_migrations_paged(&self, filter: Filter, page_size: i32) -> impl Stream<Item = Result<Migration>> + Send + 'static {
        struct Pages {
            client: MigrationServiceClient<Channel>,
            request: pb::ListMigrationsRequest,
            buffered: VecDeque<Migration>,
            done: bool,
        }
        let start = Pages { client: self.inner.clone(), request: filter.list_request(page_size), buffered: VecDeque::new(), done: false };
        futures_util::stream::try_unfold(start, |mut pages| async move {
            loop {
                if let Some(m) = pages.buffered.pop_front() {
                    return Ok(Some((m, pages)));
                }
                if pages.done {
                    return Ok(None);
                }
                let page = pages.client.list_migrations(pages.request.clone()).await?.into_inner();
                pages.buffered.extend(page.migrations);
                pages.done = page.next_page_token.is_empty();
                pages.request.page_token = page.next_page_token;
            }
        })
    }

    /// [`Client::list_migrations`] collected.
    pub async fn list_all(&self, filter: Filter) -> Result<Vec<Migration>> {
        self.list_migrations(filter).try_collect().await
    }

    pub async fn get_migration(&self, id: &str) -> Result<Migration> {
        let response = self.inner.clone().get_migration(pb::GetMigrationRequest { id: id.to_string() }).await?;
        response.into_inner().migration.ok_or_else(|| Error::Protocol(format!("GetMigration {id} returned no migration")))
    }

    /// Approves a Planned migration; `comment` is kept on it (`approval_comment`).
    pub async fn approve(&self, id: &str, comment: Option<&str>) -> Result<Migration> {
        let request = pb::ApproveMigrationRequest { id: id.to_string(), comment: comment.unwrap_or_default().to_string() };
        let response = self.inner.clone().approve_migration(request).await?;
        response.into_inner().migration.ok_or_else(|| Error::Protocol(format!("ApproveMigration {id} returned no migration")))
    }

    /// Rejects a Planned or Approved migration; `comment` is kept on it (`rejection_comment`).
    pub async fn reject(&self, id: &str, comment: Option<&str>) -> Result<Migration> {
        let request = pb::RejectMigrationRequest { id: id.to_string(), comment: comment.unwrap_or_default().to_string() };
        let response = self.inner.clone().reject_migration(request).await?;
        response.into_inner().migration.ok_or_else(|| Error::Protocol(format!("RejectMigration {id} returned no migration")))
    }

    /// Follows changes to the migrations matching `filter`: first the current state of those
    /// changed after `resume_token` (of all of them without one), then each change as it
    /// happens. See [`Watch`].
    pub async fn watch_migrations(&self, filter: Filter, resume_token: Option<String>) -> Result<Watch> {
        Watch::start(self.inner.clone(), filter, resume_token.unwrap_or_default()).await
    }

    /// Waits until migration `id` is in `phase`; [`Error::Ended`] as soon as it reaches another
    /// final phase, [`Error::Timeout`] after `timeout`. Follows a watch (polls once a second on
    /// a planner without WatchMigrations, one from before it existed).
    pub async fn wait_for(&self, id: &str, phase: Phase, timeout: Duration) -> Result<Migration> {
        let deadline = tokio::time::Instant::now() + timeout;
        let mut last = self.get_migration(id).await?; // NOT_FOUND at once for a wrong id
        let check = |m: &Migration| -> Result<bool> {
            let now = phase_of(m);
            if now == phase {
                return Ok(true);
            }
            if is_final(now) {
                return Err(Error::Ended { id: id.to_string(), wanted: phase, phase: now, error: m.error.clone() });
            }
            Ok(false)
        };
        if check(&last)? {
            return Ok(last);
        }
        let timed_out = |last: &Migration| Error::Timeout { id: id.to_string(), wanted: phase, phase: phase_of(last), timeout };
        match self.watch_migrations(Filter::new().id(id), None).await {
            Ok(mut watch) => loop {
                match tokio::time::timeout_at(deadline, watch.next()).await {
                    Err(_) => return Err(timed_out(&last)),
                    Ok(None) => return Err(Error::Protocol("the watch ended".into())),
                    Ok(Some(m)) => {
                        last = m?;
                        if check(&last)? {
                            return Ok(last);
                        }
                    }
                }
            },
            Err(e) if e.code() == Some(tonic::Code::Unimplemented) => loop {
                if tokio::time::Instant::now() >= deadline {
                    return Err(timed_out(&last));
                }
                tokio::time::sleep_until(deadline.min(tokio::time::Instant::now() + Duration::from_secs(1))).await;
                last = self.get_migration(id).await?;
                if check(&last)? {
                    return Ok(last);
                }
            },
            Err(e) => Err(e),
        }
    }

    /// Plans `table_spec` (a Table spec or resource, JSON or YAML) against the Database
    /// `namespace/database` the planner knows: the statements, with hazards, a migration would
    /// hold now. Nothing is stored.
    pub async fn plan_preview(&self, namespace: &str, database: &str, table_spec: &str) -> Result<PlanPreview> {
        let request =
            pb::PlanPreviewRequest { namespace: namespace.to_string(), database: database.to_string(), table_spec: table_spec.to_string() };
        Ok(self.inner.clone().plan_preview(request).await?.into_inner())
    }
}
