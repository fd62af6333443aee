#!/usr/bin/env bash
# Runs the Go example (the tutorial's listing) against the mock metadata service and the
# local OSS test server, both on 127.0.0.1, and checks it prints the tutorial's objects.
set -euo pipefail
example=$1
repo=$(cd "$(dirname "$0")/.." && pwd)
bin=${ECSCRED_BIN:-$repo/target/release/ecscred}
work=$(mktemp -d)
pids=()
cleanup() { kill "${pids[@]}" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

first_line() { # file: wait for the first line a server prints
  for _ in $(seq 200); do [ -s "$1" ] && break; sleep 0.05; done
  head -n1 "$1"
}

"$bin" mock-metadata --port 0 >"$work/mock" & pids+=($!)
metadata=$(first_line "$work/mock")
(cd "$repo" && exec "${PYTHON:-python3}" -m tests.oss_server --metadata-url "$metadata") >"$work/oss" & pids+=($!)
oss=$(first_line "$work/oss")

got=$(ALIBABA_CLOUD_ECS_METADATA_SERVICE_ENDPOINT=$metadata OSS_ENDPOINT=$oss OSS_BUCKET=ramroletest "$example")
want=$'ramroletest.txt\ntest.sh'
if [ "$got" != "$want" ]; then
  printf 'examples/go printed:\n%s\nwant:\n%s\n' "$got" "$want" >&2
  exit 1
fi
echo "examples/go: listed the bucket through aliyun-oss-go-sdk and ecscred"
