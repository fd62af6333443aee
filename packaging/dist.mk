# Installable artifacts for machines without a Rust toolchain (packaging/). Included by
# the top-level Makefile.
#
#   make dist         dist/: per architecture (DIST_ARCHES, default x86_64 aarch64) an abi3
#                     manylinux2014 wheel, a libecscred-<v>-linux-<arch>.tar.gz (C library,
#                     C and C++ headers, pkg-config and CMake files, bin/ecscred), the static archive
#                     inside the Go module dist/go; and the Python sdist
#   make test-dist    make dist, then installs and runs each artifact as a user would
#                     (tests/dist/run.sh): without Rust, outside the repository
#
# Every ELF in dist/ needs at most glibc 2.17. The build tools go into the repo's .venv
# (ziglang, cargo-zigbuild, maturin, auditwheel: packaging/requirements-dist.txt), the
# Rust targets come from rustup; the tests run the aarch64 artifacts under qemu-user.

DIST_DIR := dist
DIST_ARCHES ?= x86_64 aarch64
DIST_RUST_TARGETS = $(patsubst %,%-unknown-linux-gnu,$(DIST_ARCHES))
# zig, cargo-zigbuild and maturin from the venv come first.
DIST_ENV = PATH=$(abspath $(PY_VENV))/bin:$$PATH TARGET_DIR=$(TARGET_DIR) DIST_DIR=$(DIST_DIR) \
	DIST_ARCHES="$(DIST_ARCHES)" NATIVE_STATIC_LIBS="$(C_NATIVE_STATIC_LIBS)"

TEST_TARGETS += test-dist
# Both parts, not deps-dist: `make test` passes DEPS_TARGETS as done to the suites' make.
DEPS_TARGETS += deps-dist-build deps-dist-test

.PHONY: dist test-dist deps-dist deps-dist-build deps-dist-test

DIST_BUILD = $(DIST_ENV) packaging/dist.sh

dist: deps-dist-build
	$(DIST_BUILD)

# dist's recipe, then the tests, in one recipe rather than through a prerequisite: make -j
# would start the tests only on its next pass over the goals, once it had started a job of
# every other one (make test's suites), however long before dist had ended.
test-dist: deps-dist-build deps-dist-test
	$(DIST_BUILD)
	$(DIST_ENV) DIST_PYVER=$(DIST_PYVER) PYTHON=$(abspath $(PY)) tests/dist/run.sh

deps-dist: deps-dist-build deps-dist-test

# The Rust targets, the venv's build tools and (for aarch64) binutils' strip.
deps-dist-build: deps-python $(PY_VENV)/.ecscred-dist-deps
	@for t in $(DIST_RUST_TARGETS); do \
	  rustup target list --installed | grep -qx "$$t" || rustup target add "$$t" || exit 1; \
	done
	@if echo "$(DIST_ARCHES)" | grep -qw aarch64 && ! command -v aarch64-linux-gnu-strip >/dev/null; then \
	  apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
	    binutils-aarch64-linux-gnu; \
	fi

$(PY_VENV)/.ecscred-dist-deps: packaging/requirements-dist.txt $(PY_VENV)/.ecscred-deps
	$(PY) -m pip install --quiet -r packaging/requirements-dist.txt
	touch $@

# For running the aarch64 artifacts: qemu-user, and from Debian's arm64 architecture (a
# multiarch install beside the amd64 system) the C library and libpython, which
# tests/dist/aarch64-python.c embeds as an aarch64 Python interpreter. binutils (readelf)
# for the glibc check.
DIST_PYVER = $(shell /usr/bin/python3 -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null || echo 3.11)

deps-dist-test:
	@command -v readelf >/dev/null || { apt-get update && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends binutils; }
	@if echo "$(DIST_ARCHES)" | grep -qw aarch64; then \
	  if ! command -v qemu-aarch64-static >/dev/null || \
	     ! [ -e /usr/lib/aarch64-linux-gnu/libpython$(DIST_PYVER).so.1.0 ]; then \
	    dpkg --print-foreign-architectures | grep -qx arm64 || dpkg --add-architecture arm64; \
	    apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
	      qemu-user-static libc6:arm64 libpython$(DIST_PYVER):arm64; \
	  fi; \
	fi
