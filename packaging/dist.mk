# Installable artifacts for machines without a Rust toolchain (packaging/). Included by
# the top-level Makefile.
#
#   make dist         dist/: per architecture (DIST_ARCHES, default x86_64 aarch64) an abi3
#                     manylinux2014 wheel, a libecscred-<v>-linux-<arch>.tar.gz (C library,
#                     C and C++ headers, pkg-config and CMake files, bin/ecscred), the static archive
#                     inside the Go module dist/go; and the Python sdist
#   make dist-lib-ARCH, dist-wheel-ARCH
#                     one architecture's tarball (and Go archive), or its wheel
#   make test-dist    make dist, then installs and runs each artifact as a user would
#                     (tests/dist/run.sh): without Rust, outside the repository
#
# make test's other suites run against dist-lib-x86_64's library and CLI (c-api/c.mk's
# SUITE_BUILD) and dist-wheel-x86_64's wheel (python/python.mk).
#
# Every ELF in dist/ needs at most glibc 2.17. The build tools go into DIST_TOOLS (ziglang,
# cargo-zigbuild, maturin, auditwheel: packaging/requirements-dist.txt), the Rust targets
# come from rustup; the tests run the aarch64 artifacts under qemu-user.

DIST_DIR := dist
DIST_ARCHES ?= x86_64 aarch64
DIST_RUST_TARGETS = $(patsubst %,%-unknown-linux-gnu,$(DIST_ARCHES))
# The build tools' venv: one per machine and requirements (and python3), outside the
# repository, so that its path is the same in every clone. cargo-zigbuild and maturin
# write zig wrapper scripts that name the tools' own paths, and pass them to every rustc
# as -C linker; sccache (scripts/rustc-wrapper) keys each compilation on its arguments, so
# that with the tools in the clone's .venv no clone found what an earlier one compiled.
DIST_TOOLS_CACHE ?= $(HOME)/.cache/ecscred/dist-tools
DIST_TOOLS := $(DIST_TOOLS_CACHE)/$(shell { python3 -V; cat packaging/requirements-dist.txt; } 2>&1 \
	| sha256sum | cut -c1-16)
# Its tools come first, then the repository's venv (sccache).
DIST_ENV = PATH=$(DIST_TOOLS)/bin:$(abspath $(PY_VENV))/bin:$$PATH DIST_TOOLS=$(DIST_TOOLS) \
	TARGET_DIR=$(TARGET_DIR) DIST_DIR=$(DIST_DIR) \
	DIST_ARCHES="$(DIST_ARCHES)" NATIVE_STATIC_LIBS="$(C_NATIVE_STATIC_LIBS)"

# cargo for more packages in dist-lib-x86_64's target dir, with its linker and settings
# (packaging/dist.sh cargo): the fault matrix's Rust driver.
DIST_HOST_CARGO = $(DIST_ENV) packaging/dist.sh cargo x86_64

TEST_TARGETS += test-dist
# Both parts, not deps-dist: `make test` passes DEPS_TARGETS as done to the suites' make.
DEPS_TARGETS += deps-dist-build deps-dist-test

DIST_LIBS = dist-lib-x86_64 dist-lib-aarch64
DIST_WHEELS = dist-wheel-x86_64 dist-wheel-aarch64

.PHONY: dist test-dist deps-dist deps-dist-build deps-dist-test $(DIST_LIBS) $(DIST_WHEELS)

$(DIST_LIBS): deps-dist-build
	$(DIST_ENV) packaging/dist.sh lib $(@:dist-lib-%=%)

$(DIST_WHEELS): deps-dist-build
	$(DIST_ENV) packaging/dist.sh wheel $(@:dist-wheel-%=%)

# The architectures in order, each one's tarball and wheel.
DIST_BUILDS = $(foreach a,$(DIST_ARCHES),dist-lib-$(a) dist-wheel-$(a))
DIST_FINISH = $(DIST_ENV) packaging/dist.sh finish "$(DIST_ARCHES)"

dist: $(DIST_BUILDS)
	$(DIST_FINISH)

# dist's last step, then the tests, in one recipe rather than through a prerequisite: make
# -j would start the tests only on a later pass over the goals, once it had started a job
# of every other one (make test's suites), however long before dist had ended.
test-dist: $(DIST_BUILDS) deps-dist-test
	$(DIST_FINISH)
	$(DIST_ENV) DIST_PYVER=$(DIST_PYVER) PYTHON=$(abspath $(PY)) tests/dist/run.sh

deps-dist: deps-dist-build deps-dist-test

# The Rust targets, the venv's build tools and (for aarch64) binutils' strip.
deps-dist-build: deps-python $(DIST_TOOLS)/.ecscred-dist-tools
	@for t in $(DIST_RUST_TARGETS); do \
	  rustup target list --installed | grep -qx "$$t" || rustup target add "$$t" || exit 1; \
	done
	@if echo "$(DIST_ARCHES)" | grep -qw aarch64 && ! command -v aarch64-linux-gnu-strip >/dev/null; then \
	  apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
	    binutils-aarch64-linux-gnu; \
	fi

$(DIST_TOOLS)/.ecscred-dist-tools:
	rm -rf $(DIST_TOOLS)
	python3 -m venv $(DIST_TOOLS)
	$(DIST_TOOLS)/bin/python -m pip install --quiet --upgrade pip
	$(DIST_TOOLS)/bin/python -m pip install --quiet -r packaging/requirements-dist.txt
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
