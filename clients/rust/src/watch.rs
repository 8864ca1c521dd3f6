//! [`Watch`]: a WatchMigrations stream that resumes by itself.

use crate::{Error, Filter, Migration, Result};
use schemahero_proto::v1 as pb;
use schemahero_proto::v1::migration_service_client::MigrationServiceClient;
use std::time::Duration;
use tonic::transport::Channel;

/// Reconnection attempts in a row before [`Watch::next`] gives up with the last error.
const RECONNECTS: u32 = 8;

/// Changes to migrations, as they happen. Bookmarks (which only move the resume token) are
/// consumed here. When the connection drops (a planner restart, a network blip, the planner's
/// hourly reconnect under TLS) the watch reconnects with the last resume token and goes on:
/// nothing is missed, and a migration that changed meanwhile comes once, as it is now.
pub struct Watch {
    client: MigrationServiceClient<Channel>,
    filter: Filter,
    resume_token: String,
    stream: Option<tonic::Streaming<pb::WatchMigrationsResponse>>,
    caught_up: bool,
}

/// Codes after which reconnecting can help: the connection or the planner went away.
fn retryable(code: tonic::Code) -> bool {
    matches!(code, tonic::Code::Unavailable | tonic::Code::Unknown | tonic::Code::Internal | tonic::Code::Cancelled | tonic::Code::Aborted)
}

impl Watch {
    pub(crate) async fn start(client: MigrationServiceClient<Channel>, filter: Filter, resume_token: String) -> Result<Watch> {
        let mut watch = Watch { client, filter, resume_token, stream: None, caught_up: false };
        watch.open().await?;
        Ok(watch)
    }

    async fn open(&mut self) -> Result<()> {
        let request = self.filter.watch_request(self.resume_token.clone());
        self.stream = Some(self.client.watch_migrations(request).await?.into_inner());
        Ok(())
    }

    /// Where to resume: pass it to [`crate::Client::watch_migrations`] in another process (or
    /// after a restart) to receive only what changed after what this watch has returned.
    pub fn resume_token(&self) -> &str {
        &self.resume_token
    }

    /// Whether the replay of past changes is over (the planner's first bookmark arrived).
    pub fn caught_up(&self) -> bool {
        self.caught_up
    }

    /// The next change; `None` never (the watch reconnects), `Some(Err)` when the planner
    /// refuses it (a stale token: OUT_OF_RANGE, list again) or cannot be reached for a while.
    pub async fn next(&mut self) -> Option<Result<Migration>> {
        let mut failures = 0u32;
        loop {
            let received = match self.stream.as_mut() {
                Some(stream) => stream.message().await,
                None => Err(tonic::Status::unavailable("not connected")),
            };
            let failure = match received {
                Ok(Some(message)) => {
                    failures = 0;
                    self.resume_token = message.resume_token;
                    match message.migration {
                        Some(m) => return Some(Ok(m)),
                        None => {
                            self.caught_up = true;
                            continue;
                        }
                    }
                }
                // The planner ended the stream (it is shutting down): resume elsewhere.
                Ok(None) => tonic::Status::unavailable("the planner ended the watch"),
                Err(status) => status,
            };
            self.stream = None;
            if !retryable(failure.code()) || failures >= RECONNECTS {
                return Some(Err(Error::from(failure)));
            }
            // 0.1 s, 0.2 s, ... up to 5 s between attempts.
            tokio::time::sleep(Duration::from_millis(100 << failures.min(6)).min(Duration::from_secs(5))).await;
            failures += 1;
            if let Err(e) = self.open().await
                && !e.code().is_some_and(retryable)
            {
                return Some(Err(e));
            }
        }
    }
}
