# The C ABI (c-api/, include/, tests/c/, examples/c/, examples/cpp/). Included by the
# top-level Makefile.
#
#   make install PREFIX=/usr/local   libecscred.{so,a}, ecscred.h, the C++ headers (ecscred.hpp,
#                                    ecscred/*.hpp), pkg-config and CMake files, and the
#                                    ecscred command (bin/ecscred)
#   make test-c                      header check, then the C/C++ suites (tests/c/run.sh)
#   make bench-c                     ns per warm get + 3 accessors + free
#   make header                      regenerate include/ecscred.h with cbindgen
#
# Honours CARGO_TARGET_DIR (else target/).

TARGET_DIR ?= $(or $(CARGO_TARGET_DIR),target)
PREFIX ?= /usr/local
DESTDIR ?=

TEST_TARGETS += test-c
DEPS_TARGETS += deps-c
BENCH_TARGETS += bench-c

# The workspace version (Cargo.toml [workspace.package]); the soname carries the ABI
# version (also in c-api/build.rs).
C_VERSION := $(shell sed -n 's/^version = "\([^"]*\)".*/\1/p' Cargo.toml | head -n 1)
C_SOVERSION := 0
# What libecscred.a needs from the system: the output of `make c-native-static-libs`
# (rustc --print native-static-libs) without its -lgcc_s. The unwinder that Rust's
# standard library calls is linked by the compiler driver itself, as it fits the link:
# libgcc_s for a dynamic executable, libgcc_eh for a fully static one (-static, where
# there is no libgcc_s to find, so an explicit -lgcc_s broke the link). The static-link
# tests (tests/c/run.sh, tests/go_link_modes.sh, a -static build each) fail if it falls
# short.
C_NATIVE_STATIC_LIBS := -lutil -lrt -lpthread -lm -ldl -lc

c_empty :=
c_space := $(c_empty) $(c_empty)
# The same, as a CMake list: util;rt;...
C_CMAKE_NATIVE_STATIC_LIBS := $(subst $(c_space),;,$(patsubst -l%,%,$(C_NATIVE_STATIC_LIBS)))

C_RELEASE_DIR = $(TARGET_DIR)/release
C_TEST_DIR = $(abspath $(TARGET_DIR))/c-tests

# The release build that make test's suites run against (C, C++, Go, the fault matrix):
# dist's x86_64 build of the library and the CLI (packaging/dist.mk), the files of the
# x86_64 tarball before they are stripped, rather than a native build of their own. Each
# release build of the library and the CLI spends minutes in thin-LTO links, and dist
# needs this one anyway. Linked by zig against glibc 2.17, they run here as on any newer
# Linux. (x86_64: the machine's architecture; tests/dist/run.sh checks it.)
SUITE_BUILD := dist-lib-x86_64
SUITE_RELEASE_DIR = $(abspath $(TARGET_DIR))/dist-lib/x86_64-unknown-linux-gnu/release
# Installs SUITE_BUILD's library and headers into PREFIX=... (-o: not the native build).
SUITE_INSTALL = $(MAKE) --no-print-directory -o c-lib -o build install DESTDIR= \
	C_RELEASE_DIR=$(SUITE_RELEASE_DIR)

.PHONY: c-lib header c-header-check install test-c deps-c bench-c c-native-static-libs

# With the CLI in the same command: cargo unifies dependency features only among the
# packages it builds, and ecscred-c alone gets tokio and hyper without the features the
# CLI's mock asks for, so that the engine and all above them compiled twice in release
# (the CLI's graph alone is part of this one, so `make build` reuses it).
C_RELEASE_PACKAGES := -p ecscred-c -p ecscred-cli

c-lib:
	$(CARGO) build --release $(C_RELEASE_PACKAGES)

# Rewrites include/ecscred.h from c-api/src (cbindgen, run from a Rust test).
header:
	ECSCRED_WRITE_HEADER=1 $(CARGO) test -p ecscred-c --test header

# The crate's unit tests and the check that include/ecscred.h is up to date.
c-header-check:
	$(CARGO) test -p ecscred-c

c-native-static-libs:
	$(CARGO) rustc --release -p ecscred-c --crate-type staticlib -- --print native-static-libs 2>&1 \
	  | sed -n 's/.*native-static-libs: //p'

# Targets that have built c-lib (and so the CLI) before run this with -o c-lib -o build:
# a cargo command, even one with nothing to do, waits while another holds target/release.
install: c-lib build
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/lib/pkgconfig $(DESTDIR)$(PREFIX)/lib/cmake/ecscred \
	  $(DESTDIR)$(PREFIX)/include/ecscred
	install -m 755 $(C_RELEASE_DIR)/ecscred $(DESTDIR)$(PREFIX)/bin/ecscred
	install -m 644 $(C_RELEASE_DIR)/libecscred.a $(DESTDIR)$(PREFIX)/lib/libecscred.a
	install -m 755 $(C_RELEASE_DIR)/libecscred.so \
	  $(DESTDIR)$(PREFIX)/lib/libecscred.so.$(C_VERSION)
	ln -sf libecscred.so.$(C_VERSION) $(DESTDIR)$(PREFIX)/lib/libecscred.so.$(C_SOVERSION)
	ln -sf libecscred.so.$(C_SOVERSION) $(DESTDIR)$(PREFIX)/lib/libecscred.so
	install -m 644 include/ecscred.h include/ecscred.hpp $(DESTDIR)$(PREFIX)/include/
	install -m 644 include/ecscred/*.hpp $(DESTDIR)$(PREFIX)/include/ecscred/
	for pc in ecscred ecscred-static; do \
	  sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@VERSION@|$(C_VERSION)|g' \
	      -e 's|@NATIVE_STATIC_LIBS@|$(C_NATIVE_STATIC_LIBS)|g' \
	      c-api/$$pc.pc.in >$(DESTDIR)$(PREFIX)/lib/pkgconfig/$$pc.pc || exit 1; \
	done
	sed -e 's|@VERSION@|$(C_VERSION)|g' -e 's|@SOVERSION@|$(C_SOVERSION)|g' \
	    -e 's|@CMAKE_NATIVE_STATIC_LIBS@|$(C_CMAKE_NATIVE_STATIC_LIBS)|g' \
	    c-api/cmake/ecscredConfig.cmake.in >$(DESTDIR)$(PREFIX)/lib/cmake/ecscred/ecscredConfig.cmake
	sed -e 's|@VERSION@|$(C_VERSION)|g' c-api/cmake/ecscredConfigVersion.cmake.in \
	  >$(DESTDIR)$(PREFIX)/lib/cmake/ecscred/ecscredConfigVersion.cmake

# Installs SUITE_BUILD into a scratch prefix, starts the mock (its `ecscred
# mock-metadata`), builds and runs every C/C++ suite.
test-c: c-header-check $(SUITE_BUILD)
	rm -rf $(C_TEST_DIR)/prefix
	$(SUITE_INSTALL) PREFIX=$(C_TEST_DIR)/prefix
	TARGET_DIR=$(abspath $(TARGET_DIR)) ECSCRED_PREFIX=$(C_TEST_DIR)/prefix \
	  ECSCRED_BIN=$(SUITE_RELEASE_DIR)/ecscred tests/c/run.sh test

bench-c:
	$(CARGO) build --release -p ecscred-cli
	rm -rf $(C_TEST_DIR)/prefix
	$(MAKE) --no-print-directory install PREFIX=$(C_TEST_DIR)/prefix DESTDIR=
	TARGET_DIR=$(abspath $(TARGET_DIR)) ECSCRED_PREFIX=$(C_TEST_DIR)/prefix tests/c/run.sh bench

# Compilers, CMake, valgrind and pkg-config for the C tests (CI runs as root on a fresh
# Debian machine). The sanitizer runtimes come with gcc.
deps-c:
	@missing=; \
	for tool in gcc:gcc g++:g++ cmake:cmake valgrind:valgrind pkg-config:pkg-config; do \
	  command -v $${tool%%:*} >/dev/null 2>&1 || missing="$$missing $${tool#*:}"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "deps-c: installing$$missing"; \
	  apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
	    libc6-dev $$missing; \
	fi
