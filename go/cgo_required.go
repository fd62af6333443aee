//go:build !cgo

package ecscred

// This package is libecscred (Rust) behind cgo: without cgo (CGO_ENABLED=0, or a
// cross-compilation, where Go turns cgo off unless CGO_ENABLED=1 and CC are set) none of
// its files compile, and the build would stop at a bare "undefined: ecscred.NewProvider"
// in the caller. This file, compiled only then, stops it here instead, with the fix in the
// name of the missing identifier: build with CGO_ENABLED=1 and a C compiler, for
// linux/amd64 or linux/arm64 (the targets libecscred is built and shipped for).
var _ = ecscred_needs_cgo_and_a_C_compiler_on_linux_amd64_or_linux_arm64
