//! The `schemahero.v1` API.

pub mod v1 {
    tonic::include_proto!("schemahero.v1");

    /// The encoded descriptor set, for gRPC server reflection.
    pub const FILE_DESCRIPTOR_SET: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/schemahero_descriptor.bin"));
}
