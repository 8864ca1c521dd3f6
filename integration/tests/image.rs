//! The container image (`deploy/image`): built by `deploy/image/build.sh` with buildah (vfs
//! storage, chroot isolation) from the Containerfile. It holds exactly the statically linked
//! multi-call binary under its five names and a passwd entry on an empty base, runs as 65532,
//! and is under 60 MB. The planner
//! started inside it answers its health RPC from outside, and the CLI inside it plans against this
//! machine's Postgres over TLS (name lookup and TLS from a static binary).
//!
//! Needs buildah (Debian's package; `.ci/run` installs it) and root, as CI runs.

use schemahero_integration::services::health_of;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};
use tonic_health::pb::health_check_response::ServingStatus;

const MAX_IMAGE_BYTES: u64 = 60 * 1000 * 1000;
const BINARIES: [&str; 4] = ["schemahero-planner", "schemahero-watcher", "schemahero-executor", "kubectl-schemahero"];

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn buildah(args: &[&str]) -> Output {
    Command::new("buildah")
        .args(args)
        .env("STORAGE_DRIVER", "vfs")
        .env("BUILDAH_ISOLATION", "chroot")
        .output()
        .unwrap_or_else(|e| panic!("run buildah {args:?} (Debian: apt-get install buildah; .ci/run installs it): {e}"))
}

fn buildah_ok(args: &[&str]) -> String {
    let out = buildah(args);
    assert!(out.status.success(), "buildah {args:?} failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// Removes the working container and the image when the test ends, passed or not.
struct Cleanup {
    container: Option<String>,
    image: String,
}

impl Drop for Cleanup {
    fn drop(&mut self) {
        if let Some(c) = &self.container {
            let _ = buildah(&["umount", c]);
            let _ = buildah(&["rm", c]);
        }
        let _ = buildah(&["rmi", "-f", &self.image]);
    }
}

/// Every file under `root` (relative paths, directories excluded) with its size.
fn files(root: &Path) -> Vec<(String, u64)> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("read {}: {e}", dir.display())).flatten() {
            let meta = entry.path().symlink_metadata().expect("metadata");
            if meta.is_dir() {
                stack.push(entry.path());
            } else {
                let rel = entry.path().strip_prefix(root).expect("under root").display().to_string();
                out.push((rel, meta.len()));
            }
        }
    }
    out.sort();
    out
}

/// The ELF file has a PT_INTERP program header (it needs a dynamic loader).
fn has_interpreter(path: &Path) -> bool {
    let out = Command::new("readelf").args(["-l", path.to_str().expect("utf-8 path")]).output().expect("run readelf");
    assert!(out.status.success(), "readelf {}: {}", path.display(), String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).contains("INTERP")
}

/// The pid and `Uid:` line of a process whose /proc/PID/comm (the first 15 bytes of the name
/// it was run as) is `comm`.
fn pid_of(comm: &str) -> Option<(u32, String)> {
    for entry in std::fs::read_dir("/proc").ok()?.flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else { continue };
        let Ok(name) = std::fs::read_to_string(format!("/proc/{pid}/comm")) else { continue };
        if name.trim() == comm {
            let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
            let uid = status.lines().find_map(|l| l.strip_prefix("Uid:")).unwrap_or_default().trim().to_string();
            return Some((pid, uid));
        }
    }
    None
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_image_is_static_small_and_nonroot_and_its_planner_serves_health() {
    let tag = format!("localhost/schemahero-rs:test-{}", std::process::id());
    let mut cleanup = Cleanup { container: None, image: tag.clone() };

    let started = Instant::now();
    let build = Command::new("bash")
        .arg(repo().join("deploy/image/build.sh"))
        .args(["--tag", &tag])
        .env("STORAGE_DRIVER", "vfs")
        .env("BUILDAH_ISOLATION", "chroot")
        .output()
        .expect("run deploy/image/build.sh");
    assert!(
        build.status.success(),
        "deploy/image/build.sh failed:\n{}\n{}",
        String::from_utf8_lossy(&build.stdout),
        String::from_utf8_lossy(&build.stderr)
    );
    println!("image built in {:.0} s", started.elapsed().as_secs_f64());

    // The configuration: a non-root user, PATH for the manifests' bare `command:` names.
    let user = buildah_ok(&["inspect", "--type", "image", "--format", "{{.OCIv1.Config.User}}", &tag]);
    assert_eq!(user, "65532:65532");
    let env = buildah_ok(&["inspect", "--type", "image", "--format", "{{.OCIv1.Config.Env}}", &tag]);
    assert!(env.contains("PATH=/usr/local/bin"), "{env}");

    // The contents: one static binary with the four names linked to it, passwd and group; no
    // shell, no package manager.
    let container = buildah_ok(&["from", "--pull-never", &tag]);
    cleanup.container = Some(container.clone());
    let root = PathBuf::from(buildah_ok(&["mount", &container]));
    let contents = files(&root);
    let names: Vec<&str> = contents.iter().map(|(n, _)| n.as_str()).collect();
    let mut expected: Vec<String> = BINARIES.iter().map(|b| format!("usr/local/bin/{b}")).collect();
    expected.extend(["etc/group".to_string(), "etc/passwd".to_string(), "usr/local/bin/schemahero".to_string()]);
    expected.sort();
    // buildah run may leave mount points for /etc/hosts and /etc/resolv.conf: not image content.
    let names: Vec<&str> = names.into_iter().filter(|n| *n != "etc/hosts" && *n != "etc/resolv.conf").collect();
    assert_eq!(names, expected, "the image holds exactly the binaries and the user database");
    let bin = root.join("usr/local/bin");
    assert!(!has_interpreter(&bin.join("schemahero")), "the binary is statically linked");
    for b in BINARIES {
        assert_eq!(std::fs::read_link(bin.join(b)).ok(), Some(PathBuf::from("schemahero")), "{b} is linked to the binary");
    }
    let total: u64 = contents.iter().map(|(_, size)| size).sum();
    println!("image content: {:.1} MB ({} files)", total as f64 / 1e6, contents.len());
    for (name, size) in &contents {
        println!("  {name}: {:.1} MB", *size as f64 / 1e6);
    }
    assert!(total < MAX_IMAGE_BYTES, "the image is {total} bytes, over 60 MB");
    let passwd = std::fs::read_to_string(root.join("etc/passwd")).expect("passwd");
    assert!(passwd.contains("nonroot:x:65532:65532:"), "{passwd}");

    // The planner inside the image, reached from outside.
    let mut planner = Command::new("buildah")
        .args(["run", "--isolation", "chroot", &container, "--"])
        .args(["schemahero-planner", "--listen", "127.0.0.1:0", "--health-listen", "127.0.0.1:0", "--store", "/tmp/planner.db"])
        .env("STORAGE_DRIVER", "vfs")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("buildah run the planner");
    let stdout = planner.stdout.take().expect("stdout");
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let mut health = None;
    let mut grpc = None;
    let deadline = Instant::now() + Duration::from_secs(60);
    while (health.is_none() || grpc.is_none()) && Instant::now() < deadline {
        if let Ok(line) = rx.recv_timeout(Duration::from_millis(200)) {
            if let Some(a) = line.strip_prefix("health listening on ") {
                health = Some(a.trim().to_string());
            }
            if let Some(a) = line.strip_prefix("planner listening on ") {
                grpc = Some(a.trim().to_string());
            }
        }
    }
    let (Some(health), Some(grpc)) = (health, grpc) else {
        let _ = planner.kill();
        let out = planner.wait_with_output().expect("planner output");
        panic!("the planner in the image did not start: {}", String::from_utf8_lossy(&out.stderr));
    };
    let ready = tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            if let Ok(s) = health_of(&health, "").await
                && s == ServingStatus::Serving
            {
                return s;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    })
    .await;
    assert_eq!(ready, Ok(ServingStatus::Serving), "the health endpoint says the planner is ready");
    assert_eq!(health_of(&health, "liveness").await.ok(), Some(ServingStatus::Serving));
    assert_eq!(health_of(&grpc, "schemahero.v1.MigrationService").await.ok(), Some(ServingStatus::Serving), "health on the gRPC port");
    let (pid, uid) = pid_of("schemahero-plan").expect("the planner process");
    assert!(uid.starts_with("65532"), "the planner runs as 65532, not root: Uid {uid}");
    // A clean stop on SIGTERM.
    let _ = Command::new("kill").args(["-TERM", &pid.to_string()]).status();
    let stopped = Instant::now();
    let status = loop {
        if let Some(s) = planner.try_wait().expect("wait for buildah run") {
            break s;
        }
        assert!(stopped.elapsed() < Duration::from_secs(20), "the planner did not stop on SIGTERM");
        std::thread::sleep(Duration::from_millis(100));
    };
    assert!(status.success(), "buildah run ended with {status:?}");

    // The CLI inside the image plans against this machine's Postgres, TLS required.
    let table = format!("image_probe_{}", std::process::id());
    let spec = format!(
        "apiVersion: schemas.schemahero.io/v1alpha4\nkind: Table\nmetadata:\n  name: probe\nspec:\n  database: db\n  name: {table}\n  schema:\n    postgres:\n      primaryKey: [id]\n      columns:\n        - name: id\n          type: integer\n"
    );
    let host_spec = std::env::temp_dir().join(format!("image-probe-{}.yaml", std::process::id()));
    std::fs::write(&host_spec, spec).expect("write spec");
    buildah_ok(&["copy", "--chown", "65532:65532", &container, host_spec.to_str().expect("utf-8"), "/tmp/spec.yaml"]);
    let plan = buildah(&[
        "run",
        "--isolation",
        "chroot",
        &container,
        "--",
        "kubectl-schemahero",
        "plan",
        "--driver",
        "postgres",
        "--uri",
        "postgres://postgres@localhost:5432/test?sslmode=require",
        "--spec-file",
        "/tmp/spec.yaml",
    ]);
    let stdout = String::from_utf8_lossy(&plan.stdout);
    assert!(plan.status.success(), "plan inside the image failed: {}", String::from_utf8_lossy(&plan.stderr));
    assert!(stdout.contains(&format!("CREATE TABLE \"{table}\"")), "{stdout}");
    let _ = std::fs::remove_file(host_spec);
}
