#!/usr/bin/env bash
# The sdist builds from source where Rust is present: pip builds a wheel from dist's
# ecscred-<v>.tar.gz (maturin from PyPI, in pip's isolated build environment), installs it
# into a fresh venv, and the module fetches a credential from the mock metadata service.
# The build is a user's: in the sdist's own target dir, with no CARGO_TARGET_DIR, so that
# compiled dependencies can come from sccache (make's RUSTC_WRAPPER), which keys on every
# CARGO_* variable, and whose entries from an earlier clone therefore match.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
python=${PYTHON:-python3}
top=$(unpack_tarball x86_64)
unset CARGO_TARGET_DIR

"$python" -m venv "$work/venv"
py=$work/venv/bin/python
"$py" -m pip install --quiet --upgrade pip
"$py" -m pip wheel --quiet --no-deps -w "$work/wheels" "$dist/ecscred-$version.tar.gz"
"$py" -m pip install --quiet --no-index "$work"/wheels/ecscred-*.whl

start_mock "$top/bin/ecscred"
got=$(cd "$work" && "$py" -c '
import sys, ecscred
c = ecscred.EcsRamRoleCredentialsProvider("EcsRamRoleTest", endpoint=sys.argv[1]).get_credentials()
print(c.access_key_id[:4], not c.is_expired())
' "$metadata")
[ "$got" = "STS. True" ] || fail "the wheel built from the sdist printed: $got"
echo "sdist: built from source and fetched a credential"
