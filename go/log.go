package ecscred

/*
#include "shim.h"
*/
import "C"

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
)

var (
	logMu  sync.Mutex                  // serialises SetLogger
	logger atomic.Pointer[slog.Logger] // where ecscredGoLog sends messages
)

// SetLogger routes libecscred's log messages to l: a warning at each failed refresh
// (naming the endpoint and the cause, with the cached credential's expiry), and request
// detail at debug level. Messages never contain a secret. nil stops logging (the
// default: the engine is silent).
//
// The setting is process-wide and shared with C code in the process: it replaces any
// callback set with ecscred_set_log_callback. l is called from libecscred's refresh
// thread or from the goroutine whose call failed; it must not call this package.
func SetLogger(l *slog.Logger) error {
	logMu.Lock()
	defer logMu.Unlock()
	maxLevel := C.uint32_t(C.ECSCRED_LOG_OFF)
	if l != nil {
		ctx := context.Background()
		switch {
		case l.Enabled(ctx, slog.LevelDebug):
			maxLevel = C.ECSCRED_LOG_TRACE
		case l.Enabled(ctx, slog.LevelInfo):
			maxLevel = C.ECSCRED_LOG_INFO
		case l.Enabled(ctx, slog.LevelWarn):
			maxLevel = C.ECSCRED_LOG_WARN
		default:
			maxLevel = C.ECSCRED_LOG_ERROR
		}
	}
	logger.Store(l)
	if status := C.ecscred_go_set_log(maxLevel); status != C.ECSCRED_OK {
		return newError(int(status), "", 0)
	}
	return nil
}

//export ecscredGoLog
func ecscredGoLog(level C.uint32_t, message *C.char) {
	l := logger.Load()
	if l == nil {
		return
	}
	var lvl slog.Level
	switch level {
	case C.ECSCRED_LOG_ERROR:
		lvl = slog.LevelError
	case C.ECSCRED_LOG_WARN:
		lvl = slog.LevelWarn
	case C.ECSCRED_LOG_INFO:
		lvl = slog.LevelInfo
	default:
		lvl = slog.LevelDebug
	}
	l.Log(context.Background(), lvl, C.GoString(message), "source", "ecscred")
}
