//go:build !ecscred_dynamic && !ecscred_nopkgconfig

package ecscred

// How the package links libecscred. Each way is one file with its own build constraint,
// so that the set of files, and with it the Go build cache key, changes with the tags:
//
//   - link_static.go (default): libecscred.a through pkg-config (ecscred-static.pc,
//     installed by `make install`); a built Go binary does not need libecscred.so:
//     PKG_CONFIG_PATH=$PREFIX/lib/pkgconfig go build
//   - link_dynamic.go (-tags ecscred_dynamic): libecscred.so through ecscred.pc.
//   - -tags ecscred_nopkgconfig: no #cgo directive at all; CGO_CFLAGS/CGO_LDFLAGS point
//     at a build tree:
//     CGO_CFLAGS=-I$REPO/include \
//     CGO_LDFLAGS="$REPO/target/release/libecscred.a -lutil -lrt -lpthread -lm -ldl -lc" \
//     go build -tags ecscred_nopkgconfig
//
// The module `make dist` writes (dist/go) replaces this file with one that links the
// prebuilt archive shipped inside the module.

/*
#cgo pkg-config: ecscred-static
*/
import "C"
