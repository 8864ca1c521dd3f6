#!/usr/bin/env bash
# Builds the SchemaHero (Rust) image from deploy/image/Containerfile:
#   1. builds services/multicall statically linked (glibc, `-C target-feature=+crt-static`) with
#      the `image` profile: one binary that is the planner, watcher, executor or CLI depending on
#      the name it runs as (four static binaries would repeat their shared code four times);
#   2. checks it is static (no ELF interpreter) and stages it into target/image-rootfs as
#      /usr/local/bin/schemahero, with schemahero-planner, schemahero-watcher,
#      schemahero-executor and kubectl-schemahero linked to it, and a nonroot passwd entry;
#   3. builds the image FROM scratch with buildah (vfs storage, chroot isolation: works as root
#      without a container engine) or, when buildah is missing, docker.
#
# Usage: bash deploy/image/build.sh [--tag REF] [--iidfile FILE] [--stage-only]
# Push it afterwards with `buildah push REF` (or `docker push REF`).
set -euo pipefail

tag="localhost/schemahero-rs:dev"
iidfile=""
stage_only=false
while [ $# -gt 0 ]; do
  case "$1" in
    --tag) tag="$2"; shift 2 ;;
    --iidfile) iidfile="$2"; shift 2 ;;
    --stage-only) stage_only=true; shift ;;
    -h|--help) sed -n '2,14p' "$0"; exit 0 ;;
    *) echo "build.sh: unknown argument '$1' (try --help)" >&2; exit 2 ;;
  esac
done

root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
target_dir="${CARGO_TARGET_DIR:-$root/target}"
triple="$(rustc -vV | sed -n 's/^host: //p')"
names=(schemahero-planner schemahero-watcher schemahero-executor kubectl-schemahero)

# Static linking applies to the target only (`--target`), so build scripts and proc macros,
# which must be dynamic, are unaffected.
rustflags_var="CARGO_TARGET_$(echo "$triple" | tr 'a-z-' 'A-Z_')_RUSTFLAGS"
export "$rustflags_var=-C target-feature=+crt-static"
cargo build --locked --profile image --target "$triple" -p schemahero-multicall --bin schemahero-multicall

out="$target_dir/$triple/image"
rootfs="$root/target/image-rootfs"
rm -rf "$rootfs"
mkdir -p "$rootfs/usr/local/bin" "$rootfs/etc" "$rootfs/tmp"
chmod 1777 "$rootfs/tmp"
binary="$out/schemahero-multicall"
if readelf -l "$binary" | grep -q 'INTERP'; then
  echo "build.sh: $binary is dynamically linked; the image has no libc to load it" >&2
  exit 1
fi
install -m 0755 "$binary" "$rootfs/usr/local/bin/schemahero"
for name in "${names[@]}"; do ln -s schemahero "$rootfs/usr/local/bin/$name"; done
printf 'root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/tmp:/sbin/nologin\n' >"$rootfs/etc/passwd"
printf 'root:x:0:\nnonroot:x:65532:\n' >"$rootfs/etc/group"
echo "staged $(du -sh "$rootfs" | cut -f1) into $rootfs"
$stage_only && exit 0

iid_args=()
[ -n "$iidfile" ] && iid_args=(--iidfile "$iidfile")
if command -v buildah >/dev/null 2>&1; then
  export STORAGE_DRIVER="${STORAGE_DRIVER:-vfs}" BUILDAH_ISOLATION="${BUILDAH_ISOLATION:-chroot}"
  # --timestamp 0: the same binaries give the same image digest.
  buildah bud --timestamp 0 -f deploy/image/Containerfile -t "$tag" "${iid_args[@]}" "$root"
elif command -v docker >/dev/null 2>&1; then
  docker build -f deploy/image/Containerfile -t "$tag" "${iid_args[@]}" "$root"
else
  echo "build.sh: neither buildah nor docker is installed (Debian: apt-get install buildah)" >&2
  exit 1
fi
echo "built $tag"
