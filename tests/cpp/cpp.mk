# The C++ adapters inside the official Alibaba Cloud C++ SDKs (include/ecscred/*.hpp,
# tests/cpp/, examples/cpp/tutorial.cpp). Included by the top-level Makefile. The C++ API
# itself (include/ecscred.hpp) is tested by make test-c (tests/c/test_cpp.cpp).
#
#   make test-cpp    installs ecscred into a scratch prefix, builds aliyun-oss-cpp-sdk 1.10.1
#                    and aliyun-openapi-cpp-sdk 1.36.2132 (core, sts) once (tests/cpp/sdks.sh),
#                    and runs tests/cpp/run.sh: the tutorial and the test programs against the
#                    mock metadata service and the repository's OSS and OpenAPI test servers
#   make bench-cpp   the same builds, then tests/cpp/bench.py: per-request cost through each
#                    adapter, the SDKs' SimpleCredentialsProvider and aliyun-openapi-cpp-sdk's
#                    InstanceProfileCredentialsProvider, rotations and failures (Markdown on
#                    stdout; make bench puts it into BENCHMARKS.md and make test-faults into
#                    RELIABILITY.md)
#
# ECSCRED_THIRD_PARTY must name the folder holding the SDKs' pinned release tarballs (no
# package registry carries them; .ci/run sets it). The SDK builds are cached in
# ECSCRED_CPP_SDK_CACHE (default $HOME/.cache/ecscred/cpp-sdks), keyed by the tarball's
# sha256: only the first run builds them (about 3 minutes on 2 cores).

CPP_TEST_DIR = $(abspath $(TARGET_DIR))/cpp-tests

CPP_RUN = TARGET_DIR=$(abspath $(TARGET_DIR)) ECSCRED_PREFIX=$(CPP_TEST_DIR)/prefix \
	ECSCRED_BIN=$(SUITE_RELEASE_DIR)/ecscred tests/cpp/run.sh

TEST_TARGETS += test-cpp
DEPS_TARGETS += deps-cpp
BENCH_TARGETS += bench-cpp

.PHONY: test-cpp bench-cpp cpp-prefix cpp-build deps-cpp

# SUITE_BUILD (c-api/c.mk): the library and CLI of dist's x86_64 build.
cpp-prefix: deps-cpp $(SUITE_BUILD)
	rm -rf $(CPP_TEST_DIR)/prefix
	$(SUITE_INSTALL) PREFIX=$(CPP_TEST_DIR)/prefix

test-cpp: cpp-prefix
	$(CPP_RUN) test

bench-cpp: cpp-prefix
	$(CPP_RUN) bench

# What the SDKs build with (curl, OpenSSL, jsoncpp, libuuid headers), compilers, CMake and
# python3 (the test servers). CI runs as root on a fresh Debian machine.
deps-cpp:
	@missing=; \
	for pkg in g++ cmake python3 libcurl4-openssl-dev libssl-dev libjsoncpp-dev uuid-dev; do \
	  dpkg-query -W -f='$${Status}' $$pkg 2>/dev/null | grep -q 'install ok installed' \
	    || missing="$$missing $$pkg"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "deps-cpp: installing$$missing"; \
	  apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
	    $$missing; \
	fi

# Builds tests/cpp's programs only: $(CPP_BENCH), run by bench/report.py (make bench) and
# tests/faults/matrix.py (make test-faults).
CPP_BENCH = $(CPP_TEST_DIR)/build/tests/cpp_bench

cpp-build: cpp-prefix
	$(CPP_RUN) build
