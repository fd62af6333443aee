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
# Drivers, against dist's x86_64 build (c-api/c.mk's SUITE_BUILD, python/python.mk's
# suite-python-package): the Rust crate tests/faults/driver-rs (workspace member),
# tests/faults/driver.c against an install of libecscred in a private prefix,
# tests/faults/driver.py with the venv's ecscred (the wheel), tests/faults/driver-go
# linked like go/go.mk links the Go package,
# tests/faults/driver.cpp built by tests/cpp (make cpp-build: needs ECSCRED_THIRD_PARTY,
# see tests/cpp/cpp.mk). Logs of every cell go to $(TARGET_DIR)/faults/logs/<fault>/<surface>/.

TEST_TARGETS += test-faults

FAULTS_DIR = $(abspath $(TARGET_DIR))/faults
FAULTS_PREFIX = $(FAULTS_DIR)/prefix
FAULTS_CFLAGS = -std=c11 -O2 -Wall -Wextra -Wpedantic -Werror

.PHONY: test-faults faults-drivers faults-driver-rs faults-driver-c faults-driver-go

faults-drivers: faults-driver-rs faults-driver-c faults-driver-go

# Into SUITE_BUILD's target dir, with its zig linker and settings, where the engine's
# dependencies are compiled for that target already (packaging/dist.mk's DIST_HOST_CARGO).
# On its own: with the library's and the CLI's packages in one command, cargo would unify
# their features with the driver's and rebuild the shipped files.
faults-driver-rs: $(SUITE_BUILD)
	$(DIST_HOST_CARGO) -p ecscred-faults-driver

faults-driver-c: $(SUITE_BUILD)
	rm -rf $(FAULTS_PREFIX)
	$(SUITE_INSTALL) PREFIX=$(FAULTS_PREFIX)
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
# The CLI (the mocks) and the Rust driver come from SUITE_BUILD's release dir.
test-faults: $(SUITE_BUILD) suite-python-package faults-drivers cpp-build
	$(PY) tests/faults/matrix.py --target-dir $(abspath $(TARGET_DIR)) \
	  --release-dir $(SUITE_RELEASE_DIR) --python $(abspath $(PY)) --cpp-bench $(CPP_BENCH)
