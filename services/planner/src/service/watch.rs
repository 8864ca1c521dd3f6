//! WatchMigrations: follows the store's change sequence (every migration write takes the next
//! revision) from a resume token. The current state of what changed after the token is sent
//! first, then a bookmark, then changes as they are stored. A change made by this process
//! wakes the stream at once; changes by other planner replicas sharing the store are found by
//! a look at the store every [`WATCH_POLL_INTERVAL`].

use crate::core::{CoreError, PlannerCore};
use crate::model::MigrationRecord;
use crate::store::{Filter, MigrationStore};
use schemahero_proto::v1 as pb;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;
use tokio_stream::Stream;
use tonic::Status;

use super::{status, tokens};

/// How often a stream looks at the store for changes made by other planner replicas.
pub const WATCH_POLL_INTERVAL: Duration = Duration::from_secs(1);
/// A quiet stream sends a bookmark this often: the client's token keeps up with changes its
/// filters left out, and a dead connection is noticed.
pub const WATCH_BOOKMARK_INTERVAL: Duration = Duration::from_secs(30);
/// Changes read from the store per query.
const BATCH: usize = 500;

/// What a stream sends: the filters of ListMigrations and, optionally, one migration.
#[derive(Debug, Clone, Default)]
pub struct WatchFilter {
    pub list: Filter,
    pub id: Option<String>,
}

impl WatchFilter {
    fn matches(&self, m: &MigrationRecord) -> bool {
        let f = &self.list;
        f.namespace.as_ref().is_none_or(|ns| *ns == m.namespace)
            && f.database.as_ref().is_none_or(|db| *db == m.database)
            && f.table.as_ref().is_none_or(|t| *t == m.table_resource)
            && f.phase.is_none_or(|p| p == m.phase)
            && self.id.as_ref().is_none_or(|id| *id == m.id)
    }
}

fn store_status(e: crate::store::StoreError) -> Status {
    status(CoreError::Store(e))
}

/// The stream of changes after revision `after` (every migration when `None`). Errors before
/// the stream starts: UNIMPLEMENTED for a store without a change sequence, OUT_OF_RANGE for a
/// token ahead of the store (another store's, or one restored from a backup) or older than it
/// can resume from (Kubernetes mode, after a planner restart).
pub async fn watch<S: MigrationStore>(
    core: Arc<PlannerCore<S>>,
    filter: WatchFilter,
    after: Option<i64>,
) -> Result<impl Stream<Item = Result<pb::WatchMigrationsResponse, Status>> + Send + 'static, Status> {
    let Some(head) = core.store().current_revision().await.map_err(store_status)? else {
        return Err(Status::unimplemented("WatchMigrations: this migration store keeps no change sequence"));
    };
    let oldest = core.store().oldest_revision();
    if let Some(after) = after
        && after < oldest
    {
        return Err(Status::out_of_range(format!(
            "resume_token: revision {after} is older than this planner can resume from ({oldest}): in Kubernetes mode \
             tokens last as long as the planner process that issued them; list again and watch from the list's watch_token"
        )));
    }
    if let Some(after) = after
        && after > head
    {
        return Err(Status::out_of_range(format!(
            "resume_token: revision {after} is ahead of this store (at {head}): it was issued by another store; \
             list again and watch from the list's watch_token"
        )));
    }
    // Rows written before the store had revisions are at 0: a watch without a token sends them too.
    let start = after.unwrap_or(-1);
    let (tx, rx) = mpsc::channel(64);
    tokio::spawn(follow(core, filter, start, tx));
    Ok(tokio_stream::wrappers::ReceiverStream::new(rx))
}

type Sender = mpsc::Sender<Result<pb::WatchMigrationsResponse, Status>>;

/// Sends; false when the client has gone.
async fn send(tx: &Sender, migration: Option<pb::Migration>, revision: i64) -> bool {
    tx.send(Ok(pb::WatchMigrationsResponse { migration, resume_token: tokens::watch_token(revision.max(0)) })).await.is_ok()
}

async fn follow<S: MigrationStore>(core: Arc<PlannerCore<S>>, filter: WatchFilter, mut last: i64, tx: Sender) {
    let mut changes = core.subscribe_changes();
    let mut caught_up = false;
    let mut last_sent = tokio::time::Instant::now();
    loop {
        // Marked seen before the store is read: a write after this point wakes the wait below.
        changes.borrow_and_update();
        // The head is read first: every revision up to it has committed (revisions commit in
        // order), so after a short batch the stream is current up to at least the head.
        let head = match core.store().current_revision().await {
            Ok(head) => head.unwrap_or(last),
            Err(e) => {
                let _ = tx.send(Err(store_status(e))).await;
                return;
            }
        };
        let batch = match core.store().changes_since(last, BATCH).await {
            Ok(batch) => batch.unwrap_or_default(),
            Err(e) => {
                let _ = tx.send(Err(store_status(e))).await;
                return;
            }
        };
        let full = batch.len() >= BATCH;
        for m in batch {
            last = last.max(m.revision);
            if filter.matches(&m) {
                if !send(&tx, Some(m.to_proto()), last).await {
                    return;
                }
                last_sent = tokio::time::Instant::now();
            }
        }
        if full {
            continue; // more to replay
        }
        last = last.max(head);
        if !caught_up {
            caught_up = true;
            if !send(&tx, None, last).await {
                return;
            }
            last_sent = tokio::time::Instant::now();
        }
        tokio::select! {
            _ = changes.changed() => {}
            _ = tokio::time::sleep(WATCH_POLL_INTERVAL) => {}
            _ = tx.closed() => return,
        }
        if last_sent.elapsed() >= WATCH_BOOKMARK_INTERVAL {
            if !send(&tx, None, last).await {
                return;
            }
            last_sent = tokio::time::Instant::now();
        }
    }
}
