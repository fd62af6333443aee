#!/usr/bin/env bash
# The Go package's link mode follows the build tags even with a warm build cache: builds
# examples/go static, then with -tags ecscred_dynamic, then static again, all with one
# GOCACHE, and checks each binary with ldd. (The directives once sat in one file as
# `#cgo ecscred_dynamic ...` lines, and a cached build ignored the tag change.)
# Needs PKG_CONFIG_PATH pointing at an install of libecscred (go/go.mk's GO_ENV).
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export GOCACHE=$work/gocache

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
