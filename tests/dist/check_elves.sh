#!/usr/bin/env bash
# Every ELF file in dist/, inside the tarballs and wheels too: executables and shared
# libraries need no glibc symbol version newer than GLIBC_2.17, and each file is built
# for the architecture its artifact is named for (archives: every member). readelf
# reads any architecture.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
max=2.17
mkdir -p "$work/x"
for f in "$dist"/*.tar.gz; do
  case $(basename "$f") in libecscred-*) tar -C "$work/x" -xzf "$f" ;; esac
done
for f in "$dist"/*.whl; do
  d=$work/x/$(basename "$f" .whl)
  mkdir -p "$d" && (cd "$d" && "${PYTHON:-python3}" -m zipfile -e "$f" .)
done
cp -R "$dist/go" "$work/x/go"

# The architecture a path's artifact is named for.
expected_machine() {
  case $1 in
    *x86_64*|*linux_amd64*) echo "Advanced Micro Devices X86-64" ;;
    *aarch64*|*linux_arm64*) echo "AArch64" ;;
    *) fail "$1: no architecture in its name" ;;
  esac
}

checked=0
while IFS= read -r -d '' f; do
  [ "$(head -c 4 "$f" | od -An -c | tr -d ' ')" = '177ELF' ] || [ "${f%.a}" != "$f" ] || continue
  rel=${f#"$work/x/"}
  want=$(expected_machine "$rel")
  machines=$(readelf -h -W "$f" 2>/dev/null | sed -n 's/^ *Machine: *//p' | sort -u)
  [ "$machines" = "$want" ] || fail "$rel: machine '$machines', want '$want'"
  newest=$(readelf -V -W "$f" | grep -o 'GLIBC_[0-9][0-9.]*' | sed 's/GLIBC_//' | sort -V | tail -n1 || true)
  if [ -n "$newest" ] && [ "$(printf '%s\n%s\n' "$newest" "$max" | sort -V | tail -n1)" != "$max" ]; then
    fail "$rel needs GLIBC_$newest (at most GLIBC_$max)"
  fi
  echo "elf: $rel: $want, ${newest:+needs GLIBC_}${newest:-no glibc versions}"
  checked=$((checked + 1))
done < <(find "$work/x" -type f ! -type l -print0 | sort -z)
[ "$checked" -gt 0 ] || fail "no ELF file in $dist"
echo "elf: $checked files need at most GLIBC_$max and match their architecture"
