#!/usr/bin/env bash
# The main job on the embedded mock: start `ecscred mock-metadata` on loopback, point the
# library at it, print the credential; then the tutorial's step 4 (examples/tutorial.py,
# only its auth line changed) lists the tutorial's bucket on a local OSS test server with
# the Python package. Never contacts a real metadata service or OSS.
set -euo pipefail
cd "$(dirname "$0")/.."
# The build `make demo` just made: cargo writes to $CARGO_TARGET_DIR when set (as c-api/c.mk).
bin=${CARGO_TARGET_DIR:-target}/release/ecscred
py=${ECSCRED_PYTHON:-.venv/bin/python}

out=$(mktemp)
oss_out=$(mktemp)
mock=
oss=
cleanup() {
    if [ -n "$oss" ]; then kill "$oss" 2>/dev/null || true; wait "$oss" 2>/dev/null || true; fi
    if [ -n "$mock" ]; then kill "$mock" 2>/dev/null || true; wait "$mock" 2>/dev/null || true; fi
    rm -f "$out" "$oss_out"
}
trap 'rc=$?; cleanup; exit $rc' EXIT

# Waits for the first line of file $1 written by process $2 (a URL), at most 10 s.
first_line() {
    for _ in $(seq 200); do
        if [ -s "$1" ] && [ "$(wc -l <"$1")" -ge 1 ]; then head -n1 "$1"; return 0; fi
        kill -0 "$2" 2>/dev/null || break
        sleep 0.05
    done
    echo "demo: no URL from process $2" >&2
    return 1
}

"$bin" mock-metadata --port 0 --role EcsRamRoleTest >"$out" &
mock=$!
url=$(first_line "$out" "$mock")
echo "mock metadata service: $url"

export ALIBABA_CLOUD_ECS_METADATA_SERVICE_ENDPOINT="$url"
echo "--- ecscred get (role discovered, metadata JSON)"
"$bin" get
echo "--- ecscred get --role EcsRamRoleTest --format env"
"$bin" get --role EcsRamRoleTest --format env

# The Python package (make demo builds it into .venv first).
if ! "$py" -c 'import ecscred, oss2' 2>/dev/null; then
    make --no-print-directory python-package >&2
    py=.venv/bin/python
fi
"$py" -m tests.oss_server --metadata-url "$url" >"$oss_out" &
oss=$!
oss_url=$(first_line "$oss_out" "$oss")
echo "local OSS test server: $oss_url"

echo "--- examples/tutorial.py (the tutorial's step 4 with auth = ecscred.EcsRamRoleAuth(\"EcsRamRoleTest\"))"
OSS_ENDPOINT="$oss_url" OSS_BUCKET=ramroletest "$py" examples/tutorial.py
