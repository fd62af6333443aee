#!/usr/bin/env bash
# The x86_64 C/CLI tarball as a user gets it: unpacked in a temp dir, builds
# examples/c/get_credential.c with its own pkg-config files (shared and static) and with
# its CMake package (shared and static), and examples/cpp/example.cpp with its C++ header
# (pkg-config, with and without exceptions), runs each against the mock metadata service
# served by its own bin/ecscred, and `bin/ecscred get` gets the credential.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
top=$(unpack_tarball x86_64)
for f in bin/ecscred include/ecscred.h include/ecscred.hpp include/ecscred/aliyun_oss.hpp \
         include/ecscred/aliyun_openapi.hpp lib/libecscred.a lib/libecscred.so lib/libecscred.so.0 \
         "lib/libecscred.so.$version" lib/pkgconfig/ecscred.pc lib/pkgconfig/ecscred-static.pc \
         lib/cmake/ecscred/ecscredConfig.cmake lib/cmake/ecscred/ecscredConfigVersion.cmake \
         README.md LICENSE; do
  [ -e "$top/$f" ] || fail "tarball lacks $f"
done
grep -q 'Apache License' "$top/LICENSE" || fail "the tarball's LICENSE is not the Apache License"
grep -q "libecscred $version" "$top/README.md" || fail "the tarball's README does not name its version"
[ "$(readlink "$top/lib/libecscred.so")" = libecscred.so.0 ] || fail "libecscred.so is not a link to libecscred.so.0"

start_mock "$top/bin/ecscred"
export ALIBABA_CLOUD_ECS_METADATA_SERVICE_ENDPOINT=$metadata
"$top/bin/ecscred" get --role EcsRamRoleTest >"$work/get.json"
grep -q '"AccessKeyId": *"STS\.' "$work/get.json" || fail "bin/ecscred get printed no AccessKeyId"
echo "c tarball: bin/ecscred get: ok"

# run NAME WANT: runs the built program and checks how it links libecscred.
run() {
  "$work/$1" >"$work/$1.out" || fail "$1 failed: $(cat "$work/$1.out")"
  grep -q '^AccessKeyId: *STS\.' "$work/$1.out" || fail "$1 printed no AccessKeyId"
  local linked=static so
  so=$(ldd "$work/$1" | sed -n 's/.*libecscred\.so[^ ]* => \([^ ]*\).*/\1/p')
  if [ -n "$so" ]; then
    [ "$(realpath "$so")" = "$(realpath "$top/lib/libecscred.so.0")" ] \
      || fail "$1 loads $so, not the tarball's library"
    linked=shared
  elif ldd "$work/$1" | grep -q libecscred; then fail "$1 needs a libecscred.so that is not found"; fi
  [ "$linked" = "$2" ] || fail "$1 links libecscred $linked, want $2"
  echo "c tarball: $1 ($2): ok"
}

export PKG_CONFIG_PATH=$top/lib/pkgconfig
cflags="-std=c11 -Wall -Wextra -Wpedantic -Werror"
# shellcheck disable=SC2046
cc $cflags -o "$work/pc-shared" "$repo/examples/c/get_credential.c" \
  $(pkg-config --cflags --libs ecscred) -Wl,-rpath,"$(pkg-config --variable=libdir ecscred)"
run pc-shared shared
# shellcheck disable=SC2046
cc $cflags -o "$work/pc-static" "$repo/examples/c/get_credential.c" $(pkg-config --cflags --libs ecscred-static)
run pc-static static
# The C++ API from the same include directory; -fno-exceptions: its non-throwing form.
for mode in exceptions no-exceptions; do
  cxxflags="-std=c++11 -Wall -Wextra -Wpedantic -Werror"
  [ $mode = exceptions ] || cxxflags="$cxxflags -fno-exceptions"
  # shellcheck disable=SC2046,SC2086
  c++ $cxxflags -o "$work/cpp-$mode" "$repo/examples/cpp/example.cpp" \
    $(pkg-config --cflags --libs ecscred) -Wl,-rpath,"$(pkg-config --variable=libdir ecscred)"
  run "cpp-$mode" shared
done
unset PKG_CONFIG_PATH

cmake -S "$(dirname "$0")/cmake" -B "$work/cmake" -DCMAKE_PREFIX_PATH="$top" \
  -DECSCRED_EXAMPLE="$repo/examples/c/get_credential.c" >"$work/cmake.log" 2>&1 \
  || fail "cmake configure failed: $(cat "$work/cmake.log")"
cmake --build "$work/cmake" >>"$work/cmake.log" 2>&1 || fail "cmake build failed: $(cat "$work/cmake.log")"
cp "$work/cmake/get_credential_shared" "$work/cmake-shared"
cp "$work/cmake/get_credential_static" "$work/cmake-static"
run cmake-shared shared
run cmake-static static
