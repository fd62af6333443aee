//go:build !ecscred_dynamic && !ecscred_nopkgconfig && !(linux && (amd64 || arm64))

package ecscred

// Written by `make dist` (packaging/go-module.sh): the prebuilt archives are for
// linux/amd64 and linux/arm64 only; elsewhere the build stops with this message.

/*
#error "ecscred: this module ships libecscred prebuilt for linux/amd64 and linux/arm64 only; on other platforms install libecscred (make install in the ecscred repository) and build with -tags ecscred_dynamic"
*/
import "C"
