# ecscred: `make demo` runs the main job on the embedded mock; `make test` runs every test
# of every language. Language parts add themselves from their own *.mk files.

CARGO ?= cargo
export CARGO_TERM_COLOR ?= never
# Compiled dependencies are cached across builds and clones (scripts/rustc-wrapper: sccache
# from the venv when `make deps` has installed it). `make RUSTC_WRAPPER=` opts out.
export RUSTC_WRAPPER ?= $(abspath scripts/rustc-wrapper)
# Test targets run two at a time (the slowest first, each one's output printed whole
# when it ends): much of a test suite waits on mocks and timers, which a build can use.
TEST_JOBS ?= 2

# Test targets of every part; each *.mk appends its own.
TEST_TARGETS := test-rust
# One-time installs (Debian packages, venvs, Go modules) each part needs for its tests.
DEPS_TARGETS :=
BENCH_TARGETS := bench-rust

.PHONY: all build demo test deps bench test-rust bench-rust lint clean
all: build

build:
	$(CARGO) build --release -p ecscred-cli

-include c-api/c.mk
-include tests/cpp/cpp.mk
-include python/python.mk
-include go/go.mk
include fuzz/fuzz.mk
-include tests/faults/faults.mk
-include packaging/dist.mk
# Last: it may replace BENCH_TARGETS with the report that runs them all.
-include bench/bench.mk

demo: build
	scripts/demo.sh

deps: $(DEPS_TARGETS)

# The suites' make takes the one-time installs as done (-o: `test: deps` just ran them).
# Otherwise the first job it starts is not test-dist's build: make starts a target's
# recipe only once its prerequisites' recipes have ended, and a job slot that frees up
# meanwhile goes to the next goal in the list, so that the longest chain started last.
# c-header-check too: test-rust runs ecscred-c's tests, the header check among them, and
# alone (cargo test -p ecscred-c) they need a debug build of their own.
# The order of the goals is the order in which make hands out job slots: test-dist first
# (its four cross builds, two at a time, are the longest chain; the Python suites wait for
# its x86_64 wheel), and test-fuzz last.
TEST_ORDER = $(filter test-dist,$(TEST_TARGETS)) $(filter-out test-dist test-fuzz,$(TEST_TARGETS)) \
	$(filter test-fuzz,$(TEST_TARGETS))
test: deps
	$(MAKE) --no-print-directory -j$(TEST_JOBS) --output-sync=target \
	  $(addprefix -o ,$(DEPS_TARGETS) c-header-check) $(TEST_ORDER)

test-rust:
	$(CARGO) test --workspace --all-targets
	$(CARGO) test --workspace --doc

lint:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings

bench: $(BENCH_TARGETS)

bench-rust:
	$(CARGO) bench -p ecscred --bench hit_path

clean:
	$(CARGO) clean
