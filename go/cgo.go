//go:build !ecscred_nopkgconfig

package ecscred

// All #cgo directives of the package live here. By default libecscred is linked
// statically through pkg-config (ecscred-static.pc, installed by `make install`), so a
// built Go binary does not need libecscred.so at run time:
//
//	PKG_CONFIG_PATH=$PREFIX/lib/pkgconfig go build
//
// Build with -tags ecscred_dynamic to link libecscred.so instead (ecscred.pc), or with
// -tags ecscred_nopkgconfig and CGO_CFLAGS/CGO_LDFLAGS pointing at a build tree:
//
//	CGO_CFLAGS=-I$REPO/include \
//	CGO_LDFLAGS="$REPO/target/release/libecscred.a -lgcc_s -lutil -lrt -lpthread -lm -ldl -lc" \
//	go build -tags ecscred_nopkgconfig

/*
#cgo !ecscred_dynamic pkg-config: ecscred-static
#cgo ecscred_dynamic pkg-config: ecscred
*/
import "C"
