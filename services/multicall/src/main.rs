//! The container image's one binary (`/usr/local/bin/schemahero`), linked as
//! `schemahero-planner`, `schemahero-watcher`, `schemahero-executor` and `kubectl-schemahero`,
//! and acting as the one it is run as (like busybox).
//!
//! Why one binary: the four share almost all their code (the engines, sqlx, tonic, kube, rustls),
//! so four static binaries repeat it four times (88 MB); one holds it once.

use std::path::Path;
use std::process::ExitCode;

/// Which program a name (argv[0], or the first argument) stands for.
#[derive(Debug, PartialEq, Eq)]
enum Program {
    Planner,
    Watcher,
    Executor,
    Cli,
}

fn program(name: &str) -> Option<Program> {
    match name {
        "schemahero-planner" => Some(Program::Planner),
        "schemahero-watcher" => Some(Program::Watcher),
        "schemahero-executor" => Some(Program::Executor),
        "kubectl-schemahero" | "schemahero" => Some(Program::Cli),
        _ => None,
    }
}

fn run(program: Program) -> ExitCode {
    let service = |result: anyhow::Result<()>| match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("Error: {e:?}");
            ExitCode::FAILURE
        }
    };
    match program {
        Program::Planner => service(schemahero_planner::entry::main()),
        Program::Watcher => service(schemahero_watcher::entry::main()),
        Program::Executor => service(schemahero_executor::entry::main()),
        Program::Cli => kubectl_schemahero::main_entry(),
    }
}

fn main() -> ExitCode {
    let invoked =
        std::env::args_os().next().and_then(|a| Path::new(&a).file_name().map(|n| n.to_string_lossy().into_owned())).unwrap_or_default();
    match program(&invoked) {
        Some(p) => run(p),
        None => {
            eprintln!(
                "{invoked}: run this binary as schemahero-planner, schemahero-watcher, schemahero-executor or \
                 kubectl-schemahero (the image links those names to it)"
            );
            ExitCode::from(2)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_map_to_programs() {
        assert_eq!(program("schemahero-planner"), Some(Program::Planner));
        assert_eq!(program("schemahero-watcher"), Some(Program::Watcher));
        assert_eq!(program("schemahero-executor"), Some(Program::Executor));
        assert_eq!(program("kubectl-schemahero"), Some(Program::Cli));
        assert_eq!(program("schemahero"), Some(Program::Cli));
        assert_eq!(program("schemahero-multicall"), None);
        assert_eq!(program("sh"), None);
    }
}
