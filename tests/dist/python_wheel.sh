#!/usr/bin/env bash
# The x86_64 wheel as a user without Rust installs it: a fresh venv, PATH without cargo or
# rustc, MATURIN_NO_INSTALL_RUST=1 (so nothing can build from source), ecscred from dist/
# with --no-index --only-binary; then the tutorial (examples/tutorial.py) against the mock
# metadata service and the local OSS test server. The Python suite (tests/python) runs
# against this same wheel file in make test-python (python/python.mk installs it into the
# repository's venv), not a second time here.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
python=${PYTHON:-python3}
top=$(unpack_tarball x86_64)

PATH=$(path_without_rust)
export PATH MATURIN_NO_INSTALL_RUST=1
if command -v cargo >/dev/null || command -v rustc >/dev/null; then fail "Rust still on PATH"; fi

"$python" -m venv "$work/venv"
py=$work/venv/bin/python
"$py" -m pip install --quiet --upgrade pip
"$py" -m pip install --quiet --no-index --only-binary :all: --find-links "$dist" "ecscred==$version"
# The tutorial's SDK (its version pinned with the test tools).
"$py" -m pip install --quiet "$(grep -m1 '^oss2==' "$repo/python/requirements-dev.txt")"
installed=$(cd "$work" && "$py" -c 'import ecscred._ecscred as m; print(m.__file__)')
case $installed in
  "$work/venv/"*) echo "python wheel: installed $(basename "$installed")" ;;
  *) fail "ecscred imported from $installed, not from the fresh venv" ;;
esac

start_mock "$top/bin/ecscred"
start_oss "$py"
got=$(cd "$repo" && ALIBABA_CLOUD_ECS_METADATA_SERVICE_ENDPOINT=$metadata OSS_ENDPOINT=$oss \
  OSS_BUCKET=ramroletest "$py" examples/tutorial.py)
[ "$got" = $'ramroletest.txt\ntest.sh' ] || fail "examples/tutorial.py printed: $got"
echo "python wheel: examples/tutorial.py listed the bucket"
