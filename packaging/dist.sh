#!/usr/bin/env bash
# Writes dist/ in steps (packaging/dist.mk runs them; see there for what each artifact is):
#   packaging/dist.sh lib ARCH      libecscred-<v>-linux-<arch>.tar.gz, and the static
#                                   archive for the Go module (in the staging dir)
#   packaging/dist.sh wheel ARCH    ecscred-<v>-cp38-abi3-manylinux_2_17_<arch>.manylinux2014_<arch>.whl
#   packaging/dist.sh finish 'ARCH...'
#                                   ecscred-<v>.tar.gz (the sdist) and go/, the Go module
#                                   with the static archives of those architectures' lib
#                                   steps (packaging/go-module.sh)
#   packaging/dist.sh cargo ARCH -p PACKAGE...
#                                   builds more packages as the lib step builds its own,
#                                   into the same target dir (make test's faults driver)
# for ARCH x86_64 or aarch64. The steps of one architecture, and of two, can run at once.
# Every binary is linked by zig (cargo-zigbuild, and maturin --zig, which uses it) against
# glibc 2.17, so it loads on any Linux with glibc >= 2.17: CentOS 7, Alibaba Cloud Linux 2,
# RHEL 8, Ubuntu 20.04 and newer.
#
# Environment: TARGET_DIR (cargo's), DIST_DIR, and PATH with zig, cargo-zigbuild and
# maturin first.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p "${TARGET_DIR:-target}"
target_dir=$(cd "${TARGET_DIR:-target}" && pwd)
dist=${DIST_DIR:-dist}
version=$(sed -n 's/^version = "\([^"]*\)".*/\1/p' Cargo.toml | head -n 1)
stage=$target_dir/dist-stage
# cargo-zigbuild's builds (both architectures) in a target dir of their own, not in the
# native builds' one: a cross build puts its host artifacts (build scripts, proc macros)
# in <target dir>/release and holds that dir's lock meanwhile, so that a native build
# (make build, make install) waited for it. maturin's in another one: its zig setup
# differs from cargo-zigbuild's (other flags and wrappers), and in one target dir each
# build would recompile in place every crate the other compiled (checked: maturin rebuilt
# all of them, the host's proc macros too).
# The target dirs go to cargo and maturin as --target-dir, not as CARGO_TARGET_DIR:
# sccache (scripts/rustc-wrapper) keys every compilation on the CARGO_* variables it sees,
# and an absolute path there, different in every clone, made every clone miss.
# Relative to the repository when TARGET_DIR is (make's default), for the same reason.
lib_build=${TARGET_DIR:-target}/dist-lib
wheel_build=${TARGET_DIR:-target}/dist-wheel
mkdir -p "$dist" "$stage"

# strip_as ARCH OPTION IN OUT: binutils' strip for ARCH.
strip_as() {
  local strip=strip
  [ "$1" = x86_64 ] || strip=$1-linux-gnu-strip
  "$strip" "$2" -o "$4" "$3"
}

# goarch ARCH: Go's name for it.
goarch() {
  case $1 in
    x86_64) echo amd64 ;;
    aarch64) echo arm64 ;;
    *) echo "dist: unknown architecture '$1' (x86_64 or aarch64)" >&2; return 2 ;;
  esac
}

# zig_cargo ARCH ARGS...: cargo-zigbuild's release build for ARCH, in lib_build.
# With symbols (and std's debug info): zig's linker takes cargo's default for release,
# --strip-debug, as "strip everything", and make test's C, C++ and Go suites and the fault
# matrix run these very files, under valgrind too, whose suppressions
# (tests/c/valgrind.supp) name functions. The lib step strips the tarball's copies.
zig_cargo() {
  local arch=$1
  goarch "$arch" >/dev/null
  shift
  cargo zigbuild --release --config profile.release.strip=false \
    --target "$arch-unknown-linux-gnu.2.17" --target-dir "$lib_build" "$@"
}

# lib ARCH: the C library and the ecscred command, packed as the tarball; the archive for
# the Go module.
lib() {
  local arch=$1 go triple release top
  go=$(goarch "$arch")
  triple=$arch-unknown-linux-gnu
  release=$lib_build/$triple/release
  top=libecscred-$version-linux-$arch
  rm -rf "$dist/$top.tar.gz" "$stage/$top" "$stage/go-lib/linux_$go"

  echo "dist: $arch: libecscred and the ecscred command (glibc 2.17)"
  zig_cargo "$arch" -p ecscred-c -p ecscred-cli

  echo "dist: $arch: libecscred-$version-linux-$arch.tar.gz"
  # c-api/c.mk's install, from this target's build (-o: the host build is not needed).
  make -s --no-print-directory -o c-lib -o build install \
    PREFIX="$stage/$top" DESTDIR= C_RELEASE_DIR="$release"
  # Relocatable: the .pc files find the prefix from their own directory (the CMake
  # package does so already).
  sed -i 's|^prefix=.*|prefix=${pcfiledir}/../..|' "$stage/$top"/lib/pkgconfig/*.pc
  # The archive without debug info (Rust's std ships with it), the shared library and the
  # command without symbols either, as zig links them by default.
  strip_as "$arch" --strip-debug "$release/libecscred.a" "$stage/$top/lib/libecscred.a"
  strip_as "$arch" --strip-all "$release/libecscred.so" "$stage/$top/lib/libecscred.so.$version"
  strip_as "$arch" --strip-all "$release/ecscred" "$stage/$top/bin/ecscred"
  cp LICENSE "$stage/$top/LICENSE"
  sed -e "s|@VERSION@|$version|g" -e "s|@ARCH@|$arch|g" packaging/tarball-README.md \
    >"$stage/$top/README.md"
  tar -C "$stage" --owner=0 --group=0 --numeric-owner --sort=name -czf "$dist/$top.tar.gz" "$top"

  mkdir -p "$stage/go-lib/linux_$go"
  cp "$stage/$top/lib/libecscred.a" "$stage/go-lib/linux_$go/libecscred.a"
}

# wheel ARCH: the Python wheel.
wheel() {
  local arch=$1
  goarch "$arch" >/dev/null
  rm -f "$dist"/ecscred-*_"$arch".whl
  echo "dist: $arch: the Python wheel (manylinux2014, abi3)"
  maturin build --release --zig --compatibility manylinux2014 --target "$arch-unknown-linux-gnu" \
    --target-dir "$wheel_build" -m python/Cargo.toml --out "$dist"
}

# finish 'ARCH...': the sdist, and the Go module with the archives of these architectures'
# lib steps (which ran before). Artifacts of other architectures, from earlier runs, go.
finish() {
  local arch f keep
  for arch in $1; do
    [ -e "$stage/go-lib/linux_$(goarch "$arch")/libecscred.a" ] \
      || { echo "dist: no $arch build: run packaging/dist.sh lib $arch first" >&2; exit 1; }
  done
  for f in "$dist"/*.whl "$dist"/libecscred-*.tar.gz "$stage"/go-lib/*; do
    [ -e "$f" ] || continue
    keep=
    for arch in $1; do
      case $(basename "$f") in
        *"_$arch.whl" | *"-linux-$arch.tar.gz" | "linux_$(goarch "$arch")") keep=1 ;;
      esac
    done
    [ -n "$keep" ] || rm -rf "$f"
  done
  rm -rf "$dist"/ecscred-*.tar.gz "$dist/go"

  echo "dist: the Python sdist"
  maturin sdist -m python/Cargo.toml --out "$dist"

  echo "dist: the Go module (dist/go)"
  packaging/go-module.sh "$dist/go" "$stage/go-lib"

  ls -l "$dist"
}

usage="usage: packaging/dist.sh lib|wheel x86_64|aarch64, finish 'ARCH...', or cargo ARCH ARGS..."
case ${1:-} in
  lib | wheel) "$1" "${2:?$usage}" ;;
  cargo) shift; zig_cargo "${1:?$usage}" "${@:2}" ;;
  finish) finish "${2:?$usage}" ;;
  *) echo "$usage" >&2; exit 2 ;;
esac
