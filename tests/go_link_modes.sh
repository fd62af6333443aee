#!/usr/bin/env bash
# The Go package's link mode follows the build tags even with a warm build cache: builds
# examples/go static, then with -tags ecscred_dynamic, then static again, all with the
# user's GOCACHE (warm from the first build on, the standard library from earlier runs;
# each build links a new binary), and checks each binary with ldd. (The directives once
# sat in one file as `#cgo ecscred_dynamic ...` lines, and a cached build ignored the tag
# change.) Then a fully static build, and builds without cgo, which must fail with a
# clear message.
# Needs PKG_CONFIG_PATH pointing at an install of libecscred (go/go.mk's GO_ENV).
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# build NAME TAGS WANT: WANT is "static" or "dynamic".
build() {
  local bin=$work/$1 tags=$2 want=$3 got=static
  (cd "$repo/examples/go" && go build -tags "$tags" -o "$bin" .)
  if ldd "$bin" | grep -q 'libecscred\.so'; then got=dynamic; fi
  if [ "$got" != "$want" ]; then
    echo "go link modes: $1 (tags '$tags') links libecscred $got; want $want" >&2
    exit 1
  fi
  echo "go link modes: $1 (tags '$tags'): $got"
}

build first-static "" static
build then-dynamic ecscred_dynamic dynamic
build then-static "" static

# A fully static executable (-extldflags -static): no shared library at all, so no
# libgcc_s either (the C compiler links libgcc_eh for -static).
(cd "$repo/examples/go" && go build -ldflags '-extldflags "-static"' -o "$work/fully-static" .)
if readelf -d "$work/fully-static" 2>/dev/null | grep -q NEEDED; then
  echo "go link modes: fully-static needs shared libraries:" >&2
  readelf -d "$work/fully-static" | grep NEEDED >&2
  exit 1
fi
echo "go link modes: fully-static: no shared library"

# Without cgo (CGO_ENABLED=0, or cross-compiling, where cgo is off by default) the build
# stops with a message naming cgo and the supported targets, not "undefined: NewProvider".
if out=$(cd "$repo/examples/go" && CGO_ENABLED=0 go build -o "$work/nocgo" . 2>&1); then
  echo "go link modes: a build without cgo succeeded" >&2
  exit 1
fi
case "$out" in
*ecscred_needs_cgo_and_a_C_compiler_on_linux_amd64_or_linux_arm64*)
  echo "go link modes: without cgo: the build names cgo and the supported targets" ;;
*)
  echo "go link modes: without cgo, unexpected message:" >&2
  echo "$out" >&2
  exit 1 ;;
esac
if out=$(cd "$repo/examples/go" && env -u CGO_ENABLED GOOS=darwin GOARCH=arm64 go build -o "$work/darwin" . 2>&1) ||
  ! echo "$out" | grep -q ecscred_needs_cgo; then
  echo "go link modes: GOOS=darwin: unexpected outcome:" >&2
  echo "$out" >&2
  exit 1
fi
echo "go link modes: GOOS=darwin (cgo off when cross-compiling): the same message"
