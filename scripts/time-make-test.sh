#!/usr/bin/env bash
# The wall time of `make test` in a fresh clone of this repository's HEAD, as CI runs it:
# `make deps` first (package installs, not timed), then `make test`, timed. Compiled
# dependencies come from sccache's cache (~/.cache/sccache) when earlier builds filled it.
# The clone's make output goes to $1 (default: target/make-test.log of this repository);
# the last line printed is
#   make-test wall_s=<seconds> load_before=<1-min load> load_after=<1-min load> rc=<status>
set -uo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
clone=$work/ecscred
out=${1:-$repo/target/make-test.log}
mkdir -p "$(dirname "$out")"
cleanup() {
    [ -x "$clone/.venv/bin/sccache" ] && "$clone/.venv/bin/sccache" --stop-server >/dev/null 2>&1
    rm -rf "$work"
}
trap cleanup EXIT
git clone -q "$repo" "$clone" || exit 1
cd "$clone" || exit 1
make deps >"$out" 2>&1 || { echo "make deps failed: see $out" >&2; exit 1; }
load_before=$(cut -d' ' -f1 /proc/loadavg)
start=$(date +%s)
make test >>"$out" 2>&1
rc=$?
wall=$(($(date +%s) - start))
echo "make-test wall_s=$wall load_before=$load_before load_after=$(cut -d' ' -f1 /proc/loadavg) rc=$rc"
exit $rc
