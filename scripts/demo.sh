#!/usr/bin/env bash
# The main job on the embedded mock: start `ecscred mock-metadata` on loopback, point the
# library at it, print the credential. Never contacts a real metadata service.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=target/release/ecscred

out=$(mktemp)
"$bin" mock-metadata --port 0 --role EcsRamRoleTest >"$out" &
mock=$!
trap 'kill "$mock" 2>/dev/null; rm -f "$out"' EXIT
for _ in $(seq 100); do [ -s "$out" ] && break; sleep 0.05; done
url=$(head -n1 "$out")
echo "mock metadata service: $url"

export ALIBABA_CLOUD_ECS_METADATA_SERVICE_ENDPOINT="$url"
echo "--- ecscred get (role discovered, metadata JSON)"
"$bin" get
echo "--- ecscred get --role EcsRamRoleTest --format env"
"$bin" get --role EcsRamRoleTest --format env
