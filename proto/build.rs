//! Compiles the `schemahero.v1` protos with protox (pure Rust, no system protoc) and writes
//! the descriptor set (every file, so all three services) next to the generated code for
//! server reflection.

use prost::Message;

/// Every file of the package; the services import the message files.
const FILES: [&str; 5] = [
    "schemahero/v1/resource.proto",
    "schemahero/v1/resource_service.proto",
    "schemahero/v1/migration.proto",
    "schemahero/v1/migration_service.proto",
    "schemahero/v1/executor_service.proto",
];

fn main() -> Result<(), Box<dyn std::error::Error>> {
    println!("cargo:rerun-if-changed=schemahero");
    for f in FILES {
        println!("cargo:rerun-if-changed={f}");
    }
    let descriptors = protox::compile(FILES, ["."])?;
    let out_dir = std::path::PathBuf::from(std::env::var("OUT_DIR")?);
    std::fs::write(out_dir.join("schemahero_descriptor.bin"), descriptors.encode_to_vec())?;
    tonic_prost_build::configure().compile_fds(descriptors)?;
    Ok(())
}
