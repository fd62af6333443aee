# The fault matrix (tests/faults/, project issue 6): every fault of the mock metadata
# service against every surface (Rust, C, Python, Go, the Python SDKs, the C++ API and C++
# SDK adapters), checked against README.md's "How it behaves"; the same for the OIDC source
# (ecscred mock-sts) and the default credential chain (profile files in a HOME of each
# cell's, ecscred mock-sts --access-key, ecscred mock-uri); then a leak scan of everything
# the drivers printed. Writes RELIABILITY.md.
# Included by the top-level Makefile.
#
#   make test-faults    builds the drivers and runs tests/faults/matrix.py
#
# Drivers: the Rust crate tests/faults/driver-rs (workspace member), tests/faults/driver.c
# against an install of libecscred in a private prefix, tests/faults/driver.py with the
# venv's ecscred, tests/faults/driver-go linked like go/go.mk links the Go package,
# tests/faults/driver.cpp built by tests/cpp (make cpp-build: needs ECSCRED_THIRD_PARTY,
# see tests/cpp/cpp.mk). Logs of every cell go to $(TARGET_DIR)/faults/logs/<fault>/<surface>/.

TEST_TARGETS += test-faults

FAULTS_DIR = $(abspath $(TARGET_DIR))/faults
FAULTS_PREFIX = $(FAULTS_DIR)/prefix
FAULTS_CFLAGS = -std=c11 -O2 -Wall -Wextra -Wpedantic -Werror

.PHONY: test-faults faults-drivers faults-driver-rs faults-driver-c faults-driver-go

faults-drivers: faults-driver-rs faults-driver-c faults-driver-go

# With c-lib's packages, for the same reason as there (c-api/c.mk): one release graph,
# after c-lib's build, which other targets wait for too.
faults-driver-rs: c-lib
	$(CARGO) build --release -p ecscred-faults-driver $(C_RELEASE_PACKAGES)

faults-driver-c: c-lib
	rm -rf $(FAULTS_PREFIX)
	$(MAKE) --no-print-directory -o c-lib -o build install PREFIX=$(FAULTS_PREFIX) DESTDIR=
	$(CC) $(FAULTS_CFLAGS) tests/faults/driver.c -I$(FAULTS_PREFIX)/include \
	  -L$(FAULTS_PREFIX)/lib -lecscred -Wl,-rpath,$(FAULTS_PREFIX)/lib -o $(FAULTS_DIR)/driver-c

faults-driver-go: go-prefix
	@unformatted=$$(gofmt -l tests/faults/driver-go); \
	  if [ -n "$$unformatted" ]; then echo "gofmt needed: $$unformatted"; exit 1; fi
	cd tests/faults/driver-go && $(GO_ENV) $(GO) vet ./...
	@# The Go build cache does not notice a changed libecscred.a (golang/go#24355): an
	@# existing binary with the same Go inputs would not be relinked. Remove it first.
	rm -f $(FAULTS_DIR)/driver-go
	cd tests/faults/driver-go && $(GO_ENV) $(GO) build -o $(FAULTS_DIR)/driver-go .

# cpp-build (tests/cpp/cpp.mk): the C++ SDK provider comparison at the end of the report.
# c-lib builds the CLI too. The Python driver runs dist's x86_64 wheel (python/python.mk).
test-faults: c-lib suite-python-package faults-drivers cpp-build
	$(PY) tests/faults/matrix.py --target-dir $(abspath $(TARGET_DIR)) --python $(abspath $(PY)) \
	  --cpp-bench $(CPP_BENCH)
