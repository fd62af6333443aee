#!/usr/bin/env bash
# The C and C++ tests of ecscred (`make test-c`) and the C benchmark (`make bench-c`).
#
#   tests/c/run.sh test|bench
#
# Expects ecscred installed in $ECSCRED_PREFIX (make does it, into a scratch directory)
# and the `ecscred` command (for its mock metadata service) at $ECSCRED_BIN (default
# $TARGET_DIR/release/ecscred).
#
# Builds every client the way a user would: with pkg-config (shared and static), with
# CMake's find_package(ecscred) (shared and static), all with -Wall -Wextra -Wpedantic
# -Werror. For each suite it starts a fresh mock on 127.0.0.1 (port 0), runs the suite,
# checks that no secret the mock handed out (AccessKeySecret, SecurityToken, metadata
# token) appears anywhere in the suite's output, and stops the mock. The C suite runs
# plain, statically linked, under ASan+UBSan and under valgrind; the chain suite
# (test_chain.c: the default credential chain and pinned sources) plain and under
# ASan+UBSan; the C++ API suite
# (test_cpp.cpp, the installed ecscred.hpp) with and without -fno-exceptions, plain and
# under ASan+UBSan.
#
# Prints one line per check and suite, and last "N passed, M failed" (tests of all suites
# plus the checks here); exits non-zero on any failure.
set -uo pipefail

mode=${1:-test}
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
target=${TARGET_DIR:-$repo/target}
prefix=${ECSCRED_PREFIX:?set ECSCRED_PREFIX to an install of ecscred (make test-c does)}
mock_bin=${ECSCRED_BIN:-$target/release/ecscred}
build=$target/c-tests/build
logs=$target/c-tests/logs
rm -rf "$build" "$logs"
mkdir -p "$build" "$logs"

CC=${CC:-gcc}
CXX=${CXX:-g++}
strict=(-Wall -Wextra -Wpedantic -Werror)
export PKG_CONFIG_PATH="$prefix/lib/pkgconfig"
# The tests configure ecscred themselves: nothing from the caller's environment.
while read -r name; do unset "$name"; done < <(env | sed -n 's/^\(ALIBABA_CLOUD_[A-Za-z0-9_]*\)=.*/\1/p')

passed=0
failed=0
pass() { passed=$((passed + 1)); echo "ok - $1"; }
fail() { failed=$((failed + 1)); echo "FAIL - $1"; }

# ---- the mock ------------------------------------------------------------------------

mock_pid=
mock_out=
start_mock() {
    mock_out="$logs/mock.$RANDOM.url"
    "$mock_bin" mock-metadata --port 0 --role EcsRamRoleTest >"$mock_out" 2>&1 &
    mock_pid=$!
    # Wait for the URL line (readiness, not a timing assertion).
    for _ in $(seq 400); do
        [ "$(wc -l <"$mock_out")" -ge 1 ] && break
        kill -0 "$mock_pid" 2>/dev/null || break
        sleep 0.05
    done
    local url
    url=$(head -n 1 "$mock_out")
    case "$url" in
    http://127.0.0.1:*) ;;
    *)
        echo "the mock did not start: $(cat "$mock_out")"
        return 1
        ;;
    esac
    export ECSCRED_TEST_MOCK_URL="$url" ALIBABA_CLOUD_ECS_METADATA_SERVICE_ENDPOINT="$url"
}

stop_mock() {
    if [ -n "$mock_pid" ]; then
        kill "$mock_pid" 2>/dev/null
        wait "$mock_pid" 2>/dev/null
    fi
    mock_pid=
    rm -f "$mock_out"
    unset ECSCRED_TEST_MOCK_URL ALIBABA_CLOUD_ECS_METADATA_SERVICE_ENDPOINT
}
trap stop_mock EXIT

# Every secret the running mock has handed out, one per line.
mock_secrets() {
    "$build/mockctl" GET /_mock/credentials |
        grep -o '"\(access_key_secret\|security_token\)":"[^"]*"' | sed 's/^"[a-z_]*":"//; s/"$//'
    "$build/mockctl" GET /_mock/tokens | grep -o '"[^"]*"' | tr -d '"'
}

# Fails if any secret of the running mock appears in file $2 (check named $1).
check_no_secret() {
    local secrets="$logs/secrets"
    mock_secrets | grep -v '^$' >"$secrets"
    if [ -s "$secrets" ] && grep -q -F -f "$secrets" "$2"; then
        fail "$1: the output holds a secret"
    else
        pass "$1: no secret in the output ($(wc -l <"$secrets") secrets checked)"
    fi
    rm -f "$secrets"
}

# run_suite NAME COMMAND...: runs a test program (which prints "N passed, M failed")
# against a fresh mock; adds its counts.
run_suite() {
    local name=$1
    shift
    local log="$logs/$name.log"
    if ! start_mock; then
        fail "$name: mock"
        return
    fi
    "$@" >"$log" 2>&1
    local rc=$?
    check_no_secret "$name" "$log"
    stop_mock
    local summary n_passed n_failed
    summary=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$log" | tail -n 1)
    n_passed=$(echo "$summary" | sed -n 's/^\([0-9]*\) passed.*/\1/p')
    n_failed=$(echo "$summary" | sed -n 's/.* \([0-9]*\) failed$/\1/p')
    passed=$((passed + ${n_passed:-0}))
    if [ "$rc" -eq 0 ] && [ -n "$summary" ] && [ "${n_failed:-1}" -eq 0 ]; then
        echo "ok - suite $name: $summary"
    else
        failed=$((failed + ${n_failed:-0}))
        [ "${n_failed:-0}" -eq 0 ] && failed=$((failed + 1))
        echo "FAIL - suite $name (exit status $rc${summary:+, $summary}); its output:"
        sed 's/^/    /' "$log"
    fi
}

# run_oidc_suite NAME COMMAND...: run_suite with a mock STS (`ecscred mock-sts`) beside
# the mock metadata service, its URL, CA file and token file in ECSCRED_TEST_STS_URL,
# ECSCRED_TEST_STS_CA_FILE and ECSCRED_TEST_OIDC_TOKEN_FILE; fails if the OIDC token
# appears in the suite's output.
run_oidc_suite() {
    local name=$1
    shift
    local dir="$logs/oidc.$RANDOM"
    mkdir -p "$dir"
    echo "eyJhbGciOiJSUzI1NiJ9.c-suite-$RANDOM$RANDOM.payload-of-the-c-suite-token" >"$dir/token"
    echo "a-token-the-mock-refuses" >"$dir/wrong-token"
    # shellcheck disable=SC2086
    "$mock_bin" mock-sts --port 0 --token-file "$dir/token" --ca-file "$dir/ca.pem" \
        ${sts_access_key:+--access-key "$sts_access_key"} >"$dir/url" 2>&1 &
    local sts_pid=$!
    for _ in $(seq 400); do
        [ "$(wc -l <"$dir/url")" -ge 1 ] && break
        kill -0 "$sts_pid" 2>/dev/null || break
        sleep 0.05
    done
    case "$(head -n 1 "$dir/url")" in
    https://127.0.0.1:*)
        ECSCRED_TEST_STS_URL=$(head -n 1 "$dir/url") ECSCRED_TEST_STS_CA_FILE="$dir/ca.pem" \
            ECSCRED_TEST_OIDC_TOKEN_FILE="$dir/token" \
            ECSCRED_TEST_WRONG_TOKEN_FILE="$dir/wrong-token" run_suite "$name" "$@"
        if grep -q -F -f "$dir/token" "$logs/$name.log"; then
            fail "$name: the output holds the OIDC token"
        else
            pass "$name: no OIDC token in the output"
        fi
        ;;
    *) fail "$name: the mock STS did not start: $(cat "$dir/url")" ;;
    esac
    kill "$sts_pid" 2>/dev/null
    wait "$sts_pid" 2>/dev/null
    rm -rf "$dir"
}

# run_chain_suite NAME COMMAND...: run_oidc_suite with the mock STS also accepting an
# AccessKey (ECSCRED_TEST_STS_ACCESS_KEY_ID and _SECRET, for RamRoleArn profiles) and a mock
# credentials URI (`ecscred mock-uri`, its URL in ECSCRED_TEST_URI_URL) beside it; fails if
# that AccessKey's secret or a secret the URI mock handed out appears in the suite's output.
run_chain_suite() {
    local name=$1
    shift
    local dir="$logs/chain.$RANDOM"
    mkdir -p "$dir"
    "$mock_bin" mock-uri --port 0 >"$dir/url" 2>&1 &
    local uri_pid=$!
    for _ in $(seq 400); do
        [ "$(wc -l <"$dir/url")" -ge 1 ] && break
        kill -0 "$uri_pid" 2>/dev/null || break
        sleep 0.05
    done
    local url secret
    url=$(head -n 1 "$dir/url")
    secret="c-suite-ram-user-secret-$RANDOM$RANDOM$RANDOM"
    case "$url" in
    http://127.0.0.1:*)
        ECSCRED_TEST_URI_URL=$url ECSCRED_TEST_STS_ACCESS_KEY_ID=LTAI5tCSuiteRamUser \
            ECSCRED_TEST_STS_ACCESS_KEY_SECRET=$secret \
            sts_access_key="LTAI5tCSuiteRamUser:$secret" run_oidc_suite "$name" "$@"
        # The URI mock's admin endpoint is on its origin (the URL without its path).
        ECSCRED_TEST_MOCK_URL=${url%/*} "$build/mockctl" GET /_mock/credentials |
            grep -o '"\(access_key_secret\|security_token\)":"[^"]*"' |
            sed 's/^"[a-z_]*":"//; s/"$//' >"$dir/secrets"
        echo "$secret" >>"$dir/secrets"
        if grep -q -F -f "$dir/secrets" "$logs/$name.log"; then
            fail "$name: the output holds a secret of the URI mock or the profile's AccessKey"
        else
            pass "$name: no secret of the URI mock or the profile's AccessKey in the output"
        fi
        ;;
    *) fail "$name: the mock credentials URI did not start: $(cat "$dir/url")" ;;
    esac
    kill "$uri_pid" 2>/dev/null
    wait "$uri_pid" 2>/dev/null
    rm -rf "$dir"
}

# step NAME COMMAND...: one build or check step.
step() {
    local name=$1
    shift
    local log="$logs/step.log"
    if "$@" >"$log" 2>&1; then
        pass "$name"
    else
        fail "$name"
        sed 's/^/    /' "$log"
    fi
}

pc_shared() { pkg-config --cflags --libs ecscred; }
pc_static() { pkg-config --cflags --libs ecscred-static; }
rpath=(-Wl,-rpath,"$prefix/lib")

step "build mockctl" "$CC" -std=c11 "${strict[@]}" -o "$build/mockctl" "$here/mockctl.c" "$here/mock.c"

if [ "$mode" = bench ]; then
    # shellcheck disable=SC2046
    step "build bench (shared)" "$CC" -std=c11 -O2 "${strict[@]}" -o "$build/bench" \
        "$here/bench.c" $(pc_shared) "${rpath[@]}" -pthread
    # shellcheck disable=SC2046
    step "build bench (static)" "$CC" -std=c11 -O2 "${strict[@]}" -o "$build/bench_static" \
        "$here/bench.c" $(pc_static) -pthread
    for variant in bench bench_static; do
        if start_mock; then
            echo "--- $variant (libecscred.$([ $variant = bench ] && echo so || echo a))"
            if "$build/$variant"; then pass "$variant"; else fail "$variant"; fi
            stop_mock
        else
            fail "$variant: mock"
        fi
    done
    echo "$passed passed, $failed failed"
    [ "$failed" -eq 0 ]
    exit
fi

# ---- the header on its own -------------------------------------------------------------

echo '#include <ecscred.h>' >"$build/header.c"
cp "$build/header.c" "$build/header.cpp"
# shellcheck disable=SC2046
step "ecscred.h compiles as C99" "$CC" -std=c99 "${strict[@]}" -fsyntax-only \
    $(pkg-config --cflags ecscred) "$build/header.c"
# shellcheck disable=SC2046
step "ecscred.h compiles as C++11" "$CXX" -std=c++11 "${strict[@]}" -fsyntax-only \
    $(pkg-config --cflags ecscred) "$build/header.cpp"
echo '#include <ecscred.hpp>' >"$build/header-hpp.cpp"
for mode in -fexceptions -fno-exceptions; do
    # shellcheck disable=SC2046
    step "ecscred.hpp compiles as C++11 ($mode)" "$CXX" -std=c++11 "${strict[@]}" "$mode" \
        -fsyntax-only $(pkg-config --cflags ecscred) "$build/header-hpp.cpp"
done
step "pkg-config --static lists the native libraries" \
    sh -c 'pkg-config --static --libs ecscred | grep -q -- "-lpthread"'
step "the installed soname is libecscred.so.0" \
    sh -c "readelf -d '$prefix/lib/libecscred.so' | grep -q 'SONAME.*libecscred.so.0'"

# ---- builds ----------------------------------------------------------------------------

c_sources=("$here/test_ecscred.c" "$here/mock.c")
# shellcheck disable=SC2046
step "build C suite (pkg-config ecscred, shared)" "$CC" -std=c11 "${strict[@]}" -g \
    -o "$build/test_ecscred" "${c_sources[@]}" $(pc_shared) "${rpath[@]}" -pthread
# shellcheck disable=SC2046
step "build C suite (pkg-config ecscred-static)" "$CC" -std=c11 "${strict[@]}" -g \
    -o "$build/test_ecscred_static" "${c_sources[@]}" $(pc_static) -pthread
step "the static build does not need libecscred.so" \
    sh -c "! readelf -d '$build/test_ecscred_static' | grep -q 'NEEDED.*libecscred'"
# The executable is instrumented, so libasan comes first among its libraries: no
# LD_PRELOAD is needed, and the uninstrumented Rust code's malloc/free go through ASan.
# shellcheck disable=SC2046
step "build C suite (ASan+UBSan)" "$CC" -std=c11 "${strict[@]}" -g -O1 \
    -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all \
    -o "$build/test_ecscred_asan" "${c_sources[@]}" $(pc_shared) "${rpath[@]}" -pthread
step "configure CMake tests (find_package(ecscred))" cmake -S "$here" -B "$build/cmake" \
    -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_BUILD_TYPE=Debug
step "build CMake tests (ecscred::ecscred, ecscred::ecscred_static)" \
    cmake --build "$build/cmake" -j 2
# shellcheck disable=SC2046
step "build examples/c (pkg-config)" "$CC" -std=c11 "${strict[@]}" \
    -o "$build/get_credential" "$repo/examples/c/get_credential.c" $(pc_shared) "${rpath[@]}"
# A fully static executable (no libgcc_s.a exists: the driver links libgcc_eh).
# shellcheck disable=SC2046
step "build examples/c fully static (pkg-config ecscred-static, -static)" "$CC" -std=c11 \
    "${strict[@]}" -static -o "$build/get_credential_static" \
    "$repo/examples/c/get_credential.c" $(pc_static) -pthread
step "the -static build is statically linked" \
    sh -c "! readelf -d '$build/get_credential_static' 2>/dev/null | grep -q NEEDED"
# The C++ API with and without exceptions, plain and under ASan+UBSan (the CMake build
# below is a third, with exceptions).
step "build mock.o" "$CC" -std=c11 "${strict[@]}" -g -c -o "$build/mock.o" "$here/mock.c"
for mode in exceptions no-exceptions; do
    cxx_mode=()
    [ $mode = exceptions ] || cxx_mode=(-fno-exceptions)
    # shellcheck disable=SC2046
    step "build C++ API suite ($mode)" "$CXX" -std=c++11 "${strict[@]}" "${cxx_mode[@]}" -g \
        -o "$build/test_cpp_$mode" "$here/test_cpp.cpp" "$build/mock.o" \
        $(pc_shared) "${rpath[@]}" -pthread
    # shellcheck disable=SC2046
    step "build C++ API suite ($mode, ASan+UBSan)" "$CXX" -std=c++11 "${strict[@]}" "${cxx_mode[@]}" \
        -g -O1 -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all \
        -o "$build/test_cpp_${mode}_asan" "$here/test_cpp.cpp" "$build/mock.o" \
        $(pc_shared) "${rpath[@]}" -pthread
done
step "configure examples/cpp (CMake)" cmake -S "$repo/examples/cpp" -B "$build/example-cpp" \
    -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_CXX_FLAGS="${strict[*]}"
# shellcheck disable=SC2046
step "build examples/cpp/example.cpp with -fno-exceptions (pkg-config)" "$CXX" -std=c++11 \
    "${strict[@]}" -fno-exceptions -o "$build/ecscred_example_noexcept" \
    "$repo/examples/cpp/example.cpp" $(pc_shared) "${rpath[@]}"
step "build examples/cpp" cmake --build "$build/example-cpp"

# The fork suite and the memory scan, each in a process of its own (neither may meet the
# main suite's threads).
# shellcheck disable=SC2046
step "build fork suite (shared)" "$CC" -std=c11 "${strict[@]}" -g -o "$build/test_fork_logging" \
    "$here/test_fork_logging.c" "$here/mock.c" $(pc_shared) "${rpath[@]}" -pthread
# shellcheck disable=SC2046
step "build fork suite (ASan+UBSan)" "$CC" -std=c11 "${strict[@]}" -g -O1 \
    -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all \
    -o "$build/test_fork_logging_asan" "$here/test_fork_logging.c" "$here/mock.c" \
    $(pc_shared) "${rpath[@]}" -pthread
# The memory scan runs uninstrumented only: ASan's shadow memory and valgrind's own heap
# are not the program's memory, and both keep freed blocks in quarantines of their own.
# shellcheck disable=SC2046
step "build memory scan (shared)" "$CC" -std=c11 "${strict[@]}" -g -o "$build/test_memory_scan" \
    "$here/test_memory_scan.c" "$here/mock.c" $(pc_shared) "${rpath[@]}" -pthread
# shellcheck disable=SC2046
step "build memory scan (static)" "$CC" -std=c11 "${strict[@]}" -g \
    -o "$build/test_memory_scan_static" "$here/test_memory_scan.c" "$here/mock.c" \
    $(pc_static) -pthread

# shellcheck disable=SC2046
step "build OIDC suite (shared)" "$CC" -std=c11 "${strict[@]}" -g -o "$build/test_oidc" \
    "$here/test_oidc.c" "$here/mock.c" $(pc_shared) "${rpath[@]}" -pthread
# shellcheck disable=SC2046
step "build OIDC suite (ASan+UBSan)" "$CC" -std=c11 "${strict[@]}" -g -O1 \
    -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all \
    -o "$build/test_oidc_asan" "$here/test_oidc.c" "$here/mock.c" $(pc_shared) "${rpath[@]}" \
    -pthread

# shellcheck disable=SC2046
step "build chain suite (shared)" "$CC" -std=c11 "${strict[@]}" -g -o "$build/test_chain" \
    "$here/test_chain.c" "$here/mock.c" $(pc_shared) "${rpath[@]}" -pthread
# shellcheck disable=SC2046
step "build chain suite (ASan+UBSan)" "$CC" -std=c11 "${strict[@]}" -g -O1 \
    -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all \
    -o "$build/test_chain_asan" "$here/test_chain.c" "$here/mock.c" $(pc_shared) "${rpath[@]}" \
    -pthread

# shellcheck disable=SC2046
step "build misuse (ASan+UBSan)" "$CC" -std=c11 "${strict[@]}" -g -fsanitize=address,undefined \
    -fno-omit-frame-pointer -o "$build/misuse_asan" "$here/misuse.c" $(pc_shared) "${rpath[@]}"
# shellcheck disable=SC2046
step "build misuse" "$CC" -std=c11 "${strict[@]}" -g -o "$build/misuse" "$here/misuse.c" \
    $(pc_shared) "${rpath[@]}"

# ---- the checkers catch real bugs --------------------------------------------------------

# expect_caught NAME PATTERN COMMAND...: COMMAND must fail and print PATTERN.
expect_caught() {
    local name=$1 pattern=$2
    shift 2
    local log="$logs/caught.log"
    if "$@" >"$log" 2>&1; then
        fail "$name (not caught)"
        sed 's/^/    /' "$log"
    elif grep -q -- "$pattern" "$log"; then
        pass "$name"
    else
        fail "$name (failed otherwise)"
        sed 's/^/    /' "$log"
    fi
}
valgrind_args=(valgrind -q --error-exitcode=99 --leak-check=full
    --show-leak-kinds=definite,possible --errors-for-leak-kinds=definite,possible
    --suppressions="$here/valgrind.supp")
expect_caught "ASan catches a leaked ecscred_provider" "LeakSanitizer" \
    env ASAN_OPTIONS=detect_leaks=1 "$build/misuse_asan" leak
expect_caught "ASan catches a use after ecscred_provider_free" "heap-use-after-free" \
    env ASAN_OPTIONS=detect_leaks=0 "$build/misuse_asan" use-after-free
expect_caught "valgrind (with valgrind.supp) catches a leaked ecscred_provider" \
    "definitely lost" "${valgrind_args[@]}" "$build/misuse" leak
expect_caught "valgrind catches a use after ecscred_provider_free" "Invalid read" \
    "${valgrind_args[@]}" "$build/misuse" use-after-free

# ---- suites ----------------------------------------------------------------------------

run_suite c-shared "$build/test_ecscred"
run_suite c-static "$build/test_ecscred_static"
run_suite c-cmake-static "$build/cmake/test_ecscred_cmake_static"
# The C++ suites test the OIDC source too: each beside a mock STS.
run_oidc_suite cpp-cmake "$build/cmake/test_cpp"
for mode in exceptions no-exceptions; do
    run_oidc_suite "cpp-$mode" "$build/test_cpp_$mode"
    ASAN_OPTIONS=detect_leaks=1:halt_on_error=1:abort_on_error=0 \
        UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
        run_oidc_suite "cpp-$mode-asan-ubsan" "$build/test_cpp_${mode}_asan"
done
ASAN_OPTIONS=detect_leaks=1:halt_on_error=1:abort_on_error=0 \
    UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
    run_suite c-asan-ubsan "$build/test_ecscred_asan"
# Valgrind errors (and definite or possible leaks) exit with 99.
run_suite c-valgrind "${valgrind_args[@]}" "$build/test_ecscred"

run_suite fork "$build/test_fork_logging"
ASAN_OPTIONS=detect_leaks=1:halt_on_error=1:abort_on_error=0 \
    UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
    run_suite fork-asan-ubsan "$build/test_fork_logging_asan"
# Fewer forks during the first ecscred_set_log_callback: each costs valgrind a second.
ECSCRED_TEST_FIRST_SET_ATTEMPTS=20 run_suite fork-valgrind "${valgrind_args[@]}" "$build/test_fork_logging"
run_suite memory-scan "$build/test_memory_scan"
run_oidc_suite oidc "$build/test_oidc"
run_oidc_suite memory-scan-oidc "$build/test_memory_scan"
ASAN_OPTIONS=detect_leaks=1:halt_on_error=1:abort_on_error=0 \
    UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
    run_oidc_suite oidc-asan-ubsan "$build/test_oidc_asan"
run_suite memory-scan-static "$build/test_memory_scan_static"
# The default chain and pinned sources, in a temporary HOME (the suite makes it), beside a
# mock STS (RamRoleArn profiles) and a mock credentials URI.
run_chain_suite chain "$build/test_chain"
ASAN_OPTIONS=detect_leaks=1:halt_on_error=1:abort_on_error=0 \
    UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
    run_chain_suite chain-asan-ubsan "$build/test_chain_asan"

# ---- examples --------------------------------------------------------------------------

for example in "$build/get_credential" "$build/get_credential_static" \
    "$build/example-cpp/ecscred_example" "$build/ecscred_example_noexcept"; do
    name="example $(basename "$example")"
    if start_mock; then
        log="$logs/$(basename "$example").log"
        if "$example" >"$log" 2>&1 && grep -q '^AccessKeyId: *STS\.' "$log" &&
            grep -q '^Expiration: *20[0-9-]*T' "$log" && grep -q 'characters, not shown' "$log"; then
            pass "$name prints the credential"
        else
            fail "$name prints the credential"
            sed 's/^/    /' "$log"
        fi
        check_no_secret "$name" "$log"
        stop_mock
        # Nothing listens on the endpoint: a clear error and exit status 1.
        if ALIBABA_CLOUD_ECS_METADATA_SERVICE_ENDPOINT="http://127.0.0.1:$("$build/mockctl" closed-port)" \
            "$example" >"$log" 2>&1; then
            fail "$name fails without a metadata service"
        elif grep -q 'unreachable' "$log"; then
            pass "$name fails without a metadata service"
        else
            fail "$name fails without a metadata service"
            sed 's/^/    /' "$log"
        fi
    else
        fail "$name: mock"
    fi
done

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
