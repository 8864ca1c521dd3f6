//! The descriptor set served by reflection holds every file and all three services.

use prost::Message;
use schemahero_proto::v1::{FILE_DESCRIPTOR_SET, SERVICE_NAMES};

#[test]
fn descriptor_set_has_the_three_services() {
    let set = prost_types_free::FileDescriptorSet::decode(FILE_DESCRIPTOR_SET).expect("the descriptor set decodes");
    let mut services: Vec<String> =
        set.file.iter().flat_map(|f| f.service.iter().map(move |s| format!("{}.{}", f.package, s.name))).collect();
    services.sort();
    let mut expected: Vec<String> = SERVICE_NAMES.iter().map(|s| s.to_string()).collect();
    expected.sort();
    assert_eq!(services, expected);
    assert_eq!(SERVICE_NAMES, ["schemahero.v1.ResourceService", "schemahero.v1.MigrationService", "schemahero.v1.ExecutorService"]);
    // Reflection clients resolve imports from the same set: the well-known Timestamp is in it.
    assert!(
        set.file.iter().any(|f| f.name == "google/protobuf/timestamp.proto"),
        "{:?}",
        set.file.iter().map(|f| &f.name).collect::<Vec<_>>()
    );
}

/// Just enough of `google.protobuf.FileDescriptorSet` to read file packages and service names
/// (unknown fields are skipped), so the test needs no prost-types.
mod prost_types_free {
    #[derive(Clone, PartialEq, prost::Message)]
    pub struct FileDescriptorSet {
        #[prost(message, repeated, tag = "1")]
        pub file: Vec<FileDescriptorProto>,
    }

    #[derive(Clone, PartialEq, prost::Message)]
    pub struct FileDescriptorProto {
        #[prost(string, tag = "1")]
        pub name: String,
        #[prost(string, tag = "2")]
        pub package: String,
        #[prost(message, repeated, tag = "6")]
        pub service: Vec<ServiceDescriptorProto>,
    }

    #[derive(Clone, PartialEq, prost::Message)]
    pub struct ServiceDescriptorProto {
        #[prost(string, tag = "1")]
        pub name: String,
    }
}
