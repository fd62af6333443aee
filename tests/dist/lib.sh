# Helpers for tests/dist/*.sh (sourced). Servers start on 127.0.0.1 port 0 and are stopped
# by pid when the script exits.
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
version=$(sed -n 's/^version = "\([^"]*\)".*/\1/p' "$repo/Cargo.toml" | head -n 1)
case ${DIST_DIR:-dist} in
  /*) dist=$DIST_DIR ;;
  *) dist=$repo/${DIST_DIR:-dist} ;;
esac
[ -d "$dist" ] || { echo "$(basename "$0"): $dist not found: run make dist first" >&2; exit 1; }
work=$(mktemp -d)
pids=()
cleanup() {
  local pid
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

fail() { echo "$(basename "$0"): $*" >&2; exit 1; }

# first_line FILE PID: the first line server PID printed (its URL), waiting at most 10 s.
first_line() {
  local _
  for _ in $(seq 200); do
    if [ -s "$1" ]; then head -n1 "$1"; return 0; fi
    kill -0 "$2" 2>/dev/null || break
    sleep 0.05
  done
  fail "no URL from $2"
}

# start_mock ECSCRED: runs `ECSCRED mock-metadata` and sets $metadata to its URL.
start_mock() {
  "$@" mock-metadata --port 0 --role EcsRamRoleTest >"$work/mock.out" &
  pids+=($!)
  metadata=$(first_line "$work/mock.out" "$!")
}

# start_oss PYTHON: the local OSS test server accepting the mock's credentials; sets $oss.
start_oss() {
  (cd "$repo" && exec "$1" -m tests.oss_server --metadata-url "$metadata") >"$work/oss.out" &
  pids+=($!)
  oss=$(first_line "$work/oss.out" "$!")
}

# PATH without any directory holding cargo, rustc or rustup: what a user without Rust has.
path_without_rust() {
  local dir out=
  local IFS=:
  for dir in $PATH; do
    [ -e "$dir/cargo" ] || [ -e "$dir/rustc" ] || [ -e "$dir/rustup" ] || out=${out:+$out:}$dir
  done
  echo "$out"
}

# unpack_tarball ARCH: unpacks dist's libecscred tarball for ARCH into $work; prints its top.
unpack_tarball() {
  local top=libecscred-$version-linux-$1
  tar -C "$work" -xzf "$dist/$top.tar.gz"
  [ -d "$work/$top" ] || fail "$top.tar.gz has no top folder $top"
  echo "$work/$top"
}
