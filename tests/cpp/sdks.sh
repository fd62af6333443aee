#!/usr/bin/env bash
# Builds the official Alibaba Cloud C++ SDKs the C++ adapter tests link against, once.
#
#   tests/cpp/sdks.sh            prints two lines: OSS_PREFIX=... and OPENAPI_PREFIX=...
#
# ECSCRED_THIRD_PARTY names the folder holding the pinned release tarballs
# (aliyun-oss-cpp-sdk-1.10.1.tar.gz, aliyun-openapi-cpp-sdk-1.36.2132-core-sts.tar.gz);
# no package registry carries these SDKs, so the project does not fetch them itself.
# Each SDK is built (-j2) and installed into ECSCRED_CPP_SDK_CACHE/<sha256 of its tarball>
# (default $HOME/.cache/ecscred/cpp-sdks): a later run with the same tarball reuses it.
# Build logs go to <cache>/<sha256>/build.log; the cache entry is complete only once its
# `done` file exists, so an interrupted build is redone.
set -euo pipefail

oss_tarball=aliyun-oss-cpp-sdk-1.10.1.tar.gz
openapi_tarball=aliyun-openapi-cpp-sdk-1.36.2132-core-sts.tar.gz

third_party=${ECSCRED_THIRD_PARTY:-}
if [ -z "$third_party" ]; then
    echo "tests/cpp: set ECSCRED_THIRD_PARTY to the folder holding $oss_tarball and" \
        "$openapi_tarball (the C++ SDK tests build against them)" >&2
    exit 2
fi
for tarball in "$oss_tarball" "$openapi_tarball"; do
    if [ ! -r "$third_party/$tarball" ]; then
        echo "tests/cpp: $third_party/$tarball is missing (ECSCRED_THIRD_PARTY=$third_party)" >&2
        exit 2
    fi
done
third_party=$(cd "$third_party" && pwd)
cache=${ECSCRED_CPP_SDK_CACHE:-${HOME:?}/.cache/ecscred/cpp-sdks}
mkdir -p "$cache"
cache=$(cd "$cache" && pwd)

# build_sdk TARBALL CMAKE_ARGS...: prints the install prefix of TARBALL's build.
build_sdk() {
    local tarball=$1
    shift
    local sum entry
    sum=$(sha256sum "$third_party/$tarball" | cut -d ' ' -f 1)
    entry=$cache/$sum
    if [ -e "$entry/done" ]; then
        echo "$entry/prefix"
        return
    fi
    echo "tests/cpp: building $tarball into $entry (once; log: $entry/build.log)" >&2
    rm -rf "$entry"
    mkdir -p "$entry/src"
    tar -xzf "$third_party/$tarball" -C "$entry/src" --strip-components=1
    if ! {
        cmake -S "$entry/src" -B "$entry/build" -DCMAKE_BUILD_TYPE=Release \
            -DCMAKE_INSTALL_PREFIX="$entry/prefix" "$@" &&
            cmake --build "$entry/build" -j 2 &&
            cmake --install "$entry/build"
    } >"$entry/build.log" 2>&1; then
        echo "tests/cpp: building $tarball failed; the end of $entry/build.log:" >&2
        tail -n 30 "$entry/build.log" >&2
        exit 1
    fi
    rm -rf "$entry/build"
    touch "$entry/done"
    echo "$entry/prefix"
}

# OSS: Debian 12's curl marks APIs the SDK uses deprecated, and the SDK builds with -Werror.
oss=$(build_sdk "$oss_tarball" -DBUILD_SAMPLE=OFF -DBUILD_TESTS=OFF \
    -DCMAKE_CXX_FLAGS=-DCURL_DISABLE_DEPRECATION)
# OpenAPI: the core library (CommonClient, credentials) and the STS product client.
openapi=$(build_sdk "$openapi_tarball" -DBUILD_PRODUCT=sts)
echo "OSS_PREFIX=$oss"
echo "OPENAPI_PREFIX=$openapi"
