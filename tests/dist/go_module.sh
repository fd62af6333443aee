#!/usr/bin/env bash
# dist/go as a Go user gets it: examples/go (the tutorial's listing, aliyun-oss-go-sdk and
# the aliyunoss adapter) copied out of the repository, its replace pointed at dist/go, built
# with PATH without Rust, PKG_CONFIG_PATH unset and a pkg-config that fails if called, the
# user's Go build cache (the standard library compiled once per machine; the new binary is
# linked from dist/go's archive); the binary links libecscred statically (ldd) and lists
# the bucket from the local OSS test server with credentials from the mock metadata service.
# Another platform (linux/riscv64) stops with the message of link_unsupported.go.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
python=${PYTHON:-python3}
top=$(unpack_tarball x86_64)
go=$(command -v go) || fail "go not found"

mkdir -p "$work/bin" "$work/consumer"
printf '#!/bin/sh\necho "pkg-config must not be needed: $*" >&2\nexit 1\n' >"$work/bin/pkg-config"
chmod +x "$work/bin/pkg-config"
PATH=$work/bin:$(path_without_rust)
export PATH GOFLAGS=-mod=mod
unset PKG_CONFIG_PATH CGO_CFLAGS CGO_LDFLAGS
cp "$repo"/examples/go/go.mod "$repo"/examples/go/go.sum "$repo"/examples/go/*.go "$work/consumer/"
cd "$work/consumer"
"$go" mod edit -replace "github.com/ecscred/ecscred/go=$dist/go"
CGO_ENABLED=1 "$go" build -o "$work/example" .
if ldd "$work/example" | grep -q libecscred; then fail "the example links libecscred.so; want the archive"; fi
echo "go module: built outside the repository, libecscred linked statically"

start_mock "$top/bin/ecscred"
start_oss "$python"
got=$(ALIBABA_CLOUD_ECS_METADATA_SERVICE_ENDPOINT=$metadata OSS_ENDPOINT=$oss OSS_BUCKET=ramroletest "$work/example")
[ "$got" = $'ramroletest.txt\ntest.sh' ] || fail "the example printed: $got"
echo "go module: the example listed the bucket"


# A platform without a prebuilt archive (linux/riscv64, zig cc as its C compiler) stops
# with link_unsupported.go's message.
zig=$("${DIST_TOOLS:?set DIST_TOOLS (packaging/dist.mk)}/bin/python" -c 'import os, ziglang; print(os.path.join(os.path.dirname(ziglang.__file__), "zig"))')
if CGO_ENABLED=1 GOARCH=riscv64 CC="$zig cc -target riscv64-linux-gnu" "$go" build -o /dev/null . \
     >"$work/riscv64.log" 2>&1; then
  fail "a linux/riscv64 build succeeded without a prebuilt archive"
fi
grep -q 'ships libecscred prebuilt for linux/amd64 and linux/arm64 only' "$work/riscv64.log" \
  || fail "a linux/riscv64 build failed without the message: $(cat "$work/riscv64.log")"
echo "go module: linux/riscv64 stops with the message"
