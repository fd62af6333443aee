# The C++ adapters inside the official Alibaba Cloud C++ SDKs (include/ecscred/*.hpp,
# tests/cpp/, examples/cpp/tutorial.cpp). Included by the top-level Makefile. The C++ API
# itself (include/ecscred.hpp) is tested by make test-c (tests/c/test_cpp.cpp).
#
#   make test-cpp    installs ecscred into a scratch prefix, builds aliyun-oss-cpp-sdk 1.10.1
#                    and aliyun-openapi-cpp-sdk 1.36.2132 (core, sts) once (tests/cpp/sdks.sh),
#                    and runs tests/cpp/run.sh: the tutorial and the test programs against the
#                    mock metadata service and the repository's OSS and OpenAPI test servers
#
# ECSCRED_THIRD_PARTY must name the folder holding the SDKs' pinned release tarballs (no
# package registry carries them; .ci/run sets it). The SDK builds are cached in
# ECSCRED_CPP_SDK_CACHE (default $HOME/.cache/ecscred/cpp-sdks), keyed by the tarball's
# sha256: only the first run builds them (about 3 minutes on 2 cores).

CPP_TEST_DIR = $(abspath $(TARGET_DIR))/cpp-tests

TEST_TARGETS += test-cpp
DEPS_TARGETS += deps-cpp

.PHONY: test-cpp deps-cpp

test-cpp: deps-cpp
	$(CARGO) build --release -p ecscred-cli
	rm -rf $(CPP_TEST_DIR)/prefix
	$(MAKE) --no-print-directory install PREFIX=$(CPP_TEST_DIR)/prefix DESTDIR=
	TARGET_DIR=$(abspath $(TARGET_DIR)) ECSCRED_PREFIX=$(CPP_TEST_DIR)/prefix tests/cpp/run.sh

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
