//! The `schemahero.v1` API: `ResourceService` (watchers), `MigrationService` (people and their
//! tools) and `ExecutorService` (executors), all served by the planner.

pub mod v1 {
    tonic::include_proto!("schemahero.v1");

    /// The encoded descriptor set of every `schemahero.v1` file, for gRPC server reflection.
    pub const FILE_DESCRIPTOR_SET: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/schemahero_descriptor.bin"));

    /// The fully qualified names of the three services, as health checks and reflection
    /// know them.
    pub const SERVICE_NAMES: [&str; 3] =
        [resource_service_server::SERVICE_NAME, migration_service_server::SERVICE_NAME, executor_service_server::SERVICE_NAME];
}
