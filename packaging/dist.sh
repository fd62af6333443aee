#!/usr/bin/env bash
# Writes dist/ (packaging/dist.mk runs it; see there for what each artifact is):
#   ecscred-<v>-cp38-abi3-manylinux_2_17_<arch>.manylinux2014_<arch>.whl, ecscred-<v>.tar.gz
#   libecscred-<v>-linux-<arch>.tar.gz
#   go/   the Go module with prebuilt static archives (packaging/go-module.sh)
# for each of DIST_ARCHES (x86_64, aarch64). Every binary is linked by zig (cargo-zigbuild,
# and maturin --zig, which uses it) against glibc 2.17, so it loads on any Linux with glibc
# >= 2.17: CentOS 7, Alibaba Cloud Linux 2, RHEL 8, Ubuntu 20.04 and newer.
#
# Environment: TARGET_DIR (cargo's), DIST_DIR, DIST_ARCHES, and PATH with the venv's zig,
# cargo-zigbuild and maturin first.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p "${TARGET_DIR:-target}"
target_dir=$(cd "${TARGET_DIR:-target}" && pwd)
dist=${DIST_DIR:-dist}
arches=${DIST_ARCHES:-x86_64 aarch64}
version=$(sed -n 's/^version = "\([^"]*\)".*/\1/p' Cargo.toml | head -n 1)
stage=$target_dir/dist-stage
# cargo-zigbuild's builds (both architectures) in a target dir of their own, not in the
# native builds' one: a cross build puts its host artifacts (build scripts, proc macros)
# in <target dir>/release and holds that dir's lock meanwhile, so that the native builds of
# the other suites of `make test` waited for it. maturin's in another one: its zig setup
# differs from cargo-zigbuild's (other flags and wrappers), and in one target dir each
# build would recompile in place every crate the other compiled (checked: maturin rebuilt
# all of them, the host's proc macros too).
lib_build=$target_dir/dist-lib
wheel_build=$target_dir/dist-wheel

rm -rf "$dist" "$stage"
mkdir -p "$dist" "$stage"

# strip_debug ARCH IN OUT: the archive without debug info (Rust's std ships with it).
strip_debug() {
  local strip=strip
  [ "$1" = x86_64 ] || strip=$1-linux-gnu-strip
  "$strip" --strip-debug -o "$3" "$2"
}

for arch in $arches; do
  case $arch in
    x86_64) goarch=amd64 ;;
    aarch64) goarch=arm64 ;;
    *) echo "dist: unknown architecture '$arch' (x86_64 or aarch64)" >&2; exit 2 ;;
  esac
  triple=$arch-unknown-linux-gnu
  release=$lib_build/$triple/release

  echo "dist: $arch: libecscred and the ecscred command (glibc 2.17)"
  CARGO_TARGET_DIR=$lib_build cargo zigbuild --release --target "$triple.2.17" -p ecscred-c -p ecscred-cli

  echo "dist: $arch: the Python wheel (manylinux2014, abi3)"
  CARGO_TARGET_DIR=$wheel_build \
    maturin build --release --zig --compatibility manylinux2014 --target "$triple" \
    -m python/Cargo.toml --out "$dist"

  echo "dist: $arch: libecscred-$version-linux-$arch.tar.gz"
  top=libecscred-$version-linux-$arch
  # c-api/c.mk's install, from this target's build (-o: the host build is not needed).
  make -s --no-print-directory -o c-lib -o build install \
    PREFIX="$stage/$top" DESTDIR= C_RELEASE_DIR="$release"
  # Relocatable: the .pc files find the prefix from their own directory (the CMake
  # package does so already).
  sed -i 's|^prefix=.*|prefix=${pcfiledir}/../..|' "$stage/$top"/lib/pkgconfig/*.pc
  strip_debug "$arch" "$release/libecscred.a" "$stage/$top/lib/libecscred.a"
  cp LICENSE "$stage/$top/LICENSE"
  sed -e "s|@VERSION@|$version|g" -e "s|@ARCH@|$arch|g" packaging/tarball-README.md \
    >"$stage/$top/README.md"
  tar -C "$stage" --owner=0 --group=0 --numeric-owner --sort=name -czf "$dist/$top.tar.gz" "$top"

  mkdir -p "$stage/go-lib/linux_$goarch"
  cp "$stage/$top/lib/libecscred.a" "$stage/go-lib/linux_$goarch/libecscred.a"
done

echo "dist: the Python sdist"
maturin sdist -m python/Cargo.toml --out "$dist"

echo "dist: the Go module (dist/go)"
packaging/go-module.sh "$dist/go" "$stage/go-lib"

ls -l "$dist"
