//go:build ecscred_dynamic && !ecscred_nopkgconfig

package ecscred

// -tags ecscred_dynamic: libecscred.so through pkg-config (ecscred.pc); the binary then
// needs the library on its loader path at run time. See link_static.go.

/*
#cgo pkg-config: ecscred
*/
import "C"
