#!/usr/bin/env bash
# The wall time of `make test` in a fresh clone of this repository's HEAD, as CI runs it:
# `make deps` first (package installs, not timed), then `make test`, timed. Compiled
# dependencies come from sccache's cache (~/.cache/sccache) when earlier builds filled it.
# The clone's make output goes to $1 (default: target/make-test.log of this repository),
# the time of every recipe line of make test to $1.timings (scripts/timed-sh as make's
# SHELL: start in seconds after make test's, seconds, exit status, 1-min load at its end,
# the line). Printed: the recipe lines that took 10 s or more, then last
#   make-test wall_s=<seconds> load_before=<1-min load> load_after=<1-min load> rc=<status>
set -uo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
clone=$work/ecscred
out=${1:-$repo/target/make-test.log}
mkdir -p "$(dirname "$out")"
# The compiler cache's server is left running: other builds on this machine may be using
# it (it serves every client on its port), and it exits after 10 idle minutes by itself.
cleanup() {
    rm -rf "$work"
}
trap cleanup EXIT
git clone -q "$repo" "$clone" || exit 1
cd "$clone" || exit 1
make deps >"$out" 2>&1 || { echo "make deps failed: see $out" >&2; exit 1; }
load_before=$(cut -d' ' -f1 /proc/loadavg)
start=$(date +%s)
raw=$work/timings
TIMED_SH_LOG=$raw make test SHELL="$clone/scripts/timed-sh" >>"$out" 2>&1
rc=$?
wall=$(($(date +%s) - start))
sort -n "$raw" | awk -v t0="$start" '{ $1 = sprintf("%6.0f", $1 - t0); print }' >"$out.timings"
awk '$2 >= 10' "$out.timings" | cut -c1-160
echo "make-test wall_s=$wall load_before=$load_before load_after=$(cut -d' ' -f1 /proc/loadavg) rc=$rc"
exit $rc
