#!/usr/bin/env bash
# make test-dist: checks dist/ (written by make dist) as users install it, with no Rust
# toolchain in reach. Each step is its own script:
#   check_elves.sh   glibc <= 2.17 and the right architecture, every ELF file in dist/
#   auditwheel show  each wheel's manylinux tag
#   c_tarball.sh     the x86_64 tarball: pkg-config (shared, static), CMake, bin/ecscred
#   python_wheel.sh  the x86_64 wheel in a fresh venv, without Rust: the tutorial
#   sdist.sh         the sdist builds (with Rust) and works
#   go_module.sh     dist/go from a module outside the repository
#   aarch64.sh       the aarch64 artifacts under qemu (when DIST_ARCHES has aarch64)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
arches=${DIST_ARCHES:-x86_64 aarch64}
case " $arches " in *" x86_64 "*) ;; *) echo "test-dist: needs x86_64 in DIST_ARCHES (this machine's)" >&2; exit 2 ;; esac

"$here/check_elves.sh"
dist=${DIST_DIR:-dist}
case $dist in /*) ;; *) dist=$here/../../$dist ;; esac
for whl in "$dist"/*.whl; do
  out=$(auditwheel show "$whl")
  echo "$out" | tr '\n' ' ' | grep -q 'consistent with the following platform tag: *"manylinux_2_17_' \
    || { echo "test-dist: $(basename "$whl") is not manylinux_2_17:" >&2; echo "$out" >&2; exit 1; }
  echo "auditwheel: $(basename "$whl"): manylinux_2_17"
done
"$here/c_tarball.sh"
"$here/go_module.sh"
"$here/python_wheel.sh"
"$here/sdist.sh"
case " $arches " in
  *" aarch64 "*) "$here/aarch64.sh" ;;
  *) echo "test-dist: aarch64 not in DIST_ARCHES: the aarch64 artifacts are not built or run" ;;
esac
