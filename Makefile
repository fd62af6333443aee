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

# In two steps. First the x86_64 builds that the other suites run against (dist's library
# and CLI, and its wheel: c-api/c.mk's SUITE_BUILD, python/python.mk), one per job slot.
# Then every suite, those builds taken as done (-o), the suites that waited for them
# first, then test-dist (the aarch64 builds and the dist tests: the longest chain left),
# test-rust, test-fuzz. make hands out a job slot that frees up to the next goal in its
# list that can start, so that in one step test-rust, the fuzz build and the aarch64
# builds took the slots the x86_64 builds freed, and the suites started minutes later.
# Both take the one-time installs as done (`test: deps` just ran them), and c-header-check:
# test-rust runs ecscred-c's tests, the header check among them, and alone (cargo test -p
# ecscred-c) they need a debug build of their own.
TEST_FIRST = $(SUITE_BUILD) dist-wheel-x86_64
TEST_LAST = test-dist test-rust test-fuzz
TEST_ORDER = $(filter-out $(TEST_LAST),$(TEST_TARGETS)) \
	$(foreach t,$(TEST_LAST),$(filter $(t),$(TEST_TARGETS)))
TEST_MAKE = $(MAKE) --no-print-directory -j$(TEST_JOBS) --output-sync=target \
	$(addprefix -o ,$(DEPS_TARGETS) c-header-check)
test: deps
	$(TEST_MAKE) $(TEST_FIRST)
	$(TEST_MAKE) $(addprefix -o ,$(TEST_FIRST)) $(TEST_ORDER)

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
