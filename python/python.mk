# The Python package (python/): build it into the repo's .venv, test it, benchmark it.
# Included by the top Makefile. Works from a fresh machine with Python >= 3.8, pip and Rust.

PY_VENV := .venv
PY := $(PY_VENV)/bin/python
# The interpreter that has ecscred installed (scripts/demo.sh runs the tutorial with it).
ECSCRED_PYTHON := $(abspath $(PY))
export ECSCRED_PYTHON

TEST_TARGETS += test-python
DEPS_TARGETS += deps-python
BENCH_TARGETS += bench-python

.PHONY: deps-python python-package suite-python-package test-python bench-python

# One-time: the venv with maturin, pytest, oss2, alibabacloud-oss-v2, alibabacloud-credentials.
deps-python: $(PY_VENV)/.ecscred-deps

$(PY_VENV)/.ecscred-deps: python/requirements-dev.txt
	python3 -m venv $(PY_VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r python/requirements-dev.txt
	touch $@

# Builds the abi3 wheel with maturin (release profile) and installs it, exactly as a user's
# `pip install ./python` does. After c-lib (order only): both build in target/release, whose
# crates they share, and cargo lets one build at a time use it: under make -j the other one
# would wait there, holding a job slot.
python-package: deps-python | c-lib
	$(PY) -m pip install --quiet --force-reinstall --no-deps ./python

# make test's Python suites (here and in the fault matrix) run against dist's x86_64 wheel
# (packaging/dist.mk), the file users install, rather than a release build of their own:
# each costs minutes, mostly in the thin-LTO link of the module, and dist needs this one.
suite-python-package: deps-python dist-wheel-x86_64
	$(PY) -m pip install --quiet --force-reinstall --no-deps \
	  $(DIST_DIR)/ecscred-$(C_VERSION)-*manylinux*_x86_64.whl

# pytest exits 5 when it collected nothing: that is a failure too.
test-python: suite-python-package
	$(PY) -m pytest tests/python -q -p no:cacheprovider; rc=$$?; \
	  if [ $$rc -eq 5 ]; then echo "test-python: no tests collected" >&2; exit 1; fi; exit $$rc

bench-python: python-package
	$(PY) python/bench/bench_credentials.py

# `make demo` runs examples/tutorial.py with this package.
demo: python-package
