//! Writes the CRDs generated from the Rust types into `deploy/crds/` (or the given directory).

fn main() -> std::process::ExitCode {
    let dir = std::env::args().nth(1).unwrap_or_else(|| concat!(env!("CARGO_MANIFEST_DIR"), "/../../deploy/crds").to_string());
    let files = match schemahero_k8s::crd_files() {
        Ok(f) => f,
        Err(e) => {
            eprintln!("Error: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    if let Err(e) = std::fs::create_dir_all(&dir) {
        eprintln!("Error: {dir}: {e}");
        return std::process::ExitCode::FAILURE;
    }
    for (name, yaml) in files {
        let path = std::path::Path::new(&dir).join(name);
        if let Err(e) = std::fs::write(&path, yaml) {
            eprintln!("Error: {}: {e}", path.display());
            return std::process::ExitCode::FAILURE;
        }
        println!("wrote {}", path.display());
    }
    std::process::ExitCode::SUCCESS
}
