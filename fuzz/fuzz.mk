# Fuzzing the parsers of everything read from the network (cargo fuzz; needs nightly).
# `make fuzz` runs each target FUZZ_SECONDS (default 60); `make test` runs a short pass.

FUZZ_TARGETS := credential_json role_listing token timestamp
FUZZ_SECONDS ?= 60
FUZZ_SMOKE_SECONDS ?= 10

TEST_TARGETS += test-fuzz
DEPS_TARGETS += deps-fuzz

.PHONY: fuzz test-fuzz deps-fuzz

deps-fuzz:
	@rustup toolchain list | grep -q '^nightly' || rustup toolchain install nightly --profile minimal
	@command -v cargo-fuzz >/dev/null || cargo +nightly install cargo-fuzz --locked

fuzz: deps-fuzz
	cd fuzz && for t in $(FUZZ_TARGETS); do \
	  mkdir -p work/$$t && \
	  cargo +nightly fuzz run -O $$t work/$$t corpus/$$t -- -max_total_time=$(FUZZ_SECONDS) || exit 1; \
	done

test-fuzz:
	$(MAKE) fuzz FUZZ_SECONDS=$(FUZZ_SMOKE_SECONDS)
