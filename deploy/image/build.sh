#!/usr/bin/env bash
# Builds the SchemaHero (Rust) image from deploy/image/Containerfile:
#   1. builds schemahero-planner, schemahero-watcher, schemahero-executor and kubectl-schemahero
#      statically linked (glibc, `-C target-feature=+crt-static`) with the `image` profile;
#   2. checks each is static (no ELF interpreter) and stages them with a nonroot passwd entry
#      into target/image/rootfs;
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
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
    *) echo "build.sh: unknown argument '$1' (try --help)" >&2; exit 2 ;;
  esac
done

root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
target_dir="${CARGO_TARGET_DIR:-$root/target}"
triple="$(rustc -vV | sed -n 's/^host: //p')"
binaries=(schemahero-planner schemahero-watcher schemahero-executor kubectl-schemahero)

# Static linking applies to the target only (`--target`), so build scripts and proc macros,
# which must be dynamic, are unaffected.
rustflags_var="CARGO_TARGET_$(echo "$triple" | tr 'a-z-' 'A-Z_')_RUSTFLAGS"
export "$rustflags_var=-C target-feature=+crt-static"
bin_args=()
for b in "${binaries[@]}"; do bin_args+=(--bin "$b"); done
cargo build --locked --profile image --target "$triple" \
  -p schemahero-planner -p schemahero-watcher -p schemahero-executor -p kubectl-schemahero "${bin_args[@]}"

out="$target_dir/$triple/image"
rootfs="$root/target/image/rootfs"
rm -rf "$rootfs"
mkdir -p "$rootfs/usr/local/bin" "$rootfs/etc" "$rootfs/tmp"
chmod 1777 "$rootfs/tmp"
for b in "${binaries[@]}"; do
  if readelf -l "$out/$b" | grep -q 'INTERP'; then
    echo "build.sh: $out/$b is dynamically linked; the image has no libc to load it" >&2
    exit 1
  fi
  install -m 0755 "$out/$b" "$rootfs/usr/local/bin/$b"
done
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
