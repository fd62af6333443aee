package ecscred

/*
#include "shim.h"
*/
import "C"

import (
	"sync/atomic"
	"time"
	"unsafe"
)

// The warm path: a call that the engine would answer from its cache does not cross into C.
//
// With each credential the engine hands out a deadline (ecscred_warm_deadline): until that
// wall-clock instant, and as long as its process-wide epoch word keeps the value it came
// with, the engine's own warm path would return this same credential. The engine changes
// the epoch whenever that could stop being true early (a new credential, a refresh
// starting or ending, a fork, in the child). So a call only loads the last snapshot, its
// stale flag and the epoch word: no clock read, no lock, no shared write, no allocation.
//
// Why no clock read: on this kind of machine a Go clock read costs more than the whole
// rest of the call (time.Now 40+ ns, a monotonic read 20+ ns; the engine's own warm path
// reads the 3 ns coarse clock, which Go cannot). Instead, a timer marks the snapshot stale
// warmLead before the engine's deadline, or after warmHorizon, whichever comes first; the
// next call then asks the engine again. warmLead absorbs a late timer (with every P busy
// the runtime preempts after 10 ms); warmHorizon bounds what Go's timers cannot see: a
// wall-clock step, or a system suspend, during which monotonic time and Go's timers stand
// still while the credential's expiration (wall-clock) comes closer.
const (
	warmLead    = 50 * time.Millisecond
	warmHorizon = 100 * time.Millisecond
)

// warmEpoch is the engine's epoch word (ecscred_warm_epoch): static memory of libecscred,
// valid for the life of the process, only ever loaded atomically here.
var warmEpoch = (*uint64)(unsafe.Pointer(C.ecscred_warm_epoch()))

// snapshot is the Go copy of a credential the engine handed out, with the C handle it was
// copied from and the engine's warm deadline for it. Holding the handle keeps that
// credential's memory alive, so while it is held no other credential can live at the same
// address: a call whose C credential has the same AccessKeyId pointer has the same
// credential and reuses the Go strings (and the handle) instead of copying them again.
// Immutable once published, but for stale.
type snapshot struct {
	handle *C.ecscred_credential
	id     *C.char
	creds  Credentials
	epoch  uint64
	until  time.Time   // when the timer marks it stale (monotonic)
	stale  atomic.Bool // set by the timer, or from the start when the engine gave no deadline
}

// servable reports whether the engine would still answer with this snapshot's credential.
func (s *snapshot) servable() bool {
	return !s.stale.Load() && atomic.LoadUint64(warmEpoch) == s.epoch
}

// publish makes r the last snapshot and arms the timer for its deadline. Called with p.mu
// held shared (so never concurrently with Close) and only from get, which serializes it
// with p.publishMu.
func (p *Provider) publish(r *C.ecscred_go_result) Credentials {
	now := time.Now()
	last := p.last.Load()
	next := &snapshot{epoch: uint64(r.epoch)}
	// The loaded snapshot's handle is alive, as is r's credential, so equal pointers mean
	// the same credential (see snapshot).
	if last != nil && last.id == r.access_key_id {
		C.ecscred_credential_free(r.credential)
		next.handle, next.id, next.creds = last.handle, last.id, last.creds
	} else {
		next.handle, next.id = r.credential, r.access_key_id
		next.creds = Credentials{
			AccessKeyID:     C.GoString(r.access_key_id),
			AccessKeySecret: C.GoString(r.access_key_secret),
			SecurityToken:   C.GoString(r.security_token),
			Expiration:      time.Unix(int64(r.expiration), 0).UTC(),
			neverExpires:    r.expires == 0,
		}
	}
	serve := time.Duration(0)
	if r.until_unix_ms != 0 {
		serve = min(time.UnixMilli(int64(r.until_unix_ms)).Sub(now)-warmLead, warmHorizon)
	}
	if serve > 0 {
		next.until = now.Add(serve)
	} else {
		next.stale.Store(true)
	}
	if old := p.last.Swap(next); old != nil && old.handle != next.handle {
		C.ecscred_credential_free(old.handle) // wipes the C copies of its secrets
	}
	if serve > 0 {
		if p.timer == nil {
			p.timer = time.AfterFunc(serve, p.expire)
		} else {
			p.timer.Reset(serve)
		}
	}
	return next.creds
}

// expire is the timer's turn: it marks the last snapshot stale once its time has come (a
// turn armed for an earlier snapshot finds a later deadline and leaves it alone; publish
// re-arms the timer for every snapshot it publishes).
func (p *Provider) expire() {
	if s := p.last.Load(); s != nil && !time.Now().Before(s.until) {
		s.stale.Store(true)
	}
}
