#!/usr/bin/env bash
# packaging/go-module.sh OUT LIBDIR: writes the Go module of go/ to OUT as a consumer gets
# it, with libecscred prebuilt inside (the wasmtime-go model):
#   - every package of go/ with its sources, go.mod, go.sum and README.md; no tests (they
#     need the repository's mock and test servers) and no make files;
#   - link_static.go (pkg-config) replaced by link_prebuilt.go, whose GOOS/GOARCH #cgo
#     lines link ${SRCDIR}/lib/<goos>_<goarch>/libecscred.a, and link_unsupported.go,
#     which stops a build for any other platform with a clear message;
#   - include/ecscred.h and LIBDIR's <goos>_<goarch>/libecscred.a as lib/.
# NATIVE_STATIC_LIBS (from c-api/c.mk) is what the archive needs from the system.
set -euo pipefail
cd "$(dirname "$0")/.."
out=$1
libdir=$2
: "${NATIVE_STATIC_LIBS:?set NATIVE_STATIC_LIBS (c-api/c.mk C_NATIVE_STATIC_LIBS)}"

if [ ! -f go/link_static.go ]; then
  echo "go-module: go/link_static.go not found: the file link_prebuilt.go replaces" >&2
  exit 1
fi
rm -rf "$out"
mkdir -p "$out"
(cd go && find . -type d -name testdata -prune -o -type f \
   ! -name '*_test.go' ! -name '*.mk' ! -name link_static.go -print) |
  while read -r f; do
    mkdir -p "$out/$(dirname "$f")"
    cp "go/$f" "$out/$f"
  done
sed "s|@NATIVE_STATIC_LIBS@|$NATIVE_STATIC_LIBS|g" packaging/go/link_prebuilt.go.in >"$out/link_prebuilt.go"
cp packaging/go/link_unsupported.go "$out/link_unsupported.go"
mkdir -p "$out/include"
cp include/ecscred.h "$out/include/ecscred.h"
mkdir -p "$out/lib"
cp -R "$libdir"/. "$out/lib/"
unformatted=$(gofmt -l "$out")
if [ -n "$unformatted" ]; then echo "go-module: gofmt needed: $unformatted" >&2; exit 1; fi
