//! The three `schemahero.v1` gRPC services over one planner core, split by who calls them so
//! that each can be authorized for its role: [`ResourceApi`] (`ResourceService`, watchers),
//! [`MigrationApi`] (`MigrationService`, people and their tools) and [`ExecutorApi`]
//! (`ExecutorService`, executors).

mod executors;
mod migrations;
mod resources;
mod tokens;
mod watch;

pub use executors::ExecutorApi;
pub use migrations::{DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, MigrationApi};
pub use resources::ResourceApi;
pub use watch::{WATCH_BOOKMARK_INTERVAL, WATCH_POLL_INTERVAL};

use crate::core::CoreError;
use tonic::Status;

/// The gRPC status for a core error.
fn status(e: CoreError) -> Status {
    match e {
        CoreError::Invalid(m) => Status::invalid_argument(m),
        CoreError::NotFound(id) => Status::not_found(format!("migration {id} not found")),
        CoreError::Precondition(m) => Status::failed_precondition(m),
        CoreError::Plan { .. } => Status::unavailable(e.to_string()),
        CoreError::Conflict(_) => Status::aborted(e.to_string()),
        CoreError::Store(e) => Status::unavailable(e.to_string()),
    }
}
