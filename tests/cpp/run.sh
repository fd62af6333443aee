#!/usr/bin/env bash
# The C++ SDK tests and benchmark: builds the official SDKs once (tests/cpp/sdks.sh), then
# the programs of tests/cpp and examples/cpp's tutorial against ecscred installed in
# $ECSCRED_PREFIX (C++11, -Wall -Wextra -Werror), then
#
#   tests/cpp/run.sh test          (make test-cpp) runs them (tests/cpp/sdk_tests.py) against
#                                  the mock metadata service ($ECSCRED_BIN, default
#                                  $TARGET_DIR/release/ecscred) and
#                                  the repository's OSS and OpenAPI test servers; prints one
#                                  line per check and last "N passed, M failed"
#   tests/cpp/run.sh bench ARGS    (make bench-cpp) runs tests/cpp/bench.py ARGS
#   tests/cpp/run.sh build         only builds (for make bench and make test-faults, which run
#                                  $TARGET_DIR/cpp-tests/build/tests/cpp_bench themselves)
set -uo pipefail

mode=${1:-test}
[ $# -gt 0 ] && shift
case $mode in
test | bench | build) ;;
*)
    echo "usage: tests/cpp/run.sh test|bench|build" >&2
    exit 2
    ;;
esac

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
target=${TARGET_DIR:-$repo/target}
prefix=${ECSCRED_PREFIX:?set ECSCRED_PREFIX to an install of ecscred (make test-cpp does)}
ecscred=${ECSCRED_BIN:-$target/release/ecscred}
build=$target/cpp-tests/build
rm -rf "$build"
mkdir -p "$build"

if ! sdks=$("$here/sdks.sh"); then
    echo "FAIL - the C++ SDKs could not be built (see above)"
    echo "0 passed, 1 failed"
    exit 1
fi
oss_prefix=$(echo "$sdks" | sed -n 's/^OSS_PREFIX=//p')
openapi_prefix=$(echo "$sdks" | sed -n 's/^OPENAPI_PREFIX=//p')

# step NAME COMMAND...: one build step; stops at the first failure (nothing to run then).
step() {
    local name=$1
    shift
    if "$@" >"$build/step.log" 2>&1; then
        echo "ok - $name"
    else
        echo "FAIL - $name"
        sed 's/^/    /' "$build/step.log"
        echo "0 passed, 1 failed"
        exit 1
    fi
}

step "configure tests/cpp" cmake -S "$here" -B "$build/tests" -DCMAKE_BUILD_TYPE=Debug \
    -DCMAKE_PREFIX_PATH="$prefix" -DALIYUN_OSS_SDK_PREFIX="$oss_prefix" \
    -DALIYUN_OPENAPI_SDK_PREFIX="$openapi_prefix"
step "build tests/cpp (test_oss, test_openapi, cpp_bench)" cmake --build "$build/tests" -j 2
step "configure examples/cpp with the OSS SDK" cmake -S "$repo/examples/cpp" -B "$build/examples" \
    -DCMAKE_PREFIX_PATH="$prefix" -DALIYUN_OSS_SDK_PREFIX="$oss_prefix" \
    -DCMAKE_CXX_FLAGS="-Wall -Wextra -Werror"
step "build examples/cpp (ecscred_example, ecscred_tutorial)" cmake --build "$build/examples" -j 2

[ "$mode" = build ] && exit 0
if [ "$mode" = bench ]; then
    exec python3 "$here/bench.py" --bin "$build/tests/cpp_bench" --ecscred "$ecscred" "$@"
fi
exec python3 "$here/sdk_tests.py" --ecscred "$ecscred" --build "$build/tests" \
    --tutorial "$build/examples/ecscred_tutorial"
