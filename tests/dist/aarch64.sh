#!/usr/bin/env bash
# The aarch64 artifacts really run, under qemu-user on this x86_64 machine, against the mock
# metadata service (served on 127.0.0.1 by the x86_64 tarball's bin/ecscred):
#   - the aarch64 tarball's `bin/ecscred get`;
#   - the aarch64 wheel's module, imported by an aarch64 CPython (Debian's arm64 libpython
#     embedded by tests/dist/aarch64-python.c), fetching a credential;
#   - examples/go built against dist/go for linux/arm64 (the module's arm64 archive), which
#     lists the bucket on the local OSS test server.
# Needs qemu-aarch64-static and the arm64 libc and libpython (make deps-dist-test), and zig
# (ziglang, from the build tools' venv DIST_TOOLS) as the aarch64 C compiler.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
python=${PYTHON:-python3}
qemu=$(command -v qemu-aarch64-static || command -v qemu-aarch64) || fail "qemu-aarch64 not found (make deps-dist-test)"
zig=$("${DIST_TOOLS:?set DIST_TOOLS (packaging/dist.mk)}/bin/python" -c 'import os, ziglang; print(os.path.join(os.path.dirname(ziglang.__file__), "zig"))') \
  || fail "no ziglang in $DIST_TOOLS (make deps-dist-build)"
pyver=${DIST_PYVER:?set DIST_PYVER (the arm64 libpython version)}
libpython=/usr/lib/aarch64-linux-gnu/libpython$pyver.so.1.0
[ -e "$libpython" ] || fail "$libpython not found (make deps-dist-test)"

host=$(unpack_tarball x86_64)
arm=$(unpack_tarball aarch64)
start_mock "$host/bin/ecscred"
export ALIBABA_CLOUD_ECS_METADATA_SERVICE_ENDPOINT=$metadata

"$qemu" "$arm/bin/ecscred" get --role EcsRamRoleTest >"$work/get.json"
grep -q '"AccessKeyId": *"STS\.' "$work/get.json" || fail "aarch64 bin/ecscred get printed no AccessKeyId"
echo "aarch64: bin/ecscred get under qemu: ok"

"$zig" cc -target aarch64-linux-gnu -o "$work/python-aarch64" "$(dirname "$0")/aarch64-python.c" \
  "$libpython" -Wl,--allow-shlib-undefined
wheel=$(ls "$dist"/ecscred-"$version"-*aarch64*.whl)
mkdir -p "$work/site"
(cd "$work/site" && "$python" -m zipfile -e "$wheel" .)
got=$(cd "$work" && "$qemu" "$work/python-aarch64" -s -c '
import os, platform, sys
sys.path.insert(0, sys.argv[1])
import ecscred, ecscred._ecscred as native
assert native.__file__.startswith(sys.argv[1]), native.__file__
provider = ecscred.EcsRamRoleCredentialsProvider("EcsRamRoleTest",
    endpoint=os.environ["ALIBABA_CLOUD_ECS_METADATA_SERVICE_ENDPOINT"])
c = provider.get_credentials()
print(platform.machine(), c.access_key_id[:4], not c.is_expired())
' "$work/site")
[ "$got" = "aarch64 STS. True" ] || fail "the aarch64 wheel under qemu printed: $got"
echo "aarch64: the wheel's module in an aarch64 CPython $pyver under qemu: ok"

mkdir -p "$work/consumer"
cp "$repo"/examples/go/go.mod "$repo"/examples/go/go.sum "$repo"/examples/go/*.go "$work/consumer/"
# gcc adds an unwinder to every link by itself (libgcc_s, or libgcc_eh for -static), so the
# module's flags name none; zig cc adds none: -lgcc_s has it link its bundled libunwind.
(cd "$work/consumer" && go mod edit -replace "github.com/ecscred/ecscred/go=$dist/go" &&
  CGO_ENABLED=1 GOOS=linux GOARCH=arm64 CC="$zig cc -target aarch64-linux-gnu" \
    CGO_LDFLAGS="-lgcc_s" GOFLAGS=-mod=mod go build -o "$work/example-arm64" .)
start_oss "$python"
got=$(OSS_ENDPOINT=$oss OSS_BUCKET=ramroletest "$qemu" "$work/example-arm64")
[ "$got" = $'ramroletest.txt\ntest.sh' ] || fail "the linux/arm64 Go example under qemu printed: $got"
echo "aarch64: examples/go against dist/go for linux/arm64 under qemu: ok"
