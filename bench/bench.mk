# Benchmark report and soak test (bench/). Included last by the top-level Makefile.
#
#   make bench                          every benchmark, ecscred vs the incumbents, in one
#                                       session → BENCHMARKS.md (about 12 minutes, plus
#                                       about 11 for make dist from an empty target dir)
#   make bench-report BENCH_ONLY=rollover,cold
#                                       some sections only (rust, c, python-warm, go,
#                                       rollover, outage, cold, footprint, openapi, cpp, oidc,
#                                       dist), printed to stdout
#   make soak [SOAK_SECONDS=600]        rotation + faults + threads + forks; exits non-zero on
#                                       any expired, torn or unexplained failure or leak
#
# The measurements run (when the machine allows it) in a network namespace with only a
# loopback interface; everything they need is built here first, outside it.

BENCH_TARGETS := bench-report
SOAK_SECONDS ?= 600
BENCH_ONLY ?=
BENCH_WORK = $(abspath $(TARGET_DIR))/bench
BENCH_PREFIX = $(abspath $(TARGET_DIR))/bench-prefix
BENCH_CFLAGS = -std=c11 -O2 -Wall -Wextra -Wpedantic -Werror

.PHONY: bench-report bench-prereqs bench-prefix bench-c-programs soak

# libecscred installed the way a user installs it, for bench/c/*.c.
bench-prefix: c-lib
	rm -rf $(BENCH_PREFIX)
	$(MAKE) -s --no-print-directory install PREFIX=$(BENCH_PREFIX) DESTDIR=

bench-c-programs: bench-prefix
	mkdir -p $(BENCH_WORK)/bin
	for p in rollover probe soak instructions; do \
	  $(CC) $(BENCH_CFLAGS) -o $(BENCH_WORK)/bin/$$p bench/c/$$p.c \
	    $$(PKG_CONFIG_PATH=$(BENCH_PREFIX)/lib/pkgconfig pkg-config --cflags --libs ecscred) \
	    -Wl,-rpath,$(BENCH_PREFIX)/lib -pthread || exit 1; \
	done

# Builds (and fetches) everything the report runs, so that the measurement needs no network.
bench-prereqs: build python-package go-prefix bench-c-programs cpp-build
	$(CARGO) bench -p ecscred --bench hit_path --no-run
	cd bench/go && $(GO_ENV) $(GO) test -c -o $(BENCH_WORK)/go-bench.test .

bench-report: bench-prereqs
	$(PY) bench/report.py --target-dir $(TARGET_DIR) --prefix $(BENCH_PREFIX) \
	  --go-prefix $(GO_PREFIX) $(if $(BENCH_ONLY),--only $(BENCH_ONLY),--out BENCHMARKS.md)

soak: build python-package bench-c-programs
	$(PY) bench/soak.py --seconds $(SOAK_SECONDS) --target-dir $(TARGET_DIR)
