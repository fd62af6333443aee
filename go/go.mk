# The Go package (go/) and its example (examples/go/). Included by the top-level Makefile.
#
#   make test-go    go vet, gofmt check, go test -race (against the mock metadata service and
#                   the local OSS test server), the leak test without -race, the
#                   go/alibabacloud module (its own go.mod: darabonba-openapi and
#                   credentials-go) against the local OpenAPI test server, and the
#                   example run end to end
#   make bench-go   the warm Credentials call, cgo crossing included
#
# Links libecscred statically through pkg-config from a private install of dist's x86_64
# build (c-api/c.mk's SUITE_BUILD).
# tests/go_link_modes.sh checks that the link mode follows the tags with a warm cache.

GO ?= go
GO_PREFIX = $(abspath $(TARGET_DIR))/go-prefix
GO_ENV = PKG_CONFIG_PATH=$(GO_PREFIX)/lib/pkgconfig CGO_ENABLED=1 \
	ECSCRED_BIN=$(SUITE_RELEASE_DIR)/ecscred

TEST_TARGETS += test-go
BENCH_TARGETS += bench-go

.PHONY: go-prefix test-go bench-go

# SUITE_BUILD (c-api/c.mk): the library and CLI of dist's x86_64 build.
go-prefix: $(SUITE_BUILD)
	$(SUITE_INSTALL) PREFIX=$(GO_PREFIX)

test-go: go-prefix
	@unformatted=$$(gofmt -l go examples/go bench/go); \
	  if [ -n "$$unformatted" ]; then echo "gofmt needed: $$unformatted"; exit 1; fi
	cd go && $(GO_ENV) $(GO) vet ./...
	cd go && $(GO_ENV) $(GO) test -race -count=1 ./...
	cd go && $(GO_ENV) $(GO) test -count=1 -run '^TestCreateUseCloseDoesNotLeak$$' -v .
	@# Without -race: concurrent calls make -race report the SDKs' own races (tea/dara's
	@# shared http.Client, darabonba-openapi's Client.Headers), none in the adapter.
	cd go/alibabacloud && $(GO_ENV) $(GO) vet ./... && $(GO_ENV) $(GO) test -count=1 ./...
	# go build does not notice a changed libecscred.a (golang/go#24355): never reuse the binary.
	rm -f $(abspath $(TARGET_DIR))/ecscred-go-example
	cd examples/go && $(GO_ENV) $(GO) vet ./... && $(GO_ENV) $(GO) build -o $(abspath $(TARGET_DIR))/ecscred-go-example .
	@if ldd $(abspath $(TARGET_DIR))/ecscred-go-example | grep -q libecscred; then \
	  echo "examples/go links libecscred.so dynamically; expected the static library"; exit 1; fi
	$(GO_ENV) tests/go_example.sh $(abspath $(TARGET_DIR))/ecscred-go-example
	$(GO_ENV) tests/go_link_modes.sh

bench-go: go-prefix
	cd go && $(GO_ENV) $(GO) test -run '^$$' -bench . -benchmem -count 5 .
